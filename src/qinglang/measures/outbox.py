"""The outbox: measure messages delivered to the platform, never lost, never applied twice.

One round of :func:`deliver_due` is three kinds of short transaction around calls to
the platform that hold none:

1. **Claim.** Take up to ``batch`` messages that are due (``next_attempt_at`` passed)
   and not under a live claim (``lease_expires_at`` empty or passed); write the worker's
   name, a fresh claim token and the lease's end; commit. On PostgreSQL the rows are
   selected ``FOR UPDATE SKIP LOCKED``, so workers claiming at the same moment take
   different messages; on SQLite the claim runs under ``BEGIN IMMEDIATE``, which admits
   one writer at a time. Once committed, the lease keeps every other worker off.
2. **Deliver.** ``adapter.apply_measure`` for each claimed message, outside any
   transaction, so a slow platform never holds a lock. A message whose lease is more
   than half spent before its turn comes is released instead (the next round takes it).
3. **Record.** The receipt (message ``delivered``, measure ``applied``, a
   ``measure_delivered`` ledger entry) or the failure (:mod:`.receipts`): the outcomes
   of up to :data:`RECORD_EVERY` seconds of delivering in one transaction, which locks
   the measures and then their messages, each in id order, as every other writer does.

A worker killed between 1 and 3 leaves a claim that lapses when its lease ends; the next
worker redelivers the same ``message_id``, and the platform, which deduplicates on it,
applies it at most once (the receipt then says ``duplicate``). A late receipt for a
message another worker already recorded changes nothing.

Failures. :class:`~qinglang.platform.adapter.PlatformUnavailable` and errors that are not
:class:`~qinglang.errors.DomainError` (a dropped connection, a bug) are retried with
exponential backoff and jitter: the n-th failure waits ``min(max, base·2ⁿ⁻¹)`` times a
random factor in [½, 1), so a platform that is down for an hour sees a handful of tries
from each message rather than a storm. Any other ``DomainError`` is the platform refusing
the message (unknown target, bad params); it is final (message ``refused``, measure
``failed``) and needs a person. To keep the ledger readable, a retried failure writes a
``measure_delivery_failed`` entry only on the first failure and then every
``ledger_every``-th; the counters, the last error and the next try are always on the
outbox row. Claims and releases are bookkeeping, not state changes, and write no entry.
"""

from __future__ import annotations

import logging
import random
import secrets
import time

from sqlalchemy import func, or_, select, update

from qinglang.db.engine import Database
from qinglang.errors import DomainError
from qinglang.measures.models import MESSAGE_PENDING, Measure, OutboxMessage
from qinglang.measures.receipts import (
    OUTBOX_ACTOR,
    Attempt,
    Claimed,
    DeliveryRound,
    RetryPolicy,
    record,
    record_failure,
    record_receipt,
)
from qinglang.measures.service import message_for
from qinglang.platform.adapter import PlatformAdapter, PlatformUnavailable

log = logging.getLogger("qinglang.outbox")
# While delivering a batch, record the outcomes so far at least this often (seconds).
RECORD_EVERY = 1.0


def claim_due(
    database: Database, *, worker: str, batch: int, policy: RetryPolicy | None = None
) -> list[Claimed]:
    """Claim up to ``batch`` due messages for ``worker`` and commit the claim."""
    policy = policy or RetryPolicy()
    with database.unit_of_work() as uow:
        now = uow.clock.now()
        rows = uow.session.execute(
            select(OutboxMessage, Measure)
            .join(Measure, Measure.id == OutboxMessage.measure_id)
            .where(
                OutboxMessage.status == MESSAGE_PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(
                    OutboxMessage.lease_expires_at.is_(None), OutboxMessage.lease_expires_at <= now
                ),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True, of=OutboxMessage)
        ).all()
        claimed = []
        lease_end = now + policy.lease
        for row, measure in rows:
            row.claimed_by, row.claim_token = worker[:64], secrets.token_hex(16)
            row.lease_expires_at = lease_end
            claimed.append(
                Claimed(
                    outbox_id=row.id,
                    measure_id=measure.id,
                    token=row.claim_token,
                    lease_expires_at=lease_end,
                    message=message_for(measure, row.message_id),
                )
            )
        return claimed


def attempt(adapter: PlatformAdapter, item: Claimed) -> Attempt:
    """Hand one claimed message to the platform (no transaction is open)."""
    try:
        receipt = adapter.apply_measure(message=item.message)
    except PlatformUnavailable as exc:
        return Attempt(item, None, f"{exc.code}: {exc.message}", retry=True)
    except DomainError as exc:
        return Attempt(item, None, f"{exc.code}: {exc.message}", retry=False)
    except Exception as exc:  # anything unforeseen is retried, never dropped
        log.exception("delivering %s failed", item.message.message_id)
        return Attempt(item, None, f"{type(exc).__name__}: {exc}", retry=True)
    if receipt.applied and receipt.message_id == item.message.message_id:
        return Attempt(item, receipt)
    return Attempt(item, None, f"not acknowledged: {receipt.effect}", retry=True)


def deliver_due(
    database: Database,
    adapter: PlatformAdapter,
    *,
    worker: str,
    batch: int,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
) -> DeliveryRound:
    """One round: claim what is due, deliver it through ``adapter``, record the outcomes.

    Outcomes are recorded together, in one transaction per :data:`RECORD_EVERY` seconds
    of delivering (and at the end of the batch), which saves a commit and a ledger-head
    look-up per message; a worker that dies before recording leaves only redeliveries.
    """
    policy = policy or RetryPolicy()
    outcome = DeliveryRound()
    claimed = claim_due(database, worker=worker, batch=batch, policy=policy)
    outcome.claimed = len(claimed)
    done: list[Attempt] = []
    since = time.monotonic()
    for index, item in enumerate(claimed):
        if database.clock.now() >= item.lease_expires_at - policy.lease / 2:
            outcome.released += release(database, claimed[index:])
            break
        done.append(attempt(adapter, item))
        if time.monotonic() - since >= RECORD_EVERY:
            record(database, done, worker=worker, policy=policy, rng=rng, into=outcome)
            done, since = [], time.monotonic()
    record(database, done, worker=worker, policy=policy, rng=rng, into=outcome)
    return outcome


def release(database: Database, items: list[Claimed]) -> int:
    """Hand claimed messages back so any worker may take them now."""
    if not items:
        return 0
    with database.unit_of_work() as uow:
        released = 0
        for item in items:
            result = uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == item.outbox_id,
                    OutboxMessage.claim_token == item.token,
                    OutboxMessage.status == MESSAGE_PENDING,
                )
                .values(lease_expires_at=None, claimed_by=None, claim_token=None)
            )
            released += result.rowcount  # type: ignore[attr-defined]
        return released


def pending_count(database: Database) -> int:
    """Messages not yet delivered (due or waiting for a retry)."""
    with database.unit_of_work(read_only=True) as uow:
        return (
            uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == MESSAGE_PENDING)
            )
            or 0
        )


__all__ = [
    "OUTBOX_ACTOR",
    "RECORD_EVERY",
    "Attempt",
    "Claimed",
    "DeliveryRound",
    "RetryPolicy",
    "attempt",
    "claim_due",
    "deliver_due",
    "pending_count",
    "record",
    "record_failure",
    "record_receipt",
    "release",
]
