"""Queues of cases, and one case with everything about it, for the review API and console.

Queues are keyset-paged on (due time, id), so a page costs the same at the first or
the thousandth page: pass the last row's ``next`` cursor as ``after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, tuple_

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import escalation
from qinglang.cases.models import (
    Case,
    CaseAssessment,
    CaseProposal,
    CaseTarget,
    Objection,
    RegulatorReview,
)
from qinglang.db.base import UtcDateTime
from qinglang.db.engine import Database
from qinglang.detect.pii import find_pii, mask_text
from qinglang.disposal import signals
from qinglang.disposal.signals import SignalSources
from qinglang.errors import InvalidInput, NotFound
from qinglang.intake import answers
from qinglang.intake.models import Report
from qinglang.ledger import LedgerEntry, SubjectType
from qinglang.measures.models import Measure

FAR_FUTURE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: tuple[str, ...] = ("open",)
    zone: str | None = None
    channel: str | None = None
    category: str | None = None
    campaign: str | None = None
    grade: str | None = None
    deadline: str | None = None  # near (warned, not yet passed) or passed (escalated), WS-3
    pack: str | None = None  # e.g. cac-guidance-2023: the rapid channel's cases (GD-1)
    involves_minor: bool | None = None  # GD-2


def _cursor(case: Case) -> str:
    return f"{case.priority}|{(case.due_at or FAR_FUTURE).isoformat()}|{case.id}"


def _after(cursor: str) -> tuple[int, datetime, int]:
    try:
        priority, due, ident = cursor.split("|")
        at = datetime.fromisoformat(due)
        if at.tzinfo is None:
            raise ValueError(due)
        return int(priority), at, int(ident)
    except ValueError:
        raise InvalidInput("not a queue cursor", code="invalid_cursor") from None


def queue(
    database: Database,
    *,
    actor: Actor,
    where: QueueFilter,
    limit: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    """Cases by due time (soonest first), filtered; ``next`` pages on."""
    require(actor, Permission.REPORTS_READ)
    if where.deadline is not None and where.deadline not in escalation.DEADLINE_STATES:
        raise InvalidInput(
            "deadline is near or passed",
            code="invalid_deadline_filter",
            details={"allowed": list(escalation.DEADLINE_STATES)},
        )
    # Higher priority first (a deprioritised reporter's cases last, WS-18), then soonest due.
    due = func.coalesce(Case.due_at, literal(FAR_FUTURE, UtcDateTime()))
    key = tuple_(-Case.priority, due, Case.id)
    query = select(Case).where(Case.status.in_(where.status))
    for column, value in (
        (Case.zone, where.zone),
        (Case.channel, where.channel),
        (Case.category, where.category),
        (Case.campaign, where.campaign),
        (Case.grade, where.grade),
        (Case.pack, where.pack),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.involves_minor is not None:
        query = query.where(Case.involves_minor.is_(where.involves_minor))
    if where.deadline == escalation.PASSED:
        query = query.where(escalation.escalated())
    elif where.deadline == escalation.NEAR:
        query = query.where(escalation.warned(), ~escalation.escalated())
    if after is not None:
        priority, at, ident = _after(after)
        query = query.where(key > tuple_(literal(-priority), literal(at, UtcDateTime()), ident))
    query = query.order_by(-Case.priority, due, Case.id).limit(limit)
    with database.unit_of_work(read_only=True) as uow:
        now = uow.clock.now()
        cases = list(uow.session.scalars(query))
    return {
        "cases": [
            {
                "id": c.id,
                "status": c.status,
                "category": c.category,
                "subtype": c.subtype,
                "zone": c.zone,
                "channel": c.channel,
                "campaign": c.campaign,
                "grade": c.grade,
                "report_count": c.report_count,
                "due_at": answers.iso(c.due_at),
                "overdue": c.due_at is not None and c.due_at < now,
                "claimed": c.claim_expires_at is not None and c.claim_expires_at > now,
                "version": c.version,
                "priority": c.priority,
                "pack": c.pack,
                "involves_minor": c.involves_minor,
                "deadline_warned": escalation.is_current(c.deadline_warned_at, c.decided_at),
                "escalated": escalation.is_current(c.escalated_at, c.decided_at),
            }
            for c in cases
        ],
        "next": _cursor(cases[-1]) if len(cases) == limit else None,
    }


# The queues a reviewer, approver or regulator works, in the order a console lists them.
QUEUE_STATUSES = (
    "open",
    "awaiting_supplement",
    "pending_approval",
    "pending_regulator",
    "objection_review",
    "decided",
    "closed_incomplete",
)


def queue_counts(database: Database, *, actor: Actor) -> dict[str, int]:
    """How many cases each queue holds (one indexed GROUP BY over the status)."""
    require(actor, Permission.REPORTS_READ)
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(select(Case.status, func.count()).group_by(Case.status))
        found = {str(status): int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in QUEUE_STATUSES}


def case_view(
    database: Database, *, actor: Actor, case_id: int, sources: SignalSources | None = None
) -> dict[str, Any]:
    """Everything about one case: reports, targets, assessment, proposals, measures, timeline,
    and (given ``sources``) the signals a reviewer should notice; ``signals`` is None without."""
    require(actor, Permission.REPORTS_READ)
    with database.unit_of_work(read_only=True) as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"there is no case {case_id}", code="case_not_found")
        reports = list(
            uow.session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id))
        )
        # What the reporter sees, and what staff need besides: the statement and who wrote it,
        # with any resident ID, phone or bank card number in it masked (no one reads them in
        # clear here; the reported content itself is kept in the snapshots).
        states = [
            answers.report_state(uow, r)
            | {
                "statement": mask_text(r.statement, find_pii(r.statement)),
                "reporter_kind": r.reporter_kind,
                "reporter_name": r.reporter_name,
                "right_holder_name": r.right_holder_name,
                "delegated": r.delegated,
            }
            for r in reports
        ]
        targets = list(
            uow.session.scalars(select(CaseTarget.target_key).where(CaseTarget.case_id == case.id))
        )
        assessment = uow.session.scalars(
            select(CaseAssessment)
            .where(CaseAssessment.case_id == case.id)
            .order_by(CaseAssessment.id.desc())
            .limit(1)
        ).first()
        proposals = list(
            uow.session.scalars(
                select(CaseProposal)
                .where(CaseProposal.case_id == case.id)
                .order_by(CaseProposal.id)
            )
        )
        reviews = list(
            uow.session.scalars(
                select(RegulatorReview)
                .where(RegulatorReview.case_id == case.id)
                .order_by(RegulatorReview.id)
            )
        )
        objections = list(
            uow.session.scalars(
                select(Objection).where(Objection.case_id == case.id).order_by(Objection.id)
            )
        )
        measures = list(
            uow.session.scalars(
                select(Measure).where(Measure.case_id == case.id).order_by(Measure.id)
            )
        )
        subjects = (
            [(SubjectType.CASE.value, str(case.id))]
            + [(SubjectType.REPORT.value, r.tracking_no) for r in reports]
            + [(SubjectType.MEASURE.value, str(m.id)) for m in measures]
        )
        timeline = list(
            uow.session.scalars(
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
        found = (
            signals.gather(uow, case=case, reports=reports, targets=targets, sources=sources)
            if sources is not None
            else None
        )
    return {
        "id": case.id,
        "status": case.status,
        "version": case.version,
        "category": case.category,
        "subtype": case.subtype,
        "zone": case.zone,
        "channel": case.channel,
        "campaign": case.campaign,
        "grade": case.grade,
        "pack": case.pack,
        "priority": case.priority,
        "involves_minor": case.involves_minor,
        "time_limit": (
            {"hours": case.hours} if case.hours is not None else {"working_days": case.working_days}
        ),
        "deadline_warned_at": answers.iso(case.deadline_warned_at),
        "escalated_at": answers.iso(case.escalated_at),
        "opened_at": answers.iso(case.opened_at),
        "due_at": answers.iso(case.due_at),
        "due_provisional": case.due_provisional,
        "decided_at": answers.iso(case.decided_at),
        "claim_expires_at": answers.iso(case.claim_expires_at),
        "claimed_by": case.claimed_by,
        "targets": targets,
        "reports": states,
        "assessment": (
            {
                "facts": assessment.facts,
                "conditions": assessment.conditions,
                "grading": assessment.grading,
                "recommendation": assessment.recommendation,
                "recorded_at": answers.iso(assessment.recorded_at),
            }
            if assessment
            else None
        ),
        "proposals": [
            {
                "id": p.id,
                "status": p.status,
                "measures": p.measures,
                "departs": p.departs,
                "reason": p.reason,
                "requires": p.requires,
                "proposed_at": answers.iso(p.proposed_at),
                "approval_note": p.approval_note,
            }
            for p in proposals
        ],
        "regulator_reviews": [
            {
                "level": r.level,
                "status": r.status,
                "comments": r.comments,
                "note": r.note,
                "sent_at": answers.iso(r.sent_at),
                "decided_at": answers.iso(r.decided_at),
            }
            for r in reviews
        ],
        "objections": [
            {
                "id": o.id,
                "party": o.party,
                "statement": o.statement,
                "evidence": o.evidence,
                "received_at": answers.iso(o.received_at),
                "outcome": o.outcome,
                "reason": o.reason,
            }
            for o in objections
        ],
        "measures": [
            {
                "id": m.id,
                "code": m.code,
                "on": m.on,
                "target": m.target,
                "params": m.params,
                "basis": m.basis,
                "status": m.status,
                "starts_at": answers.iso(m.starts_at),
                "expires_at": answers.iso(m.expires_at),
                "applied_at": answers.iso(m.applied_at),
            }
            for m in measures
        ],
        "timeline": [
            {
                "seq": e.seq,
                "at": e.recorded_at,
                "actor": e.actor,
                "event": e.event,
                "subject": f"{e.subject_type}:{e.subject_id}",
                "hash": e.hash,
            }
            for e in timeline
        ],
        "signals": found,
    }


__all__ = ["QUEUE_STATUSES", "QueueFilter", "case_view", "queue", "queue_counts"]
