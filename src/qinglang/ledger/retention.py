"""The ledger's part of retention (WS-28): drop whole leading stretches of the chain.

Which entries go. An entry has expired when it was recorded before the cutoff (now less
the retention period) *and* it is not about a held subject. Entries are removed only
as a leading stretch ``first … cut``: the cut is the entry just before the first one
that is young or about a held subject. Keeping a held subject's old entries while
dropping older or interleaved neighbours would leave a chain with holes, which cannot
be verified link by link; so one held entry keeps everything after it too. What a hold
protects for good is its domain records (kept by :mod:`qinglang.oversight.retention`)
and every ledger entry from its first one on; once released, the stretch expires again.

How they go. Each batch is one transaction (appends serialised): a purge permit
(:class:`LedgerPurgePermit`) naming the batch's last seq and hash, the DELETE of the
entries up to it (the database trigger lets a DELETE through only at or below a permit),
and a checkpoint entry (``RETENTION_PURGED``) appended at the head with the last purged
entry's seq and hash and the counts. An interrupted purge therefore stops between
batches: every committed state begins with an entry whose ``prev_hash`` a checkpoint
vouches for, and a rerun carries on from there.

On PostgreSQL the table is partitioned by month (see :mod:`qinglang.ledger.models`). When
the leading stretch covers the oldest month's partition whole (every entry in it is in
the stretch, and no entry outside it comes before its last one), that month goes whole:
a permit for the record, ``DETACH PARTITION`` and ``DROP TABLE`` (no DELETE), and the
checkpoint as above, naming the month. Only within the one partly expired month (or the
DEFAULT partition) are entries deleted with a permit. :func:`ensure_partitions` creates
this month's and the next months' partitions ahead (the purge runs it, so the worker's
daily run does); a month whose entries already landed in DEFAULT gets no partition (its
entries stay in DEFAULT and are purged by DELETE), since PostgreSQL refuses to create a
partition for rows the DEFAULT partition holds.

Verifying (:mod:`qinglang.ledger.verification`) starts from the first remaining entry and
accepts its ``prev_hash`` only if a checkpoint in the remaining chain vouches for it.

This module names held subjects as the ledger does, ``(subject_type, subject_id)``; which
subjects a hold covers is the domain's business (it must not be imported here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, tuple_

from qinglang.actor import Actor
from qinglang.db.engine import UnitOfWork
from qinglang.ledger.chain import format_time
from qinglang.ledger.events import LedgerEvent, Subject, SubjectType
from qinglang.ledger.models import LedgerEntry, LedgerPurgePermit
from qinglang.ledger.service import append, serialise_appends

CHECKPOINT_SUBJECT = Subject(type=SubjectType.SYSTEM, id="retention")
_IN_CHUNK = 400  # held subjects per query
PARTITIONS = "ledger_partitions"  # the schema of the monthly partitions (PostgreSQL)
DEFAULT_PARTITION = "ledger_entries_default"
MONTHS_AHEAD = 2
_PARTITION = re.compile(r"ledger_entries_m(\d{4})_(\d{2})")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What a checkpoint entry vouches for: the last purged entry."""

    last_seq: int
    last_hash: str


@dataclass(frozen=True, slots=True)
class PurgedStretch:
    first_seq: int
    last_seq: int
    last_hash: str
    entries: int
    checkpoint_seq: int


def checkpoint_of(payload: str) -> Checkpoint | None:
    """The checkpoint in a ``RETENTION_PURGED`` entry's payload, if it has one."""
    try:
        data = json.loads(payload)
        part = data["ledger"]
        return Checkpoint(last_seq=int(part["last_seq"]), last_hash=str(part["last_hash"]))
    except (ValueError, KeyError, TypeError):
        return None


def cut(uow: UnitOfWork, *, before: datetime, held: Collection[tuple[str, str]]) -> int | None:
    """The last seq that may go (everything from the first entry up to it), or None."""
    session = uow.session
    first = session.scalar(select(func.min(LedgerEntry.seq)))
    if first is None:
        return None
    young = session.scalar(
        select(func.min(LedgerEntry.seq)).where(LedgerEntry.recorded_at >= format_time(before))
    )
    stop = young
    pairs = sorted(set(held))
    for start in range(0, len(pairs), _IN_CHUNK):
        chunk = pairs[start : start + _IN_CHUNK]
        first_held = session.scalar(
            select(func.min(LedgerEntry.seq)).where(
                tuple_(LedgerEntry.subject_type, LedgerEntry.subject_id).in_(chunk)
            )
        )
        if first_held is not None and (stop is None or first_held < stop):
            stop = first_held
    last = session.scalar(select(func.max(LedgerEntry.seq))) if stop is None else stop - 1
    if last is None or last < first:
        return None
    return int(last)


def month_of(at: datetime) -> str:
    """``YYYY-MM`` of an instant in UTC: the ledger partition its entries go to."""
    return format_time(at)[:7]


def month_after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def partition_of(month: str) -> str:
    return f"ledger_entries_m{month.replace('-', '_')}"


def _is_postgres(uow: UnitOfWork) -> bool:
    return uow.session.get_bind().dialect.name == "postgresql"


def partitions(uow: UnitOfWork) -> list[str]:
    """The months that have a partition, oldest first (PostgreSQL; none on SQLite)."""
    if not _is_postgres(uow):
        return []
    names = uow.session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'public.ledger_entries'::regclass"
        )
    )
    found = [_PARTITION.fullmatch(name) for name in names]
    return sorted(f"{m.group(1)}-{m.group(2)}" for m in found if m is not None)


def ensure_partitions(uow: UnitOfWork, *, months_ahead: int = MONTHS_AHEAD) -> list[str]:
    """Create this month's partition and the next ``months_ahead`` months' where missing
    (PostgreSQL); the months created. A month the DEFAULT partition already holds entries
    of is left without one (see the module docstring)."""
    if not _is_postgres(uow):
        return []
    serialise_appends(uow)
    session = uow.session
    have = set(partitions(uow))
    month = month_of(uow.clock.now())
    created: list[str] = []
    for _ in range(months_ahead + 1):
        upper = month_after(month)
        if month not in have:
            in_default = session.scalar(
                text(
                    f"SELECT 1 FROM {PARTITIONS}.{DEFAULT_PARTITION} "  # noqa: S608 (constants)
                    "WHERE recorded_at >= :lo AND recorded_at < :hi LIMIT 1"
                ),
                {"lo": month, "hi": upper},
            )
            if in_default is None:
                table = f"{PARTITIONS}.{partition_of(month)}"
                # Built from validated month strings only (YYYY-MM from the clock).
                session.execute(
                    text(
                        f"CREATE TABLE {table} PARTITION OF ledger_entries "
                        f"FOR VALUES FROM ('{month}') TO ('{upper}')"
                    )
                )
                session.execute(
                    text(
                        f"CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON {table} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_append_only()"
                    )
                )
                created.append(month)
        month = upper
    return created


def _whole_month(uow: UnitOfWork, *, first: int, up_to: int) -> tuple[str, int, int] | None:
    """The oldest month's partition, if the stretch ``first … up_to`` covers it whole:
    (month, its entry count, its last seq)."""
    session = uow.session
    name = session.scalar(
        text("SELECT tableoid::regclass::text FROM ledger_entries WHERE seq = :s"), {"s": first}
    )
    found = _PARTITION.fullmatch(str(name).rpartition(".")[2])
    if found is None:
        return None  # the DEFAULT partition: delete with a permit
    month = f"{found.group(1)}-{found.group(2)}"
    table = f"{PARTITIONS}.{partition_of(month)}"
    # ``table`` is built from a name matched against _PARTITION: no input reaches it.
    row = session.execute(text(f"SELECT count(*), max(seq) FROM {table}")).one()  # noqa: S608
    entries, last = int(row[0]), int(row[1])
    before = session.scalar(select(func.count()).where(LedgerEntry.seq <= last))
    if last > up_to or before != entries:
        return None
    return month, entries, last


def _drop_month(
    uow: UnitOfWork, *, actor: Actor, first: int, up_to: int, counts: Mapping[str, int] | None
) -> PurgedStretch | None:
    """Detach and drop the oldest month whole, if the stretch covers it (PostgreSQL)."""
    whole = _whole_month(uow, first=first, up_to=up_to)
    if whole is None:
        return None
    month, entries, last_seq = whole
    session = uow.session
    last_hash = str(session.scalar(select(LedgerEntry.hash).where(LedgerEntry.seq == last_seq)))
    session.add(
        LedgerPurgePermit(
            up_to_seq=last_seq,
            up_to_hash=last_hash,
            granted_at=format_time(uow.clock.now()),
            actor=actor.ref,
        )
    )
    session.flush()
    table = f"{PARTITIONS}.{partition_of(month)}"
    session.execute(text(f"ALTER TABLE ledger_entries DETACH PARTITION {table}"))
    session.execute(text(f"DROP TABLE {table}"))
    return _checkpoint(
        uow,
        actor=actor,
        first=first,
        last_seq=last_seq,
        last_hash=last_hash,
        entries=entries,
        counts=counts,
        month=month,
    )


def _checkpoint(
    uow: UnitOfWork,
    *,
    actor: Actor,
    first: int,
    last_seq: int,
    last_hash: str,
    entries: int,
    counts: Mapping[str, int] | None,
    month: str | None = None,
) -> PurgedStretch:
    ledger_part: dict[str, Any] = {
        "first_seq": first,
        "last_seq": last_seq,
        "last_hash": last_hash,
        "entries": entries,
    }
    if month is not None:
        ledger_part["partition_dropped"] = month
    entry = append(
        uow,
        actor=actor,
        event=LedgerEvent.RETENTION_PURGED,
        subject=CHECKPOINT_SUBJECT,
        payload={"ledger": ledger_part, "counts": dict(counts or {})},
    )
    return PurgedStretch(
        first_seq=first,
        last_seq=last_seq,
        last_hash=last_hash,
        entries=entries,
        checkpoint_seq=entry.seq,
    )


def purge_batch(
    uow: UnitOfWork,
    *,
    actor: Actor,
    up_to: int,
    batch: int,
    counts: Mapping[str, int] | None = None,
) -> PurgedStretch | None:
    """Remove the leading entries, none past ``up_to``: on PostgreSQL the oldest month
    whole if the stretch covers it, else at most ``batch`` entries with their permit; and
    a checkpoint entry, in the caller's transaction."""
    serialise_appends(uow)
    session = uow.session
    first = session.scalar(select(func.min(LedgerEntry.seq)))
    if first is None or first > up_to:
        return None
    if _is_postgres(uow):
        dropped = _drop_month(uow, actor=actor, first=int(first), up_to=up_to, counts=counts)
        if dropped is not None:
            return dropped
    last = min(up_to, first + batch - 1)
    row = session.execute(
        select(LedgerEntry.seq, LedgerEntry.hash)
        .where(LedgerEntry.seq <= last)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).one()
    last_seq, last_hash = int(row[0]), str(row[1])
    session.add(
        LedgerPurgePermit(
            up_to_seq=last_seq,
            up_to_hash=last_hash,
            granted_at=format_time(uow.clock.now()),
            actor=actor.ref,
        )
    )
    session.flush()
    removed = getattr(
        session.execute(
            delete(LedgerEntry)
            .where(LedgerEntry.seq <= last_seq)
            .execution_options(synchronize_session=False)
        ),
        "rowcount",
        0,
    )
    return _checkpoint(
        uow,
        actor=actor,
        first=int(first),
        last_seq=last_seq,
        last_hash=last_hash,
        entries=int(removed or 0),
        counts=counts,
    )


def record_purge(
    uow: UnitOfWork, *, actor: Actor, counts: Mapping[str, int], detail: Mapping[str, Any]
) -> LedgerEntry:
    """The ledger entry for one batch of domain records removed (no ledger entries)."""
    return append(
        uow,
        actor=actor,
        event=LedgerEvent.RETENTION_PURGED,
        subject=CHECKPOINT_SUBJECT,
        payload={"counts": dict(counts), **detail},
    )


def count_up_to(uow: UnitOfWork, up_to: int) -> int:
    """How many entries a purge up to ``up_to`` would remove (for a dry run)."""
    return int(uow.session.scalar(select(func.count()).where(LedgerEntry.seq <= up_to)) or 0)
