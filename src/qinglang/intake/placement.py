"""Where a received report goes: a duplicate of an earlier one, or into a case (WS-3).

Runs inside the submission's transaction, after the report row exists: records the
report's standing (accepted or needs_supplement), joins the earliest open case about
any of its targets or opens one with the pack's time limit, and keeps the snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cases import lifecycle
from qinglang.cases.lifecycle import CaseSpec
from qinglang.cases.models import Case
from qinglang.db.engine import UnitOfWork
from qinglang.intake import grouping
from qinglang.intake.completeness import Completeness
from qinglang.intake.grouping import ResolvedTarget
from qinglang.intake.models import Report
from qinglang.intake.snapshots import TakenSnapshot
from qinglang.ledger import LedgerEvent, Subject, SubjectType

if TYPE_CHECKING:
    from qinglang.intake.reports import Intake

DUPLICATE = "duplicate"


def report_subject(report: Report) -> Subject:
    return Subject.of(SubjectType.REPORT, report.tracking_no)


def place(
    uow: UnitOfWork,
    intake: Intake,
    actor: Actor,
    report: Report,
    targets: Sequence[ResolvedTarget],
    completeness: Completeness,
    taken: Sequence[TakenSnapshot],
) -> None:
    """Record the report's standing, then make it a duplicate, or join or open a case."""
    keys = [t.key for t in targets]
    first = grouping.find_duplicate(
        uow,
        reporter=report.reporter_key,
        category=report.category,
        keys=keys,
        since=report.received_at - intake.rules.duplicate_window,
        exclude=report.id,
    )
    if first is not None:
        _mark_duplicate(uow, actor, report, first, window_days=intake.rules.duplicate_window.days)
        intake.snapshots.discard(taken)
        return
    _record_standing(uow, actor, report, completeness)
    case = lifecycle.find_open_case(uow, target_keys=keys) if keys else None
    complete = completeness.complete
    added: list[str] = []
    pack = intake.pack_for(report.pack)
    limits = pack.time_limits
    assert limits is not None  # Intake refuses a pack without them
    flags = frozenset({"involves_minor"} if report.involves_minor else ())
    category, subtype, channel = report.category, report.subtype, report.channel
    limit = limits.limit(category=category, subtype=subtype, channel=channel, flags=flags)
    priority = pack.priority_of(category=category, subtype=subtype, channel=channel, flags=flags)
    if uow.memo.get("deprioritised"):
        priority -= 1  # WS-18: a deprioritised reporter's case goes back in the queue
    if case is None:
        spec = CaseSpec(
            pack=report.pack,
            category=report.category,
            subtype=report.subtype,
            zone=report.zone,
            campaign=report.campaign,
            channel=report.channel,
            working_days=limit.working_days or 0,
            hours=limit.hours,
            priority=priority,
            involves_minor=report.involves_minor,
        )
        case = lifecycle.open_case(
            uow, actor=actor, spec=spec, target_keys=keys, paused=not complete
        )
    else:
        added = lifecycle.add_targets(uow, case=case, target_keys=keys)
        lifecycle.take_stricter(
            uow, case=case, limit=limit, priority=priority, involves_minor=report.involves_minor
        )
        if complete:
            lifecycle.resume_clock(
                uow, actor=actor, case=case, reason=f"report {report.tracking_no} complete"
            )
    report.case_id = case.id
    case.report_count += 1
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.REPORT_JOINED_CASE,
        subject=report_subject(report),
        payload={
            "case": case.id,
            "reports_in_case": case.report_count,
            "targets_added": added if case.report_count > 1 else [],
            "priority": case.priority,
            "involves_minor": case.involves_minor,
            "due_at": case.due_at.isoformat() if case.due_at else None,
        },
    )
    intake.snapshots.record(uow, actor=actor, report=report, taken=taken)


def _record_standing(
    uow: UnitOfWork, actor: Actor, report: Report, completeness: Completeness
) -> None:
    if completeness.complete:
        event, payload = LedgerEvent.REPORT_ACCEPTED, {}
    else:
        event = LedgerEvent.REPORT_NEEDS_SUPPLEMENT
        payload = {
            "missing": [m.item for m in completeness.missing],
            "supplement_due_at": report.supplement_due_at.isoformat()
            if report.supplement_due_at
            else None,
        }
    if completeness.not_counted:
        payload["not_counted"] = list(completeness.not_counted)
    ledger.append(uow, actor=actor, event=event, subject=report_subject(report), payload=payload)


def _mark_duplicate(
    uow: UnitOfWork, actor: Actor, report: Report, first: Report, *, window_days: int
) -> None:
    report.status = DUPLICATE
    report.duplicate_of = first.id
    report.case_id = first.case_id
    report.accepted_at = None
    report.supplement_due_at = None
    report.closed_at = uow.clock.now()
    if first.case_id is not None:
        case = uow.session.get(Case, first.case_id)
        if case is not None:
            case.duplicate_count += 1
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.REPORT_DUPLICATE,
        subject=report_subject(report),
        payload={
            "duplicate_of": first.tracking_no,
            "case": first.case_id,
            "window_days": window_days,
        },
    )
