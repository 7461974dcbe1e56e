"""The retention purge (WS-28): remove what is older than the retention period and not held.

When a record has expired (``cutoff`` = now less ``retention_days``, at least 180):

* **A case and everything hanging off it** — its targets, pauses, assessments, proposals,
  regulator reviews, second reviews, objections, measures and their outbox messages,
  notices, and its reports with their targets, evidence links, idempotency keys, forged
  marks and evidence rows (snapshots are evidence rows too) — expire together, once the
  case is closed or decided and every one of those records' own times (opened, closed,
  decided, received, accepted, attached, proposed, approved, sent, started, applied,
  ended …) is before the cutoff. A case with a measure still undelivered, a measure whose
  period runs past the cutoff, or an undecided objection has not expired.
* **A report that never joined a case** expires by its own times once it is closed.
* **Evidence files on disk** go only when no remaining evidence row has their hash (the
  store is content-addressed: a younger report may share the file). A file is removed
  after its rows' batch commits; if the purge stops in between, the file stays, so each
  run also sweeps the store (:func:`orphaned_files`) for files no evidence row names that
  were last written before the cutoff (so an upload still in flight is never taken), at
  most ``SWEEP_LIMIT`` a run, entered in the ledger before they go.
* **Ledger entries**: see :mod:`qinglang.ledger.retention` (whole leading stretches).

Never removed: anything younger; anything held (see :mod:`qinglang.oversight.holds`); a
report that a remaining report names as the one it duplicates.

How: first (PostgreSQL) the ledger partitions for this month and the next are created
where missing (:func:`qinglang.ledger.retention.ensure_partitions`; the worker runs the
purge daily, so months are ready before their entries arrive). Then in foreign-key
order, a batch of cases (or reports) per transaction, each batch with its
``RETENTION_PURGED`` ledger entry; then the orphaned-files sweep; then the ledger's
leading stretch, a batch (or, on PostgreSQL, a whole month) per transaction with its
checkpoint. An interrupted purge leaves a consistent database, and a rerun finds what is
left and completes it. ``dry_run`` does the very same work in one
transaction and rolls it back, so it reports exactly the counts a purge would.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import (
    Case,
    CaseAssessment,
    CasePause,
    CaseProposal,
    CaseTarget,
    Objection,
    RegulatorReview,
    SecondReview,
)
from qinglang.db.engine import Database, UnitOfWork
from qinglang.intake.models import (
    Evidence,
    ForgedEvidence,
    IdempotencyKey,
    Report,
    ReporterAccount,
    ReportEvidence,
    ReportTarget,
)
from qinglang.intake.store import EvidenceStore
from qinglang.ledger import retention as ledger_retention
from qinglang.measures.models import Measure, OutboxMessage
from qinglang.notices.models import Notice
from qinglang.oversight.expiry import (
    Held,
    expired_cases,
    expired_reports,
    held,
    referenced_from_outside,
)
from qinglang.oversight.holds import active_holds

CASE_BATCH = 50
LEDGER_BATCH = 5_000
SWEEP_LIMIT = 1_000  # orphaned files removed per run at most; the next run carries on
_SHA256 = re.compile(r"[0-9a-f]{64}")
KINDS = (
    "cases",
    "reports",
    "report_targets",
    "evidence_links",
    "evidence",
    "evidence_files",
    "assessments",
    "proposals",
    "regulator_reviews",
    "second_reviews",
    "objections",
    "measures",
    "outbox_messages",
    "notices",
    "case_targets",
    "case_pauses",
    "idempotency_keys",
    "forged_marks",
    "orphan_files",
    "ledger_entries",
)


@dataclass
class PurgeResult:
    cutoff: datetime
    dry_run: bool
    counts: Counter[str] = field(default_factory=Counter)
    ledger_first: int | None = None
    ledger_last: int | None = None
    batches: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "counts": {kind: self.counts.get(kind, 0) for kind in KINDS},
            "ledger_range": None
            if self.ledger_first is None
            else {"first_seq": self.ledger_first, "last_seq": self.ledger_last},
            "batches": self.batches,
        }


class _DryRun(Exception):
    """Raised to roll a dry run back."""


# What hangs off a case, and off a report, in the order foreign keys allow deleting it
# (each kind with the column that names its case or report).
_BY_CASE: tuple[tuple[str, Any], ...] = (
    ("measures", Measure.case_id),
    ("notices", Notice.case_id),
    ("second_reviews", SecondReview.case_id),
    ("regulator_reviews", RegulatorReview.case_id),
    ("proposals", CaseProposal.case_id),
    ("assessments", CaseAssessment.case_id),
    ("objections", Objection.case_id),
    ("case_pauses", CasePause.case_id),
    ("case_targets", CaseTarget.case_id),
)
_BY_REPORT: tuple[tuple[str, Any], ...] = (
    ("forged_marks", ForgedEvidence.report_id),
    ("idempotency_keys", IdempotencyKey.report_id),
    ("report_targets", ReportTarget.report_id),
    ("evidence_links", ReportEvidence.report_id),
)


def _delete(session: Session, statement: Any) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _delete_records(
    session: Session, case_ids: list[int], report_ids: list[int], counts: Counter[str]
) -> set[str]:
    """Delete in foreign-key order; returns the evidence hashes whose rows went."""
    if case_ids:
        report_ids = [
            *report_ids,
            *session.scalars(select(Report.id).where(Report.case_id.in_(case_ids))),
        ]
    measures = select(Measure.id).where(Measure.case_id.in_(case_ids))
    evidence_ids = set(
        session.scalars(
            select(ReportEvidence.evidence_id).where(ReportEvidence.report_id.in_(report_ids))
        )
    )
    evidence_ids.update(
        session.scalars(
            select(ForgedEvidence.evidence_id).where(ForgedEvidence.report_id.in_(report_ids))
        )
    )
    for listed in session.scalars(
        select(Objection.evidence).where(Objection.case_id.in_(case_ids))
    ):
        evidence_ids.update(str(e) for e in (listed or []))
    counts["outbox_messages"] += _delete(
        session, delete(OutboxMessage).where(OutboxMessage.measure_id.in_(measures))
    )
    for kind, column in _BY_CASE:
        counts[kind] += _delete(session, delete(column.class_).where(column.in_(case_ids)))
    for kind, column in _BY_REPORT:
        counts[kind] += _delete(session, delete(column.class_).where(column.in_(report_ids)))
    counts["reports"] += _delete(session, delete(Report).where(Report.id.in_(report_ids)))
    counts["cases"] += _delete(session, delete(Case).where(Case.id.in_(case_ids)))
    # Evidence rows still named elsewhere (a reporter's identity document, another
    # report's link or mark) stay.
    still = set(
        session.scalars(
            select(ReportEvidence.evidence_id).where(ReportEvidence.evidence_id.in_(evidence_ids))
        )
    )
    still.update(
        session.scalars(
            select(ForgedEvidence.evidence_id).where(ForgedEvidence.evidence_id.in_(evidence_ids))
        )
    )
    still.update(
        session.scalars(
            select(ReporterAccount.identity_evidence_id).where(
                ReporterAccount.identity_evidence_id.in_(evidence_ids)
            )
        )
    )
    going = sorted(evidence_ids - still)
    hashes = set(session.scalars(select(Evidence.sha256).where(Evidence.id.in_(going))))
    counts["evidence"] += _delete(session, delete(Evidence).where(Evidence.id.in_(going)))
    remaining = set(session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(hashes))))
    return hashes - remaining


def _domain_batch(
    uow: UnitOfWork, *, actor: Actor, cutoff: datetime, keep: Held, skip: set[int], batch: int
) -> tuple[Counter[str], set[str]] | None:
    session = uow.session
    cases = expired_cases(session, cutoff, keep, batch, skip)
    reports = [] if cases else expired_reports(session, cutoff, keep, batch, skip)
    if not cases and not reports:
        return None
    case_reports = list(session.scalars(select(Report.id).where(Report.case_id.in_(cases))))
    blocked = referenced_from_outside(session, [*case_reports, *reports])
    if blocked:
        blocked_cases = set(session.scalars(select(Report.case_id).where(Report.id.in_(blocked))))
        skip.update(blocked_cases - {None})  # type: ignore[arg-type]
        skip.update(blocked)
        cases = [c for c in cases if c not in blocked_cases]
        reports = [r for r in reports if r not in blocked]
        if not cases and not reports:
            return Counter(), set()
    counts: Counter[str] = Counter()
    files = _delete_records(session, cases, reports, counts)
    counts["evidence_files"] += len(files)
    ledger_retention.record_purge(
        uow,
        actor=actor,
        counts=counts,
        detail={"cutoff": cutoff, "cases": cases, "reports": reports},
    )
    return counts, files


def purge(
    database: Database,
    *,
    actor: Actor,
    retention_days: int,
    store: EvidenceStore,
    dry_run: bool = False,
    batch: int = CASE_BATCH,
    ledger_batch: int = LEDGER_BATCH,
) -> PurgeResult:
    """Remove every expired, unheld record (see the module docstring); what went."""
    require(actor, Permission.RETENTION_MANAGE)
    cutoff = database.clock.now() - timedelta(days=retention_days)
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        try:
            with database.unit_of_work() as uow:
                _run(
                    uow,
                    uow,
                    result,
                    actor=actor,
                    batch=batch,
                    ledger_batch=ledger_batch,
                    store=store,
                )
                raise _DryRun
        except _DryRun:
            pass
        return result
    with database.unit_of_work() as uow:
        ledger_retention.ensure_partitions(uow)  # PostgreSQL: the coming months, ahead
    _run(None, database, result, actor=actor, batch=batch, ledger_batch=ledger_batch, store=store)
    return result


def _run(
    shared: UnitOfWork | None,
    source: Database | UnitOfWork,
    result: PurgeResult,
    *,
    actor: Actor,
    batch: int,
    ledger_batch: int,
    store: EvidenceStore,
) -> None:
    """The batches: in ``shared`` (a dry run: no file is touched) or each in its own
    unit of work."""

    def unit() -> Any:
        if shared is not None:
            return _Reuse(shared)
        assert isinstance(source, Database)
        return source.unit_of_work()

    skip: set[int] = set()
    gone: set[str] = set()  # files of this run's batches (still on disk in a dry run)
    while True:
        with unit() as uow:
            keep = held(uow.session, active_holds(uow))
            done = _domain_batch(
                uow, actor=actor, cutoff=result.cutoff, keep=keep, skip=skip, batch=batch
            )
        if done is None:
            break
        counts, files = done
        result.counts.update(counts)
        result.batches += 1
        gone |= files
        if shared is None:
            for sha256 in sorted(files):
                store.discard(sha256)
    with unit() as uow:
        orphans = orphaned_files(
            uow.session, store, before=result.cutoff, limit=SWEEP_LIMIT, exclude=gone
        )
        if orphans:
            ledger_retention.record_purge(
                uow,
                actor=actor,
                counts={"orphan_files": len(orphans)},
                detail={"cutoff": result.cutoff, "files": orphans},
            )
    if orphans:
        result.counts["orphan_files"] += len(orphans)
        result.batches += 1
        if shared is None:
            for sha256 in orphans:
                store.discard(sha256)
    while True:
        with unit() as uow:
            keep = held(uow.session, active_holds(uow))
            up_to = ledger_retention.cut(uow, before=result.cutoff, held=keep.ledger_subjects)
            stretch = None
            if up_to is not None:
                stretch = ledger_retention.purge_batch(
                    uow,
                    actor=actor,
                    up_to=up_to,
                    batch=ledger_batch,
                )
        if stretch is None:
            break
        result.counts["ledger_entries"] += stretch.entries
        result.batches += 1
        if result.ledger_first is None:
            result.ledger_first = stretch.first_seq
        result.ledger_last = stretch.last_seq


def _stored_files(root: str) -> Iterable[os.DirEntry[str]]:
    """The store's files (``ab/cd/abcd…``), skipping temporary uploads and anything else."""
    for first in os.scandir(root):
        if not (first.is_dir() and len(first.name) == 2):
            continue
        for second in os.scandir(first.path):
            if not (second.is_dir() and len(second.name) == 2):
                continue
            for entry in os.scandir(second.path):
                name = entry.name
                if (
                    _SHA256.fullmatch(name)
                    and name[:2] == first.name
                    and name[2:4] == second.name
                    and entry.is_file()
                ):
                    yield entry


def orphaned_files(
    session: Session,
    store: EvidenceStore,
    *,
    before: datetime,
    limit: int,
    exclude: Collection[str] = (),
) -> list[str]:
    """Up to ``limit`` stored files that no evidence row names and that were last written
    before ``before`` (left behind by a purge stopped between a batch and its files)."""
    if not store.root.is_dir():
        return []
    stamp = before.timestamp()
    found: list[str] = []
    pending: list[str] = []

    def settle() -> None:
        named = set(session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(pending))))
        found.extend(h for h in pending if h not in named)
        pending.clear()

    for entry in _stored_files(str(store.root)):
        if entry.name in exclude or entry.stat().st_mtime >= stamp:
            continue
        pending.append(entry.name)
        if len(pending) >= 500:
            settle()
            if len(found) >= limit:
                break
    if pending:
        settle()
    return sorted(found)[:limit]


class _Reuse:
    """A dry run's batches share one unit of work (rolled back at the end)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def __enter__(self) -> UnitOfWork:
        return self.uow

    def __exit__(self, *exc: object) -> None:
        return None
