"""Recording the measures a decision takes, and withdrawing them.

:func:`record_measures` runs in the caller's unit of work (the decision's): one
``measures`` row, one outbox message and one ``measure_recorded`` ledger entry per
measure, all committed with the decision or not at all. Delivery to the platform is
the outbox's business (:mod:`qinglang.measures.outbox`), after the commit.

Periods are counted from the decision (``starts_at``), not from delivery: a measure
that reaches the platform late still ends when the decision said, because the message
carries the absolute end (``{"until": …}``) rather than a number of days.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import column, select, table

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.measures.models import (
    EXPIRED,
    FAILED,
    MESSAGE_CANCELLED,
    MESSAGE_PENDING,
    MESSAGE_REFUSED,
    PENDING,
    RECORDED,
    REVOKED,
    Measure,
    OutboxMessage,
)
from qinglang.platform.adapter import (
    ACCOUNT_MEASURES,
    CONTENT_MEASURES,
    MeasureMessage,
    parse_locator,
)
from qinglang.policy.engine import Measure as RecommendedMeasure

# Measures Qinglang carries out itself: recorded, never sent to the platform.
OWN_MEASURES: frozenset[str] = frozenset(
    {
        "refuse_report",
        "report_to_regulator",
        "regulator_review_provincial",
        "regulator_review_central",
    }
)
PLATFORM_MEASURES: frozenset[str] = CONTENT_MEASURES | ACCOUNT_MEASURES
# Measures that mean nothing without a period (VOCABULARY.md "with an expiry / a period").
NEEDS_PERIOD: frozenset[str] = frozenset(
    {"make_private_time_limited", "mute", "suspend_monetisation"}
)
MAY_BE_PERMANENT: frozenset[str] = frozenset({"freeze_new_followers"})
PERIOD_KEYS: tuple[str, ...] = ("expires_in_days", "days", "until")
MAX_PERIOD_DAYS = 3650
_OWN_TARGET = re.compile(r"(case|report|account):[0-9]{1,18}", re.ASCII)
_MAX_ORDERS = 100


@dataclass(frozen=True, slots=True)
class MeasureOrder:
    """One measure a decision orders: what (``code``), on what kind (``on``: content,
    account, report or case), on which target (``post:12``, ``account:3``, ``case:7``,
    ``report:9``), with what params (``{"expires_in_days": 15}``, ``{"days": 7}``,
    ``{"until": "<aware ISO datetime>"}``, ``{"permanent": true}``) and why (``basis``:
    ``[{"id": "WS-21", "article": "第二十一条(一)"}]``)."""

    code: str
    on: str
    target: str
    params: Mapping[str, Any] = field(default_factory=dict)
    basis: Sequence[Mapping[str, str]] = ()

    @classmethod
    def of(cls, measure: RecommendedMeasure, *, target: str) -> MeasureOrder:
        """The order for a measure the policy engine recommended, on ``target``."""
        return cls(
            code=measure.code,
            on=measure.on,
            target=target,
            params=dict(measure.params),
            basis=[{"id": b.requirement, "article": b.article} for b in measure.basis],
        )


def _bad(message: str, index: int, code: str = "invalid_measure") -> InvalidInput:
    return InvalidInput(f"measure {index + 1}: {message}", code=code, details={"index": index})


def _target(order: MeasureOrder, index: int) -> str:
    if order.code in PLATFORM_MEASURES:
        wanted = "content" if order.code in CONTENT_MEASURES else "account"
        if order.on != wanted:
            raise _bad(f"{order.code} acts on {wanted}, not on {order.on!r}", index)
        found = parse_locator(order.target)
        if found.kind != ("post" if wanted == "content" else "account"):
            raise _bad(f"{order.code} needs a {wanted} target, not {found.ref}", index)
        return found.ref
    if order.code not in OWN_MEASURES:
        raise _bad(f"{order.code!r} is not a measure", index, code="unknown_measure")
    if order.on not in ("report", "case", "account"):
        raise _bad(f"{order.code} acts on a report, case or account, not {order.on!r}", index)
    if not _OWN_TARGET.fullmatch(order.target):
        raise _bad("the target is case:<id>, report:<id> or account:<id>", index)
    return order.target


def _basis(order: MeasureOrder, index: int) -> list[dict[str, str]]:
    basis = []
    for item in order.basis:
        ident, article = item.get("id"), item.get("article", "")
        if not isinstance(ident, str) or not ident or not isinstance(article, str):
            raise _bad('each basis is {"id": "WS-21", "article": "第二十一条(一)"}', index)
        basis.append({"id": ident[:32], "article": article[:64]})
    if not basis:
        raise _bad("a measure needs its legal basis (a requirement ID)", index)
    return basis


def _whole_days(value: Any, name: str, index: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_PERIOD_DAYS:
        raise _bad(f"{name!r} is a whole number of days from 1 to {MAX_PERIOD_DAYS}", index)
    return value


def period_end(order: MeasureOrder, now: datetime, index: int = 0) -> datetime | None:
    """When the measure's period ends, counted from ``now``; None if it has none."""
    given = [key for key in PERIOD_KEYS if key in order.params]
    permanent = order.params.get("permanent") is True
    if len(given) > 1 or (given and permanent):
        raise _bad("give one period: expires_in_days, days, until or permanent", index)
    if permanent and order.code not in MAY_BE_PERMANENT:
        raise _bad(f"{order.code} cannot be permanent", index)
    if not given:
        if order.code in NEEDS_PERIOD or (order.code in MAY_BE_PERMANENT and not permanent):
            raise _bad(f"{order.code} needs a period", index, code="measure_needs_period")
        return None
    key = given[0]
    if key != "until":
        return now + timedelta(days=_whole_days(order.params[key], key, index))
    until = order.params["until"]
    try:
        end = datetime.fromisoformat(until) if isinstance(until, str) else None
    except ValueError:
        end = None
    if end is None or end.tzinfo is None:
        raise _bad("'until' is an ISO datetime with a time zone", index)
    end = end.astimezone(UTC)
    if not now < end <= now + timedelta(days=MAX_PERIOD_DAYS):
        raise _bad(f"'until' is in the future and at most {MAX_PERIOD_DAYS} days away", index)
    return end


def _check_params(order: MeasureOrder, index: int) -> dict[str, Any]:
    params = dict(order.params)
    for name, value in params.items():
        if not isinstance(name, str) or len(name) > 64:
            raise _bad("param names are short strings", index)
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise _bad(f"param {name!r} must be a plain value", index)
    return params


def message_params(measure: Measure) -> dict[str, Any]:
    """The params the platform gets: the period as an absolute end, the rest as decided."""
    params = {k: v for k, v in measure.params.items() if k not in PERIOD_KEYS}
    if measure.expires_at is not None:
        params["until"] = measure.expires_at.isoformat()
    return params


def message_for(measure: Measure, message_id: str) -> MeasureMessage:
    return MeasureMessage(
        message_id=message_id,
        measure=measure.code,
        target=measure.target,
        params=message_params(measure),
        basis=[item["id"] for item in measure.basis],
    )


def new_message_id(measure_id: int) -> str:
    """Unique, and readable in the platform's logs: ``qlm-<measure id>-<random>``."""
    return f"qlm-{measure_id}-{secrets.token_hex(8)}"


def _case_exists(uow: UnitOfWork, case_id: int) -> bool:
    cases = table("cases", column("id"))
    return uow.session.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is not None


def record_measures(
    uow: UnitOfWork, *, actor: Actor, case_id: int, orders: Sequence[MeasureOrder]
) -> list[Measure]:
    """Record ``orders`` for case ``case_id`` in the caller's transaction.

    Every order is checked before anything is written (422 naming the measure by its
    position); platform measures get one outbox message each (status ``pending``), the
    measures Qinglang carries out itself (``refuse_report``, ``report_to_regulator``, the
    two regulator reviews) are ``recorded`` with no message. Each measure writes one
    ``measure_recorded`` ledger entry.
    """
    if len(orders) > _MAX_ORDERS:
        raise InvalidInput(f"at most {_MAX_ORDERS} measures at once", code="too_many_measures")
    if not _case_exists(uow, case_id):
        raise NotFound(f"there is no case {case_id}", code="case_not_found")
    now = uow.clock.now()
    checked = [
        (
            order,
            _target(order, i),
            _check_params(order, i),
            _basis(order, i),
            period_end(order, now, i),
        )
        for i, order in enumerate(orders)
    ]
    recorded: list[Measure] = []
    for order, target, params, basis, expires_at in checked:
        platform = order.code in PLATFORM_MEASURES
        measure = Measure(
            case_id=case_id,
            code=order.code,
            on=order.on,
            target=target,
            params=params,
            basis=basis,
            status=PENDING if platform else RECORDED,
            decided_by=actor.ref,
            starts_at=now,
            expires_at=expires_at,
        )
        uow.session.add(measure)
        uow.session.flush()
        message_id = None
        if platform:
            message_id = new_message_id(measure.id)
            uow.session.add(
                OutboxMessage(
                    message_id=message_id,
                    measure_id=measure.id,
                    status=MESSAGE_PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.MEASURE_RECORDED,
            subject=Subject.of(SubjectType.MEASURE, measure.id),
            payload={
                "case_id": case_id,
                "code": order.code,
                "on": order.on,
                "target": target,
                "params": params,
                "basis": basis,
                "starts_at": now.isoformat(),
                "expires_at": expires_at.isoformat() if expires_at else None,
                "message_id": message_id,
                "status": measure.status,
            },
        )
        recorded.append(measure)
    uow.session.flush()
    return recorded


def lock_measure(uow: UnitOfWork, measure_id: int) -> Measure:
    measure = uow.session.scalars(
        select(Measure).where(Measure.id == measure_id).with_for_update()
    ).first()
    if measure is None:
        raise NotFound(f"there is no measure {measure_id}", code="measure_not_found")
    return measure


def cancel_message(uow: UnitOfWork, measure_id: int) -> bool:
    """Stop delivering ``measure_id``'s message if it is still undelivered."""
    message = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.measure_id == measure_id).with_for_update()
    ).first()
    if message is None or message.status != MESSAGE_PENDING:
        return False
    message.status = MESSAGE_CANCELLED
    message.lease_expires_at = message.claimed_by = message.claim_token = None
    return True


def revoke_measure(uow: UnitOfWork, *, actor: Actor, measure_id: int, reason: str) -> Measure:
    """Withdraw a measure (an objection upheld, a re-review) in the caller's transaction.

    An undelivered message is cancelled. Revoking does not undo what the platform has
    already applied: to make content public again, record a ``restore`` order too. If a
    worker was delivering at that very moment, its receipt is still recorded (the measure
    stays ``revoked``; the ``measure_delivered`` entry shows it).
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the measure is revoked", code="reason_required")
    ledger.serialise_appends(uow)  # before the measure's lock: the outbox's lock order
    measure = lock_measure(uow, measure_id)
    if measure.status in (EXPIRED, REVOKED, FAILED):
        raise Conflict(
            f"measure {measure_id} is {measure.status} and cannot be revoked",
            code="measure_not_live",
        )
    was = measure.status
    cancelled = cancel_message(uow, measure.id)
    measure.status, measure.ended_at = REVOKED, uow.clock.now()
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.MEASURE_REVOKED,
        subject=Subject.of(SubjectType.MEASURE, measure.id),
        payload={
            "case_id": measure.case_id,
            "code": measure.code,
            "target": measure.target,
            "was": was,
            "delivery_cancelled": cancelled,
            "reason": reason[:1000],
        },
    )
    return measure


def requeue_refused(
    uow: UnitOfWork, *, actor: Actor, case_id: int, measure_id: int, reason: str
) -> Measure:
    """Send a measure the platform refused once more, after a person fixed the cause.

    The platform's refusal is final for the outbox (an unknown target, a bad parameter);
    once the platform side is put right (the post restored from a backup, the account
    mapping fixed), an approver sends it again. The message keeps its id, so a platform
    that did apply it after all still applies it once. A measure whose period has already
    ended cannot be sent again: decide anew instead. Runs in the caller's transaction.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say what was fixed before sending it again", code="reason_required")
    ledger.serialise_appends(uow)  # before the measure's lock: the outbox's lock order
    measure = lock_measure(uow, measure_id)
    if measure.case_id != case_id:
        raise NotFound(f"there is no measure {measure_id}", code="measure_not_found")
    message = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.measure_id == measure.id).with_for_update()
    ).first()
    if measure.status != FAILED or message is None or message.status != MESSAGE_REFUSED:
        raise Conflict(
            f"measure {measure_id} is {measure.status}: only a refused delivery is sent again",
            code="measure_not_refused",
        )
    now = uow.clock.now()
    if measure.expires_at is not None and measure.expires_at <= now:
        raise Conflict(
            f"measure {measure_id}'s period ended at {measure.expires_at.isoformat()}",
            code="measure_period_over",
        )
    refused_with = message.last_error
    message.status, message.next_attempt_at = MESSAGE_PENDING, now
    measure.status, measure.ended_at = PENDING, None
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.MEASURE_REQUEUED,
        subject=Subject.of(SubjectType.MEASURE, measure.id),
        payload={
            "case_id": measure.case_id,
            "code": measure.code,
            "target": measure.target,
            "message_id": message.message_id,
            "refused_with": refused_with,
            "attempts": message.attempts,
            "reason": reason[:1000],
        },
    )
    return measure


def case_measures(database: Database, *, case_id: int) -> list[Measure]:
    """A case's measures, oldest first (detached rows, for reading)."""
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(Measure).where(Measure.case_id == case_id).order_by(Measure.id)
            )
        )
