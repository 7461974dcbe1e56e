"""One case's full record for the regulator (WS-28, WS-29): every ledger entry about it in
chain order (actor, time, event, payload, hash and the hash before), its reports with their
evidence hashes and snapshots, its measures with their legal basis, and its deadline.

Read inside the caller's unit of work, so the portal can write its ``REGULATOR_QUERIED``
entry in the same transaction that read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from qinglang.cases.models import Case, CaseProposal, CaseTarget, Objection, RegulatorReview
from qinglang.db.engine import UnitOfWork
from qinglang.errors import NotFound
from qinglang.intake.models import Evidence, Report, ReportEvidence
from qinglang.ledger import LedgerEntry, SubjectType
from qinglang.measures.models import Measure

# Deadline outcomes (WS-3): decided in time, decided late, still open in time, open and late.
MET = "met"
MISSED = "missed"
PENDING = "pending"
OVERDUE = "overdue"


def deadline_outcome(
    *, due_at: datetime | None, decided_at: datetime | None, now: datetime
) -> str | None:
    """Whether the case's time limit was met: decided at vs due at (None: no limit running)."""
    if due_at is None:
        return None
    if decided_at is not None:
        return MET if decided_at <= due_at else MISSED
    return PENDING if now <= due_at else OVERDUE


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def case_record(uow: UnitOfWork, *, case_id: int) -> dict[str, Any]:
    """Everything the regulator reads about one case; :class:`NotFound` if there is none."""
    session = uow.session
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"there is no case {case_id}", code="case_not_found")
    reports = list(
        session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id))
    )
    evidence = session.execute(
        select(ReportEvidence, Evidence)
        .join(Evidence, Evidence.id == ReportEvidence.evidence_id)
        .where(ReportEvidence.report_id.in_([r.id for r in reports] or [-1]))
        .order_by(ReportEvidence.report_id, ReportEvidence.id)
    ).all()
    numbers = {r.id: r.tracking_no for r in reports}
    measures = list(
        session.scalars(select(Measure).where(Measure.case_id == case.id).order_by(Measure.id))
    )
    proposals = list(
        session.scalars(
            select(CaseProposal).where(CaseProposal.case_id == case.id).order_by(CaseProposal.id)
        )
    )
    reviews = list(
        session.scalars(
            select(RegulatorReview)
            .where(RegulatorReview.case_id == case.id)
            .order_by(RegulatorReview.id)
        )
    )
    objections = list(
        session.scalars(
            select(Objection).where(Objection.case_id == case.id).order_by(Objection.id)
        )
    )
    targets = list(
        session.scalars(select(CaseTarget.target_key).where(CaseTarget.case_id == case.id))
    )
    subjects = (
        [(SubjectType.CASE.value, str(case.id))]
        + [(SubjectType.REPORT.value, r.tracking_no) for r in reports]
        + [(SubjectType.MEASURE.value, str(m.id)) for m in measures]
        + [(SubjectType.EVIDENCE.value, e.id) for _link, e in evidence]
    )
    entries = list(
        session.scalars(
            select(LedgerEntry)
            .where(
                or_(
                    *(
                        and_(LedgerEntry.subject_type == t, LedgerEntry.subject_id == i)
                        for t, i in subjects
                    )
                )
            )
            .order_by(LedgerEntry.seq)
        )
    )
    now = uow.clock.now()
    return {
        "id": case.id,
        "status": case.status,
        "category": case.category,
        "subtype": case.subtype,
        "zone": case.zone,
        "channel": case.channel,
        "campaign": case.campaign,
        "pack": case.pack,
        "grade": case.grade,
        "involves_minor": case.involves_minor,
        "opened_at": _iso(case.opened_at),
        "due_at": _iso(case.due_at),
        "decided_at": _iso(case.decided_at),
        "closed_at": _iso(case.closed_at),
        "time_limit": (
            {"hours": case.hours} if case.hours is not None else {"working_days": case.working_days}
        ),
        "deadline": deadline_outcome(due_at=case.due_at, decided_at=case.decided_at, now=now),
        "targets": sorted(targets),
        "reports": [
            {
                "tracking_no": r.tracking_no,
                "status": r.status,
                "category": r.category,
                "subtype": r.subtype,
                "channel": r.channel,
                "received_at": _iso(r.received_at),
                "reporter_kind": r.reporter_kind,
                "reporter_name": r.reporter_name,
                "reporter_phone": r.reporter_phone,
                "right_holder_name": r.right_holder_name,
                "statement": r.statement,
            }
            for r in reports
        ],
        "evidence": [
            {
                "report": numbers[link.report_id],
                "id": item.id,
                "type": link.type,
                "counted": link.counted,
                "snapshot": link.attached_in == "snapshot",
                "sha256": item.sha256,
                "size": item.size,
                "media_type": item.media_type,
                "uploaded_at": _iso(item.uploaded_at),
            }
            for link, item in evidence
        ],
        "proposals": [
            {
                "id": p.id,
                "status": p.status,
                "measures": p.measures,
                "reason": p.reason,
                "requires": p.requires,
                "proposed_at": _iso(p.proposed_at),
                "approved_at": _iso(p.approved_at),
            }
            for p in proposals
        ],
        "regulator_reviews": [
            {"level": r.level, "status": r.status, "note": r.note, "decided_at": _iso(r.decided_at)}
            for r in reviews
        ],
        "objections": [
            {
                "party": o.party,
                "statement": o.statement,
                "received_at": _iso(o.received_at),
                "outcome": o.outcome,
                "reason": o.reason,
                "decided_at": _iso(o.decided_at),
            }
            for o in objections
        ],
        "measures": [
            {
                "id": m.id,
                "code": m.code,
                "on": m.on,
                "target": m.target,
                "basis": m.basis,
                "status": m.status,
                "decided_by": m.decided_by,
                "starts_at": _iso(m.starts_at),
                "expires_at": _iso(m.expires_at),
                "applied_at": _iso(m.applied_at),
            }
            for m in measures
        ],
        "entries": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "event": e.event,
                "subject": f"{e.subject_type}:{e.subject_id}",
                "payload": e.data,
                "hash": e.hash,
                "prev_hash": e.prev_hash,
            }
            for e in entries
        ],
    }
