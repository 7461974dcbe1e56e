"""Opening a case, its targets, and its clock (限时办结, WS-3): pause, resume, close.

Each function runs in the caller's unit of work and writes its ledger entry there.
The clock stands still while every live report of the case awaits a supplement;
``due_at`` is recomputed from the opening time, the working days and the pauses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cases.deadlines import Pause, due, due_in_hours
from qinglang.cases.models import Case, CasePause, CaseTarget
from qinglang.db.engine import UnitOfWork
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.policy.model import CaseLimit

AWAITING_SUPPLEMENT = "awaiting_supplement"
OPEN = "open"
CLOSED_INCOMPLETE = "closed_incomplete"
LIVE = (AWAITING_SUPPLEMENT, OPEN)


@dataclass(frozen=True, slots=True)
class CaseSpec:
    """What a new case takes from the report that opens it."""

    pack: str
    category: str
    subtype: str
    zone: str
    campaign: str | None
    channel: str
    working_days: int  # the limit in working days; 0 when it is in hours
    priority: int = 0  # the pack's priority points (GD-1, GD-2); -1 for WS-18
    hours: int | None = None  # a rapid channel's limit in hours (GD-1)
    involves_minor: bool = False  # GD-2


def subject(case: Case) -> Subject:
    return Subject.of(SubjectType.CASE, case.id)


def open_case(
    uow: UnitOfWork,
    *,
    actor: Actor,
    spec: CaseSpec,
    target_keys: Iterable[str],
    paused: bool,
) -> Case:
    """A new case about ``target_keys``; its clock starts paused if its report is incomplete."""
    now = uow.clock.now()
    case = Case(
        status=AWAITING_SUPPLEMENT if paused else OPEN,
        pack=spec.pack,
        category=spec.category,
        subtype=spec.subtype,
        zone=spec.zone,
        campaign=spec.campaign,
        channel=spec.channel,
        working_days=spec.working_days,
        hours=spec.hours,
        involves_minor=spec.involves_minor,
        opened_at=now,
        due_at=None,
        due_provisional=False,
        report_count=0,
        duplicate_count=0,
        priority=spec.priority,
    )
    uow.session.add(case)
    uow.session.flush()
    keys = sorted(set(target_keys))
    uow.session.add_all(CaseTarget(case_id=case.id, target_key=key, open=True) for key in keys)
    if paused:
        uow.session.add(CasePause(case_id=case.id, since=now, until=None))
    _set_due(uow, case, pauses=[Pause(since=now)] if paused else [])
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.CASE_OPENED,
        subject=subject(case),
        payload={
            "category": spec.category,
            "subtype": spec.subtype,
            "zone": spec.zone,
            "campaign": spec.campaign,
            "channel": spec.channel,
            "targets": keys,
            "working_days": spec.working_days if spec.hours is None else None,
            "hours": spec.hours,
            "priority": spec.priority,
            "involves_minor": spec.involves_minor,
            "due_at": case.due_at.isoformat() if case.due_at else None,
            "paused": paused,
        },
    )
    return case


def add_targets(uow: UnitOfWork, *, case: Case, target_keys: Iterable[str]) -> list[str]:
    """Targets the case did not have yet, added; the new keys returned."""
    have = set(
        uow.session.scalars(select(CaseTarget.target_key).where(CaseTarget.case_id == case.id))
    )
    new = sorted(set(target_keys) - have)
    uow.session.add_all(CaseTarget(case_id=case.id, target_key=key, open=True) for key in new)
    return new


def take_stricter(
    uow: UnitOfWork, *, case: Case, limit: CaseLimit, priority: int, involves_minor: bool
) -> None:
    """A report joining ``case`` may need it sooner or first: its shorter limit (in the
    case's unit), its higher priority, its minor (GD-2). Recorded in the join's entry."""
    if involves_minor:
        case.involves_minor = True
    case.priority = max(case.priority, priority)
    shorter = False
    if case.hours is not None and limit.hours is not None and limit.hours < case.hours:
        case.hours, shorter = limit.hours, True
    elif (
        case.hours is None
        and limit.working_days is not None
        and limit.working_days < case.working_days
    ):
        case.working_days, shorter = limit.working_days, True
    if shorter:
        _set_due(uow, case)


def find_open_case(uow: UnitOfWork, *, target_keys: Iterable[str]) -> Case | None:
    """The earliest-opened live case about any of ``target_keys``, locked for the change."""
    keys = list(set(target_keys))
    if not keys:
        return None
    case_id = uow.session.scalars(
        select(CaseTarget.case_id)
        .where(CaseTarget.target_key.in_(keys), CaseTarget.open.is_(True))
        .order_by(CaseTarget.case_id)
        .limit(1)
    ).first()
    if case_id is None:
        return None
    return uow.session.scalars(select(Case).where(Case.id == case_id).with_for_update()).one()


def _pauses(uow: UnitOfWork, case: Case) -> list[Pause]:
    rows = uow.session.scalars(
        select(CasePause).where(CasePause.case_id == case.id).order_by(CasePause.id)
    )
    return [Pause(since=row.since, until=row.until) for row in rows]


def _set_due(uow: UnitOfWork, case: Case, *, pauses: list[Pause] | None = None) -> None:
    stops = _pauses(uow, case) if pauses is None else pauses
    deadline = (
        due_in_hours(received_at=case.opened_at, hours=case.hours, pauses=stops)
        if case.hours is not None
        else due(received_at=case.opened_at, working_days=case.working_days, pauses=stops)
    )
    case.due_at = deadline.due_at
    case.due_provisional = deadline.provisional


def pause_clock(uow: UnitOfWork, *, actor: Actor, case: Case, reason: str) -> None:
    """Stop the case's clock (every live report awaits a supplement)."""
    if case.status != OPEN:
        return
    now = uow.clock.now()
    uow.session.add(CasePause(case_id=case.id, since=now, until=None))
    uow.session.flush()
    case.status = AWAITING_SUPPLEMENT
    _set_due(uow, case)
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.CASE_CLOCK_PAUSED,
        subject=subject(case),
        payload={"reason": reason},
    )


def resume_clock(uow: UnitOfWork, *, actor: Actor, case: Case, reason: str) -> None:
    """Start the clock again: a report of the case is complete now."""
    if case.status != AWAITING_SUPPLEMENT:
        return
    now = uow.clock.now()
    uow.session.execute(
        update(CasePause)
        .where(CasePause.case_id == case.id, CasePause.until.is_(None))
        .values(until=now)
    )
    case.status = OPEN
    _set_due(uow, case)
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.CASE_CLOCK_RESUMED,
        subject=subject(case),
        payload={
            "reason": reason,
            "due_at": case.due_at.isoformat() if case.due_at else None,
            "provisional": case.due_provisional,
        },
    )


def close_incomplete(uow: UnitOfWork, *, actor: Actor, case: Case) -> None:
    """Close a case whose every report closed incomplete; its targets may open a new case."""
    now = uow.clock.now()
    uow.session.execute(
        update(CasePause)
        .where(CasePause.case_id == case.id, CasePause.until.is_(None))
        .values(until=now)
    )
    uow.session.execute(update(CaseTarget).where(CaseTarget.case_id == case.id).values(open=False))
    case.status = CLOSED_INCOMPLETE
    case.closed_at = now
    case.due_at = None
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.CASE_CLOSED_INCOMPLETE,
        subject=subject(case),
        payload={"reports": case.report_count},
    )
