"""After a report is in: the reporter looks it up, supplements it (补正), or the deadline
passes and it closes incomplete (``closed_incomplete``) with a notice.

A look-up needs the tracking number and its access token; a wrong token is answered
exactly like an unknown number (404), so neither reveals that the other exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import Case
from qinglang.db.engine import UnitOfWork
from qinglang.errors import Conflict, NotAuthenticated, NotFound
from qinglang.intake import answers, grouping
from qinglang.intake.completeness import Completeness, ReportFacts, check
from qinglang.intake.models import Report, ReporterAccount, ReportEvidence, ReportTarget
from qinglang.intake.placement import report_subject
from qinglang.intake.reports import (
    ACCEPTED,
    CLOSED_INCOMPLETE,
    NEEDS_SUPPLEMENT,
    Intake,
    owners_for,
)
from qinglang.intake.submission import SupplementIn
from qinglang.intake.tracking import parse_tracking_no
from qinglang.ledger import LedgerEvent

CLOSED_NOTICE = {
    "zh-CN": "您的举报在补正期限内未补齐所需材料，已按未补正结案。如仍需举报，请重新提交。",
    "en": "The items this report lacked were not supplied in time, so it is closed as "
    "incomplete. To report again, submit a new report.",
}


def _not_found() -> NotFound:
    return NotFound("no report with this tracking number and access token", code="report_not_found")


def _find(uow: UnitOfWork, intake: Intake, tracking_no: str, token: str | None) -> Report:
    if not token:
        raise NotAuthenticated(
            "send the report's access token in the X-Access-Token header",
            code="access_token_required",
        )
    number = parse_tracking_no(tracking_no)
    query = select(Report).where(Report.tracking_no == number)
    if not uow.read_only:
        query = query.with_for_update()
    report = uow.session.scalars(query).first()
    if report is None or not intake.tokens.matches(token, report.access_digest):
        raise _not_found()
    return report


def look_up(intake: Intake, *, tracking_no: str, token: str | None) -> dict[str, Any]:
    """The state of a report, for the reporter who holds its access token."""
    with intake.database.unit_of_work(read_only=True) as uow:
        report = _find(uow, intake, tracking_no, token)
        state = answers.report_state(uow, report)
    if state["status"] == CLOSED_INCOMPLETE:
        state["notice"] = CLOSED_NOTICE
    return state


def staff_view(intake: Intake, *, actor: Actor, tracking_no: str) -> dict[str, Any]:
    """The state of any report, for staff who may read reports (no access token)."""
    require(actor, Permission.REPORTS_READ)
    number = parse_tracking_no(tracking_no)
    with intake.database.unit_of_work(read_only=True) as uow:
        report = uow.session.scalars(select(Report).where(Report.tracking_no == number)).first()
        if report is None:
            raise _not_found()
        state = answers.report_state(uow, report)
    if state["status"] == CLOSED_INCOMPLETE:
        state["notice"] = CLOSED_NOTICE
    return state


def _facts(uow: UnitOfWork, report: Report, extra_types: list[str]) -> ReportFacts:
    types = list(
        uow.session.scalars(
            select(ReportEvidence.type).where(
                ReportEvidence.report_id == report.id, ReportEvidence.attached_in != "snapshot"
            )
        )
    )
    if report.reporter_account_id is not None:
        account = uow.session.get(ReporterAccount, report.reporter_account_id)
        if account is not None and account.status == "verified":
            types.append(account.identity_type)
    targets = uow.session.scalars(
        select(ReportTarget.given).where(ReportTarget.report_id == report.id)
    )
    return ReportFacts(
        category=report.category,
        subtype=report.subtype,
        statement=report.statement,
        delegated=report.delegated,
        reporter_name=report.reporter_name,
        reporter_phone=report.reporter_phone,
        reporter_email=report.reporter_email,
        targets=tuple(targets),
        evidence_types=tuple(types + extra_types),
        declaration_accepted=report.declaration_accepted_at is not None,
    )


def _apply(uow: UnitOfWork, report: Report, data: SupplementIn, intake: Intake) -> list[str]:
    """Write what the supplement gives onto the report; the names of what changed."""
    changed: list[str] = []
    now = uow.clock.now()
    if data.statement is not None and data.statement.strip():
        report.statement = data.statement
        changed.append("statement")
    if data.reporter is not None:
        if data.reporter.name:
            report.reporter_name = data.reporter.name
        report.reporter_phone = data.reporter.phone or report.reporter_phone
        report.reporter_email = data.reporter.email or report.reporter_email
        changed.append("reporter")
    if data.declaration is not None and data.declaration.accepted:
        report.declaration_version = data.declaration.version
        report.declaration_accepted_at = data.declaration.accepted_at or now
        changed.append("declaration")
    if data.targets:
        resolved = grouping.resolve_all(data.targets, intake.rules.targets)
        start = len(
            list(
                uow.session.scalars(
                    select(ReportTarget.id).where(ReportTarget.report_id == report.id)
                )
            )
        )
        uow.session.add_all(
            ReportTarget(
                report_id=report.id,
                position=start + i,
                kind=t.kind,
                given=t.given,
                target_key=t.key,
            )
            for i, t in enumerate(resolved)
        )
        if report.case_id is not None:
            case = uow.session.get(Case, report.case_id)
            if case is not None:
                lifecycle.add_targets(uow, case=case, target_keys=[t.key for t in resolved])
        changed.append("targets")
    if data.evidence:
        changed.append("evidence")
    return changed


def supplement(
    intake: Intake,
    *,
    actor: Actor,
    tracking_no: str,
    token: str | None,
    data: SupplementIn,
) -> dict[str, Any]:
    """Add what a report lacked; when nothing is missing any more it is ``accepted``."""
    with intake.database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        report = _find(uow, intake, tracking_no, token)
        if report.status != NEEDS_SUPPLEMENT:
            raise Conflict(
                f"this report is {report.status}; only a report awaiting a supplement takes one",
                code="report_not_awaiting_supplement",
                details={"status": report.status},
            )
        now = uow.clock.now()
        if report.supplement_due_at is not None and report.supplement_due_at <= now:
            _close(uow, actor, report)
            closed = True
        else:
            closed = False
            completeness = _supplement(uow, intake, actor, report, data)
            state = answers.report_state(uow, report)
    if closed:
        raise Conflict(
            "the supplement deadline has passed; the report is closed as incomplete",
            code="supplement_deadline_passed",
        )
    if completeness.complete:
        _snapshot_after_acceptance(intake, actor=actor, report_id=report.id)
        state = look_up(intake, tracking_no=report.tracking_no, token=token)
    return state


def _supplement(
    uow: UnitOfWork, intake: Intake, actor: Actor, report: Report, data: SupplementIn
) -> Completeness:
    changed = _apply(uow, report, data, intake)
    facts = _facts(uow, report, [item.type for item in data.evidence])
    completeness = check(facts, intake.pack_for(report.pack))
    intake.attach(
        uow,
        report,
        data.evidence,
        owners_for(actor, report),
        completeness,
        attached_in="supplement",
    )
    report.missing = answers.missing_json(completeness)
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.REPORT_SUPPLEMENTED,
        subject=report_subject(report),
        payload={
            "changed": changed,
            "evidence": [item.id for item in data.evidence],
            "missing": [m.item for m in completeness.missing],
        },
    )
    if completeness.complete:
        now = uow.clock.now()
        report.status = ACCEPTED
        report.accepted_at = now
        report.supplement_due_at = None
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REPORT_ACCEPTED,
            subject=report_subject(report),
            payload={"after": "supplement"},
        )
        case = uow.session.get(Case, report.case_id) if report.case_id is not None else None
        if case is not None:
            lifecycle.resume_clock(
                uow, actor=actor, case=case, reason=f"report {report.tracking_no} supplemented"
            )
    return completeness


def _snapshot_after_acceptance(intake: Intake, *, actor: Actor, report_id: int) -> None:
    """Snapshots of a report accepted by a supplement, in a transaction of their own."""
    with intake.database.unit_of_work(read_only=True) as uow:
        targets = list(
            uow.session.scalars(select(ReportTarget).where(ReportTarget.report_id == report_id))
        )
    resolved = [grouping.resolve_stored(t.kind, t.given, t.target_key) for t in targets]
    taken = intake.snapshots.take(resolved)
    if not taken:
        return
    try:
        with intake.database.unit_of_work() as uow:
            report = uow.session.get(Report, report_id)
            assert report is not None
            intake.snapshots.record(uow, actor=actor, report=report, taken=taken)
    except BaseException:
        intake.snapshots.discard(taken)
        raise


def _close(uow: UnitOfWork, actor: Actor, report: Report) -> None:
    now = uow.clock.now()
    report.status = CLOSED_INCOMPLETE
    report.closed_at = now
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.REPORT_CLOSED_INCOMPLETE,
        subject=report_subject(report),
        payload={
            "missing": [m["item"] for m in report.missing],
            "supplement_due_at": report.supplement_due_at.isoformat()
            if report.supplement_due_at
            else None,
            "notice": CLOSED_NOTICE,
        },
    )
    if report.case_id is None:
        return
    case = uow.session.get(Case, report.case_id)
    if case is None or case.status not in lifecycle.LIVE:
        return
    live = uow.session.scalars(
        select(Report.id)
        .where(
            Report.case_id == case.id,
            Report.id != report.id,
            Report.status.in_((ACCEPTED, NEEDS_SUPPLEMENT)),
        )
        .limit(1)
    ).first()
    if live is None:
        lifecycle.close_incomplete(uow, actor=actor, case=case)


def close_overdue(intake: Intake, *, actor: Actor, limit: int = 500) -> list[str]:
    """Close every report whose supplement deadline has passed; their tracking numbers.

    Run by the worker (and ``qinglang reports close-overdue``); at most ``limit`` per
    transaction, so a long backlog never holds the write lock for long.
    """
    closed: list[str] = []
    while True:
        with intake.database.unit_of_work() as uow:
            now: datetime = uow.clock.now()
            ledger.serialise_appends(uow)
            due = list(
                uow.session.scalars(
                    select(Report)
                    .where(Report.status == NEEDS_SUPPLEMENT, Report.supplement_due_at <= now)
                    .order_by(Report.supplement_due_at, Report.id)
                    .limit(limit)
                    .with_for_update()
                )
            )
            for report in due:
                _close(uow, actor, report)
                closed.append(report.tracking_no)
        if len(due) < limit:
            return closed
