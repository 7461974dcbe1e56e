"""Periods that end by themselves, and the 限时加私 reminder that comes before.

The platform lifts a period by itself: Qinglang sends the absolute end (``until``) and
the demo platform shows a post public again, or an account active again, once it has
passed. :func:`expire_due` records that the period is over (``expired``, with a
``measure_expired`` ledger entry), and cancels the message of a measure whose period
ended before it ever reached the platform.

限时加私 (WS-21) is a holding measure: the case must return to review *before* the time
is up. :func:`due_soon` lists such measures about to expire whose case has not yet been
asked to; the case side reopens each and calls :func:`mark_review_requested` in the same
transaction as its own ledger entry, which makes the request happen once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.measures.models import (
    APPLIED,
    EXPIRED,
    LIVE_STATUSES,
    Measure,
)
from qinglang.measures.service import cancel_message

# Measures whose expiry sends the case back to review first (WS-21).
REVIEW_BEFORE_EXPIRY: tuple[str, ...] = ("make_private_time_limited",)
EXPIRE_BATCH = 500


@dataclass(frozen=True, slots=True)
class DueMeasure:
    measure_id: int
    case_id: int
    code: str
    target: str
    status: str
    expires_at: datetime


def expire_due(database: Database, *, actor: Actor, limit: int = EXPIRE_BATCH) -> list[int]:
    """Mark live measures whose period has ended as ``expired``; their ids, oldest first."""
    ended = (
        Measure.status.in_(LIVE_STATUSES),
        Measure.expires_at.is_not(None),
        Measure.expires_at <= database.clock.now(),
    )
    with database.unit_of_work(read_only=True) as uow:
        if uow.session.execute(select(Measure.id).where(*ended).limit(1)).first() is None:
            return []
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)  # first, as every writer of measures does (receipts.py)
        measures = uow.session.scalars(
            select(Measure)
            .where(*ended)
            .order_by(Measure.expires_at, Measure.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        now = uow.clock.now()
        for measure in measures:
            was = measure.status
            cancelled = was != APPLIED and cancel_message(uow, measure.id)
            measure.status, measure.ended_at = EXPIRED, now
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.MEASURE_EXPIRED,
                subject=Subject.of(SubjectType.MEASURE, measure.id),
                payload={
                    "case_id": measure.case_id,
                    "code": measure.code,
                    "target": measure.target,
                    "expires_at": measure.expires_at.isoformat() if measure.expires_at else None,
                    "was": was,
                    "delivery_cancelled": cancelled,
                },
            )
        return [measure.id for measure in measures]


def due_soon(
    database: Database,
    *,
    within: timedelta,
    codes: tuple[str, ...] = REVIEW_BEFORE_EXPIRY,
    limit: int = EXPIRE_BATCH,
) -> list[DueMeasure]:
    """Live measures of ``codes`` that expire within ``within`` from now (or already have,
    if not yet marked expired) and whose case has not been asked to re-review."""
    with database.unit_of_work(read_only=True) as uow:
        horizon = uow.clock.now() + within
        rows = uow.session.scalars(
            select(Measure)
            .where(
                Measure.code.in_(codes),
                Measure.status.in_(LIVE_STATUSES),
                Measure.review_requested_at.is_(None),
                Measure.expires_at.is_not(None),
                Measure.expires_at <= horizon,
            )
            .order_by(Measure.expires_at, Measure.id)
            .limit(limit)
        ).all()
        return [
            DueMeasure(
                measure_id=m.id,
                case_id=m.case_id,
                code=m.code,
                target=m.target,
                status=m.status,
                expires_at=m.expires_at,
            )
            for m in rows
            if m.expires_at is not None
        ]


def mark_review_requested(uow: UnitOfWork, *, measure_id: int) -> bool:
    """Note, in the caller's transaction, that ``measure_id``'s case was sent back to
    review; False if that was already done (by another worker, say), so the caller
    skips it. The caller writes the ledger entry for the case's change."""
    ledger.serialise_appends(uow)  # before the measure's lock: the outbox's lock order
    result = uow.session.execute(
        update(Measure)
        .where(Measure.id == measure_id, Measure.review_requested_at.is_(None))
        .values(review_requested_at=uow.clock.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
