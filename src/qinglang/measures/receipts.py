"""Recording what deliveries came to: receipts and failures, many in one transaction.

See :mod:`qinglang.measures.outbox` for the whole protocol. Every outcome here is a
state change with its ledger entry in the same transaction, except the retried
failures between the first and every ``ledger_every``-th, which only count on the
outbox row (to keep the ledger readable).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.measures.models import (
    APPLIED,
    FAILED,
    MESSAGE_DELIVERED,
    MESSAGE_PENDING,
    MESSAGE_REFUSED,
    RETRYING,
    UNDELIVERED_STATUSES,
    Measure,
    OutboxMessage,
)
from qinglang.platform.adapter import MeasureMessage, MeasureReceipt
from qinglang.settings import Settings

log = logging.getLogger("qinglang.outbox")
OUTBOX_ACTOR = Actor.system("outbox")
_MAX_ERROR = 500
_MAX_EFFECT = 2000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long a claim lasts, how retries back off, how often failures reach the ledger."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(minutes=15)
    lease: timedelta = timedelta(minutes=2)
    ledger_every: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            base=timedelta(seconds=settings.outbox_retry_base_seconds),
            cap=timedelta(seconds=settings.outbox_retry_max_seconds),
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            ledger_every=settings.outbox_failure_ledger_every,
        )

    def backoff(self, failures: int, rng: random.Random) -> timedelta:
        """The wait after the ``failures``-th failure in a row (1, 2, …)."""
        doublings = min(max(failures - 1, 0), 60)
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * float(1 << doublings))
        return timedelta(seconds=ceiling * (0.5 + rng.random() / 2))

    def writes_failure(self, failures: int) -> bool:
        return failures == 1 or failures % self.ledger_every == 0


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message this worker holds until ``lease_expires_at``."""

    outbox_id: int
    measure_id: int
    token: str
    lease_expires_at: datetime
    message: MeasureMessage


@dataclass(slots=True)
class DeliveryRound:
    """What one round did."""

    claimed: int = 0
    delivered: int = 0  # receipts recorded (duplicates included)
    duplicates: int = 0  # the platform had already applied the message
    retrying: int = 0
    refused: int = 0
    released: int = 0  # claimed but handed back: the lease ran short
    late: int = 0  # receipts or failures another worker had already recorded


_random = random.Random()  # noqa: S311  (jitter, not secrets)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one delivery came to: a receipt, or an error to retry or to accept as final."""

    item: Claimed
    receipt: MeasureReceipt | None
    error: str | None = None
    retry: bool = True


def record(
    database: Database,
    attempts: Sequence[Attempt],
    *,
    worker: str,
    policy: RetryPolicy,
    rng: random.Random | None = None,
    into: DeliveryRound | None = None,
) -> DeliveryRound:
    """Record ``attempts`` in one transaction; counts added to ``into`` (and returned)."""
    outcome = into if into is not None else DeliveryRound()
    if not attempts:
        return outcome
    with database.unit_of_work() as uow:
        # Lock order: the ledger's append lock, then the measures, then their messages,
        # each in id order. A transaction that appended (taking the append lock) before
        # it revokes a measure then never waits for us while we wait for it.
        ledger.serialise_appends(uow)
        measures = {
            m.id: m
            for m in uow.session.scalars(
                select(Measure)
                .where(Measure.id.in_({a.item.measure_id for a in attempts}))
                .order_by(Measure.id)
                .with_for_update()
            )
        }
        rows = {
            r.id: r
            for r in uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_({a.item.outbox_id for a in attempts}))
                .order_by(OutboxMessage.id)
                .with_for_update()
            )
        }
        for done in attempts:
            measure, row = measures[done.item.measure_id], rows[done.item.outbox_id]
            if done.receipt is not None:
                if _record_receipt(uow, measure, row, done.receipt, worker=worker):
                    outcome.delivered += 1
                    outcome.duplicates += done.receipt.duplicate
                else:
                    outcome.late += 1
            elif row.status != MESSAGE_PENDING or row.claim_token != done.item.token:
                outcome.late += 1  # the lease lapsed and another worker took the message over
            else:
                _record_failure(uow, measure, row, done, worker=worker, policy=policy, rng=rng)
                if done.retry:
                    outcome.retrying += 1
                else:
                    outcome.refused += 1
    return outcome


def _record_receipt(
    uow: UnitOfWork,
    measure: Measure,
    row: OutboxMessage,
    receipt: MeasureReceipt,
    *,
    worker: str,
) -> bool:
    """Mark the message delivered and its measure applied; False if already recorded."""
    if row.status == MESSAGE_DELIVERED:
        return False
    now = uow.clock.now()
    row.status, row.delivered_at = MESSAGE_DELIVERED, now
    row.attempts += 1
    row.lease_expires_at = row.claimed_by = row.claim_token = None
    if measure.status in UNDELIVERED_STATUSES:
        measure.status = APPLIED
    else:  # revoked or expired while in flight: the platform applied it all the same
        log.warning("measure %s was %s when the platform applied it", measure.id, measure.status)
    measure.applied_at, measure.effect = now, receipt.effect[:_MAX_EFFECT]
    ledger.append(
        uow,
        actor=OUTBOX_ACTOR,
        event=LedgerEvent.MEASURE_DELIVERED,
        subject=Subject.of(SubjectType.MEASURE, measure.id),
        payload={
            "case_id": measure.case_id,
            "code": measure.code,
            "target": measure.target,
            "message_id": row.message_id,
            "attempts": row.attempts,
            "duplicate": receipt.duplicate,
            "effect": receipt.effect[:_MAX_EFFECT],
            "measure_status": measure.status,
            "worker": worker[:64],
        },
    )
    return True


def _record_failure(
    uow: UnitOfWork,
    measure: Measure,
    row: OutboxMessage,
    done: Attempt,
    *,
    worker: str,
    policy: RetryPolicy,
    rng: random.Random | None,
) -> None:
    """Count a failed delivery and schedule the next, or refuse the message for good."""
    now = uow.clock.now()
    row.attempts += 1
    row.last_error = (done.error or "")[:_MAX_ERROR]
    row.lease_expires_at = row.claimed_by = row.claim_token = None
    if done.retry:
        row.next_attempt_at = now + policy.backoff(row.attempts, rng or _random)
        if measure.status in UNDELIVERED_STATUSES:
            measure.status = RETRYING
        if not policy.writes_failure(row.attempts):
            return
    else:
        row.status = MESSAGE_REFUSED
        if measure.status in UNDELIVERED_STATUSES:
            measure.status, measure.ended_at = FAILED, now
    ledger.append(
        uow,
        actor=OUTBOX_ACTOR,
        event=LedgerEvent.MEASURE_DELIVERY_FAILED,
        subject=Subject.of(SubjectType.MEASURE, measure.id),
        payload={
            "case_id": measure.case_id,
            "code": measure.code,
            "target": measure.target,
            "message_id": row.message_id,
            "attempts": row.attempts,
            "error": row.last_error,
            "final": not done.retry,
            "next_attempt_at": row.next_attempt_at.isoformat() if done.retry else None,
            "worker": worker[:64],
        },
    )


def record_receipt(
    database: Database, item: Claimed, receipt: MeasureReceipt, *, worker: str
) -> bool:
    """Record one receipt on its own; False if the message was already recorded delivered."""
    return record(database, [Attempt(item, receipt)], worker=worker, policy=RetryPolicy()).late == 0


def record_failure(
    database: Database,
    item: Claimed,
    *,
    error: str,
    retry: bool,
    worker: str,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> bool:
    """Record one failure on its own. False (nothing changes) if this worker's claim is no
    longer the message's: its lease lapsed and another worker took it, or it was
    delivered or cancelled."""
    done = Attempt(item, None, error, retry=retry)
    return record(database, [done], worker=worker, policy=policy, rng=rng).late == 0
