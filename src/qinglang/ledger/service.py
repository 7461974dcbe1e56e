"""Appending to and reading the ledger. ``append`` runs inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, text

from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.ledger.chain import (
    GENESIS_HASH,
    canonical_json,
    entry_hash,
    format_time,
)
from qinglang.ledger.events import LedgerEvent, Subject
from qinglang.ledger.models import LedgerEntry

# pg_advisory_xact_lock key for "the ledger head": ASCII "qlledger".
_POSTGRES_APPEND_LOCK = 0x716C6C6564676572
_HEAD = "ledger.head"


def serialise_appends(uow: UnitOfWork) -> None:
    """Make this transaction the only one appending until it ends.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: write transactions begin
    with BEGIN IMMEDIATE (see db.engine), so the database lock is already held.
    """
    if uow.read_only:
        raise RuntimeError("ledger.append needs a read-write unit of work")
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_APPEND_LOCK}
        )


def append(
    uow: UnitOfWork,
    *,
    actor: Actor,
    event: LedgerEvent,
    subject: Subject,
    payload: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Record ``event`` by ``actor`` about ``subject`` in the caller's transaction.

    The entry becomes visible, and durable, exactly when the caller's change commits;
    if the caller rolls back, the entry never existed.
    """
    last: tuple[int, str] | None = uow.memo.get(_HEAD)
    if last is None:
        serialise_appends(uow)
        row = uow.session.execute(
            select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
        ).first()
        last = (row[0], row[1]) if row is not None else (0, GENESIS_HASH)
    seq, prev = last[0] + 1, last[1]
    recorded_at = format_time(uow.clock.now())
    body = canonical_json(payload or {})
    entry = LedgerEntry(
        seq=seq,
        recorded_at=recorded_at,
        actor=actor.ref,
        event=event.value,
        subject_type=subject.type.value,
        subject_id=subject.id,
        payload=body,
        prev_hash=prev,
        hash=entry_hash(
            seq, recorded_at, actor.ref, event.value, subject.type.value, subject.id, prev, body
        ),
    )
    uow.session.add(entry)
    uow.session.flush()
    # Appends are serialised until this transaction ends, so the head stays ours.
    uow.memo[_HEAD] = (seq, entry.hash)
    return entry


def head(database: Database) -> LedgerEntry | None:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(
            select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1)
        ).first()


def recent_entries(
    database: Database, *, limit: int = 50, subject: Subject | None = None
) -> list[LedgerEntry]:
    query = select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(
            LedgerEntry.subject_type == subject.type.value, LedgerEntry.subject_id == subject.id
        )
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(query))
