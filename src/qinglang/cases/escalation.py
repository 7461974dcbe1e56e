"""Watching the time limit (限时办结, WS-3): flag a case as its deadline nears, escalate it
once the deadline has passed without a decision.

The worker calls :func:`warn_near` and :func:`escalate_passed` each round. Each case is
warned once (``case_deadline_near``, ``cases.deadline_warned_at``) and escalated once
(``case_deadline_passed``, ``cases.escalated_at``), the column set in the same
transaction as the ledger entry; rows are claimed in batches with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so any number of workers record each change once.

Which cases: those still to be decided (:data:`UNDECIDED`: ``open``, and
``pending_approval`` / ``pending_regulator`` while a proposal waits for sign-off).
``awaiting_supplement`` has no ``due_at`` (its clock is paused); ``decided``,
``objection_review`` (it keeps the old, long-passed ``due_at`` of the decision it
reviews) and ``closed_incomplete`` are done with their time limit.

A case reopened after its decision (限时加私 about to expire, see
:mod:`qinglang.disposal.rereview`) gets a new ``due_at``. A mark counts only for the
deadline it was made for: a warning or escalation made *before* the case's last
decision (``decided_at``) belongs to an earlier round and is treated as not made, so
the reopened case is warned and escalated again against its new deadline (the old
timestamp is then overwritten). A clock pause and resume (补正) extends the same time
limit and keeps the marks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cases.lifecycle import OPEN, subject
from qinglang.cases.models import Case
from qinglang.db.engine import Database, UnitOfWork
from qinglang.ledger import LedgerEvent

# Statuses whose time limit is still running (the review states of qinglang.disposal).
UNDECIDED: tuple[str, ...] = (OPEN, "pending_approval", "pending_regulator")
NEAR = "near"
PASSED = "passed"
DEADLINE_STATES: tuple[str, ...] = (NEAR, PASSED)
DEFAULT_WARN_LEAD = timedelta(hours=24)
BATCH = 500


def deadline_state(
    *, due_at: datetime | None, now: datetime, hours: int | None, warn_lead: timedelta
) -> str | None:
    """``passed`` once ``due_at`` is behind ``now``; ``near`` when the time left is less
    than ``warn_lead`` (a limit in working days, ``hours`` None) or a quarter of the
    limit or less (a limit of ``hours``); None otherwise, or with no ``due_at`` (paused)."""
    if due_at is None:
        return None
    left = due_at - now
    if left < timedelta(0):
        return PASSED
    if hours is None:
        return NEAR if left < warn_lead else None
    return NEAR if left <= timedelta(hours=hours) / 4 else None


def is_current(mark: datetime | None, decided_at: datetime | None) -> bool:
    """Whether a warning/escalation timestamp belongs to the case's current round: made,
    and not before its last decision (a reopened case starts afresh)."""
    return mark is not None and (decided_at is None or mark > decided_at)


def _current(mark: InstrumentedAttribute[datetime | None]) -> ColumnElement[bool]:
    """:func:`is_current` in SQL."""
    return and_(mark.is_not(None), or_(Case.decided_at.is_(None), mark > Case.decided_at))


def warned() -> ColumnElement[bool]:
    """Cases warned that their current deadline is near."""
    return _current(Case.deadline_warned_at)


def escalated() -> ColumnElement[bool]:
    """Cases escalated because their current deadline passed."""
    return _current(Case.escalated_at)


def _hour_limits(uow: UnitOfWork) -> list[int]:
    """The distinct limits in hours among undecided cases (a handful: the rapid channels)."""
    found = uow.session.scalars(
        select(Case.hours)
        .where(Case.hours.is_not(None), Case.status.in_(UNDECIDED), Case.due_at.is_not(None))
        .distinct()
    )
    return sorted(h for h in found if h is not None)


def _near(
    now: datetime, lead: timedelta, hour_limits: list[int]
) -> tuple[ColumnElement[bool], ...]:
    """:func:`deadline_state` ``near`` for undecided cases not yet warned, in SQL."""
    windows = [and_(Case.hours.is_(None), Case.due_at < now + lead)] + [
        and_(Case.hours == h, Case.due_at <= now + timedelta(hours=h) / 4) for h in hour_limits
    ]
    return (
        Case.status.in_(UNDECIDED),
        Case.due_at.is_not(None),
        Case.due_at >= now,
        or_(*windows) if windows else false(),
        not_(warned()),
    )


def _passed(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Case.status.in_(UNDECIDED),
        Case.due_at.is_not(None),
        Case.due_at < now,
        not_(escalated()),
    )


def _locked(uow: UnitOfWork, where: tuple[ColumnElement[bool], ...], limit: int) -> list[Case]:
    ledger.serialise_appends(uow)  # first, as every ledger writer does (measures/timers.py)
    return list(
        uow.session.scalars(
            select(Case)
            .where(*where)
            .order_by(Case.due_at, Case.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _limit(case: Case) -> dict[str, Any]:
    if case.hours is not None:
        return {"hours": case.hours}
    return {"working_days": case.working_days}


def warn_near(
    database: Database,
    *,
    actor: Actor,
    warn_lead: timedelta = DEFAULT_WARN_LEAD,
    limit: int = BATCH,
) -> list[int]:
    """Warn undecided cases whose deadline is near (``case_deadline_near``); their ids."""
    now = database.clock.now()
    with database.unit_of_work(read_only=True) as uow:
        hour_limits = _hour_limits(uow)
        where = _near(now, warn_lead, hour_limits)
        if uow.session.execute(select(Case.id).where(*where).limit(1)).first() is None:
            return []
    done: list[int] = []
    with database.unit_of_work() as uow:
        for case in _locked(uow, where, limit):
            state = deadline_state(
                due_at=case.due_at, now=now, hours=case.hours, warn_lead=warn_lead
            )
            if state != NEAR or case.due_at is None:  # pragma: no cover - the query says so
                continue
            case.deadline_warned_at = now
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.CASE_DEADLINE_NEAR,
                subject=subject(case),
                payload={
                    "status": case.status,
                    "due_at": case.due_at.isoformat(),
                    "left_seconds": int((case.due_at - now).total_seconds()),
                    **_limit(case),
                },
            )
            done.append(case.id)
    return done


def escalate_passed(database: Database, *, actor: Actor, limit: int = BATCH) -> list[int]:
    """Escalate undecided cases whose deadline has passed (``case_deadline_passed``); their
    ids. A reviewer's claim stays; who held it is recorded in the entry."""
    now = database.clock.now()
    where = _passed(now)
    with database.unit_of_work(read_only=True) as uow:
        if uow.session.execute(select(Case.id).where(*where).limit(1)).first() is None:
            return []
    done: list[int] = []
    with database.unit_of_work() as uow:
        for case in _locked(uow, where, limit):
            if case.due_at is None:  # pragma: no cover - the query says so
                continue
            held = case.claim_expires_at is not None and case.claim_expires_at > now
            case.escalated_at = now
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.CASE_DEADLINE_PASSED,
                subject=subject(case),
                payload={
                    "status": case.status,
                    "due_at": case.due_at.isoformat(),
                    "overdue_seconds": int((now - case.due_at).total_seconds()),
                    **_limit(case),
                    "warned": is_current(case.deadline_warned_at, case.decided_at),
                    "claimed_by": case.claimed_by if held else None,
                    "claim_expires_at": (
                        case.claim_expires_at.isoformat()
                        if held and case.claim_expires_at
                        else None
                    ),
                },
            )
            done.append(case.id)
    return done


__all__ = [
    "DEADLINE_STATES",
    "NEAR",
    "PASSED",
    "UNDECIDED",
    "deadline_state",
    "escalate_passed",
    "escalated",
    "is_current",
    "warn_near",
    "warned",
]
