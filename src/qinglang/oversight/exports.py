"""Signed ledger exports (WS-28): a period's entries, the evidence they name, a signed manifest.

:func:`export_bundle` writes the bundle that :mod:`qinglang.oversight.bundle_check`
checks (the layout is described there). The period is a range of calendar days in the
platform's time zone, both ends included. Unfiltered, the bundle holds every entry
from the period's first to its last, contiguous, so the chain can be checked across
it; ``case_id`` keeps the entries about the case, its reports and its measures,
``account`` (``account:N``) those about the platform account, its posts, and the cases
on either (their reports and measures): not contiguous, so only each entry's own
hash can be checked, as the manifest says.

The bundle is written beside ``out`` and moved into place in the transaction that
records the export (``ledger_exported``), so an export that fails leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

import qinglang
from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import Case, CaseTarget
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.intake.models import Evidence, Report
from qinglang.intake.store import EvidenceStore
from qinglang.ledger import LedgerEntry, LedgerEvent, Subject, SubjectType
from qinglang.ledger.chain import format_time
from qinglang.measures.models import Measure
from qinglang.oversight.bundle_check import (
    BUNDLE_FORMAT,
    ENTRIES,
    ENTRY_FIELDS,
    EVIDENCE,
    EVIDENCE_FIELDS,
    FILES_DIR,
    MANIFEST,
    SIGNATURE,
    evidence_refs,
)
from qinglang.oversight.signing import fingerprint, private_key, public_pem_of
from qinglang.platform.models import PlatformPost
from qinglang.settings import Settings

_ACCOUNT = re.compile(r"^account:([1-9][0-9]{0,9})$")
_BATCH = 5_000
_IN_CHUNK = 500
SUBJECT = Subject(type=SubjectType.SYSTEM, id="ledger")
_COLUMNS = (
    LedgerEntry.seq,
    LedgerEntry.recorded_at,
    LedgerEntry.actor,
    LedgerEntry.event,
    LedgerEntry.subject_type,
    LedgerEntry.subject_id,
    LedgerEntry.payload,
    LedgerEntry.prev_hash,
    LedgerEntry.hash,
)
EntryRow = Sequence[Any]  # the columns of ENTRY_FIELDS, in that order


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    id: str
    sha256: str
    size: int
    media_type: str


def parse_account(text: str) -> int:
    """``account:N`` → N; :class:`InvalidInput` ``invalid_account`` otherwise."""
    match = _ACCOUNT.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"{text!r} is not an account: write account:N (a platform account's id)",
            code="invalid_account",
        )
    return int(match.group(1))


class _Hashed:
    """A file being written, hashed as it goes."""

    def __init__(self, path: Path) -> None:
        self.handle: IO[bytes] = path.open("xb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> dict[str, Any]:
        self.handle.close()
        return {"sha256": self.digest.hexdigest(), "bytes": self.size}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def write_bundle(
    out: Path,
    *,
    entries: Iterable[EntryRow],
    evidence: Callable[[list[str]], Sequence[EvidenceItem]],
    files: Callable[[str], Path | None] | None,
    key: Ed25519PrivateKey,
    linked: bool,
    description: dict[str, Any],
) -> tuple[dict[str, Any], bytes]:
    """Write a bundle into the empty directory ``out``; (manifest, its exact bytes).

    ``entries`` in seq order; ``evidence`` looks items up by id (missing ones are listed
    as unavailable); ``files`` finds an evidence file by its hash (None: no files).
    """
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    refs: set[str] = set()
    listed: dict[str, dict[str, Any]] = {}
    writer = _Hashed(out / ENTRIES)
    count = 0
    first: EntryRow | None = None
    last: EntryRow | None = None
    batch: list[str] = []
    for row in entries:
        if first is None:
            first = row
        last = row
        count += 1
        payload = row[6]
        if row[4] == "evidence" or '"evidence":' in payload:
            refs.update(evidence_refs(row[4], row[5], payload))
        batch.append(dumps(dict(zip(ENTRY_FIELDS, row, strict=True))))
        if len(batch) >= _BATCH:
            writer.write(("\n".join(batch) + "\n").encode())
            batch.clear()
    if batch:
        writer.write(("\n".join(batch) + "\n").encode())
    listed[ENTRIES] = writer.close()

    found = sorted(evidence(sorted(refs)), key=lambda item: item.id)
    writer = _Hashed(out / EVIDENCE)
    for item in found:
        line = dumps(
            dict(
                zip(
                    EVIDENCE_FIELDS, (item.id, item.sha256, item.size, item.media_type), strict=True
                )
            )
        )
        writer.write(line.encode() + b"\n")
    listed[EVIDENCE] = writer.close()

    lost: list[str] = []
    if files is not None:
        (out / FILES_DIR).mkdir()
        for sha256 in sorted({item.sha256 for item in found}):
            source = files(sha256)
            if source is None:
                lost.append(sha256)
                continue
            listed[f"{FILES_DIR}/{sha256}"] = _copy(source, out / FILES_DIR / sha256)

    manifest = description | {
        "format": BUNDLE_FORMAT,
        "generator": {"name": "qinglang", "version": qinglang.__version__},
        "chain": {
            "linked": linked,
            "note": None
            if linked
            else "a filtered export: its entries are not contiguous, so the links between "
            "them cannot be checked; each entry is checked against its own hash",
            "first_seq": first[0] if first is not None else None,
            "first_prev_hash": first[7] if first is not None else None,
            "first_hash": first[8] if first is not None else None,
            "last_seq": last[0] if last is not None else None,
            "last_hash": last[8] if last is not None else None,
        },
        "counts": {"entries": count, "evidence": len(found), "files": len(listed) - 2},
        "files": listed,
        "with_files": files is not None,
        "evidence_unavailable": sorted(refs - {item.id for item in found}),
        "files_unavailable": lost,
        "signer": {"algorithm": "Ed25519", "fingerprint": fingerprint(public_pem_of(key))},
    }
    data = manifest_bytes(manifest)
    (out / MANIFEST).write_bytes(data)
    (out / SIGNATURE).write_bytes(key.sign(data))
    return manifest, data


def _copy(source: Path, target: Path) -> dict[str, Any]:
    writer = _Hashed(target)
    with source.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            writer.write(chunk)
    return writer.close()


def _bounds(settings: Settings, start: date, end: date) -> tuple[str, str]:
    zone = settings.zone
    lo = datetime.combine(start, time(0), tzinfo=zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    return format_time(lo), format_time(hi)


def _case_subjects(uow: UnitOfWork, case_ids: set[int]) -> dict[str, set[str]]:
    subjects: dict[str, set[str]] = {
        SubjectType.CASE.value: {str(i) for i in case_ids},
        SubjectType.REPORT.value: set(),
        SubjectType.MEASURE.value: set(),
    }
    ids = sorted(case_ids)
    for lo in range(0, len(ids), _IN_CHUNK):
        chunk = ids[lo : lo + _IN_CHUNK]
        subjects[SubjectType.REPORT.value].update(
            uow.session.scalars(select(Report.tracking_no).where(Report.case_id.in_(chunk)))
        )
        subjects[SubjectType.MEASURE.value].update(
            str(i)
            for i in uow.session.scalars(select(Measure.id).where(Measure.case_id.in_(chunk)))
        )
    return subjects


def _subjects(
    uow: UnitOfWork, *, case_id: int | None, account_id: int | None
) -> dict[str, set[str]] | None:
    """The subjects a filtered export keeps, by type; None for an unfiltered one."""
    if case_id is not None:
        if uow.session.get(Case, case_id) is None:
            raise NotFound(f"there is no case {case_id}", code="case_not_found")
        return _case_subjects(uow, {case_id})
    if account_id is None:
        return None
    posts = {
        str(i)
        for i in uow.session.scalars(
            select(PlatformPost.id).where(PlatformPost.account_id == account_id)
        )
    }
    keys = [f"account:{account_id}", *(f"content:{p}" for p in sorted(posts))]
    case_ids: set[int] = set()
    for lo in range(0, len(keys), _IN_CHUNK):
        case_ids.update(
            uow.session.scalars(
                select(CaseTarget.case_id).where(
                    CaseTarget.target_key.in_(keys[lo : lo + _IN_CHUNK])
                )
            )
        )
    subjects = _case_subjects(uow, case_ids)
    subjects[SubjectType.PLATFORM_ACCOUNT.value] = {str(account_id)}
    subjects[SubjectType.PLATFORM_POST.value] = posts
    return subjects


def _query(
    uow: UnitOfWork, lo: str, hi: str, subjects: dict[str, set[str]] | None
) -> Select[int, str, str, str, str, str, str, str, str] | None:
    in_range = and_(LedgerEntry.recorded_at >= lo, LedgerEntry.recorded_at < hi)
    if subjects is None:
        first, last = uow.session.execute(
            select(func.min(LedgerEntry.seq), func.max(LedgerEntry.seq)).where(in_range)
        ).one()
        if first is None:
            return None
        # From the period's first entry to its last: contiguous, so the chain is checkable.
        return (
            select(*_COLUMNS)
            .where(LedgerEntry.seq >= first, LedgerEntry.seq <= last)
            .order_by(LedgerEntry.seq)
        )
    about: list[ColumnElement[bool]] = [
        and_(LedgerEntry.subject_type == kind, LedgerEntry.subject_id.in_(sorted(ids)))
        for kind, ids in subjects.items()
        if ids
    ]
    if not about:
        return None
    return select(*_COLUMNS).where(in_range, or_(*about)).order_by(LedgerEntry.seq)


def _evidence_lookup(uow: UnitOfWork) -> Callable[[list[str]], list[EvidenceItem]]:
    def lookup(ids: list[str]) -> list[EvidenceItem]:
        found: list[EvidenceItem] = []
        for lo in range(0, len(ids), _IN_CHUNK):
            rows = uow.session.execute(
                select(Evidence.id, Evidence.sha256, Evidence.size, Evidence.media_type).where(
                    Evidence.id.in_(ids[lo : lo + _IN_CHUNK])
                )
            )
            found.extend(EvidenceItem(r[0], r[1], int(r[2]), r[3]) for r in rows)
        return found

    return lookup


def _file_finder(store: EvidenceStore) -> Callable[[str], Path | None]:
    def find(sha256: str) -> Path | None:
        path = store.path_for(sha256)
        return path if path.is_file() else None

    return find


def _staging(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Conflict(
            f"{out} exists and is not an empty directory; choose a new one",
            code="export_dir_not_empty",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))


def export_bundle(
    database: Database,
    *,
    settings: Settings,
    actor: Actor,
    start: date,
    end: date,
    case_id: int | None = None,
    account: str | None = None,
    with_files: bool = False,
    out: Path,
) -> dict[str, Any]:
    """Write the signed bundle of ``start``..``end`` (days, both included) into ``out``
    (new or empty); return its manifest. Recorded as ``ledger_exported``."""
    require(actor, Permission.LEDGER_READ)
    if end < start:
        raise InvalidInput(
            f"the range ends ({end}) before it starts ({start})", code="invalid_range"
        )
    if case_id is not None and account is not None:
        raise InvalidInput("export by case or by account, not both", code="one_filter_only")
    account_id = parse_account(account) if account is not None else None
    key = private_key(settings)
    lo, hi = _bounds(settings, start, end)
    filters = {"case": case_id, "account": f"account:{account_id}" if account_id else None}
    description: dict[str, Any] = {
        "generated_at": format_time(database.clock.now()),
        "generated_by": actor.ref,
        "range": {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "time_zone": settings.time_zone,
            "recorded_at_from": lo,
            "recorded_at_before": hi,
        },
        "filters": filters,
    }
    staging = _staging(out)
    try:
        with database.unit_of_work(read_only=True) as uow:
            subjects = _subjects(uow, case_id=case_id, account_id=account_id)
            query = _query(uow, lo, hi, subjects)
            rows: Iterable[EntryRow] = (
                uow.session.connection().execution_options(yield_per=_BATCH).execute(query)
                if query is not None
                else ()
            )
            manifest, data = write_bundle(
                staging,
                entries=rows,
                evidence=_evidence_lookup(uow),
                files=_file_finder(EvidenceStore(settings.evidence_dir)) if with_files else None,
                key=key,
                linked=subjects is None,
                description=description,
            )
        with database.unit_of_work() as uow:
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.LEDGER_EXPORTED,
                subject=SUBJECT,
                payload={
                    "range": {"from": start.isoformat(), "to": end.isoformat()},
                    "filters": filters,
                    "with_files": with_files,
                    "counts": manifest["counts"],
                    "first_seq": manifest["chain"]["first_seq"],
                    "last_seq": manifest["chain"]["last_seq"],
                    "manifest_sha256": hashlib.sha256(data).hexdigest(),
                    "signer": manifest["signer"]["fingerprint"],
                },
            )
            if out.exists():
                out.rmdir()
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
