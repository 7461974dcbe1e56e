"""The outbox: measures reach the platform once, through outages, crashes and rivals."""

from __future__ import annotations

import itertools
import json
import random
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEvent
from qinglang.measures import RetryPolicy, claim_due, deliver_due, revoke_measure
from qinglang.measures.outbox import record_failure, record_receipt
from qinglang.platform.adapter import MeasureMessage, PlatformUnavailable
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import AppliedMeasure, PlatformPost
from tests.measuresutil import (
    REVIEWER,
    CountingAdapter,
    entries,
    make_case,
    make_content,
    measure,
    message_of,
    order,
    record,
)

POLICY = RetryPolicy(
    base=timedelta(seconds=10), cap=timedelta(minutes=5), lease=timedelta(minutes=2), ledger_every=3
)


def demo(database: Database) -> DemoPlatform:
    return DemoPlatform(database, "http://demo.example")


def _visibility(database: Database, post: int) -> str:
    with database.unit_of_work(read_only=True) as uow:
        row = uow.session.get(PlatformPost, post)
        assert row is not None
        return row.visibility


def _applied_on_platform(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(AppliedMeasure)) or 0


def test_a_measure_reaches_the_demo_platform_once(database: Database) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    done = deliver_due(database, demo(database), worker="w1", batch=10, policy=POLICY)
    assert (done.claimed, done.delivered, done.duplicates) == (1, 1, 0)
    assert _visibility(database, post) == "removed"
    row = measure(database, measure_id)
    assert row.status == "applied"
    assert row.effect == f"post {post} removed"
    message = message_of(database, measure_id)
    assert (message.status, message.attempts, message.claimed_by) == ("delivered", 1, None)
    (delivered,) = entries(database, LedgerEvent.MEASURE_DELIVERED)
    assert json.loads(delivered.payload)["message_id"] == message.message_id
    assert deliver_due(database, demo(database), worker="w1", batch=10).claimed == 0


def test_an_hour_of_outage_then_delivered_exactly_once(
    database: Database, clock: FixedClock
) -> None:
    """The platform answers 500 (or not at all) for an hour; the measure waits, then lands."""
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    back_at = clock.now() + timedelta(hours=1)
    tries: list[tuple[str, datetime]] = []

    def down(message: MeasureMessage) -> Exception | None:
        tries.append((message.message_id, clock.now()))
        if clock.now() < back_at:
            return PlatformUnavailable("the platform answered HTTP 500: Internal Server Error")
        return None

    adapter = CountingAdapter(demo(database), down=down)
    rng = random.Random(5)
    rounds = 0
    while measure(database, measure_id).status != "applied":
        deliver_due(database, adapter, worker="w1", batch=10, policy=POLICY, rng=rng)
        if measure(database, measure_id).status == "retrying":
            assert _visibility(database, post) == "public"
        clock.advance(timedelta(seconds=30))
        rounds += 1
        assert rounds < 1000
    failures = len(tries) - 1
    assert failures >= 10  # 10 s, 20 s, 40 s … capped at 5 min: about 15 tries in an hour
    assert len({message_id for message_id, _ in tries}) == 1  # always the same message id
    gaps = [b - a for (_, a), (_, b) in itertools.pairwise(tries)]
    assert max(gaps) <= POLICY.cap + timedelta(seconds=30)  # capped (plus one round's step)
    assert adapter.applied == {tries[0][0]: 1}
    assert _applied_on_platform(database) == 1
    assert _visibility(database, post) == "removed"
    message = message_of(database, measure_id)
    assert message.attempts == failures + 1
    assert message.last_error is not None
    assert "HTTP 500" in message.last_error
    failed = entries(database, LedgerEvent.MEASURE_DELIVERY_FAILED)
    # The first failure, then every third: the ledger stays readable.
    assert [json.loads(e.payload)["attempts"] for e in failed] == [
        n for n in range(1, failures + 1) if n == 1 or n % 3 == 0
    ]
    assert all(json.loads(e.payload)["final"] is False for e in failed)
    (delivered,) = entries(database, LedgerEvent.MEASURE_DELIVERED)
    assert json.loads(delivered.payload)["attempts"] == failures + 1


def test_a_worker_killed_after_claiming_is_replaced_once_its_lease_ends(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    (claimed,) = claim_due(database, worker="killed", batch=10, policy=POLICY)
    assert message_of(database, measure_id).claimed_by == "killed"
    # ...and the process dies here. While its lease lasts, nobody else takes the message.
    adapter = CountingAdapter(demo(database))
    assert deliver_due(database, adapter, worker="w2", batch=10, policy=POLICY).claimed == 0
    clock.advance(POLICY.lease)
    done = deliver_due(database, adapter, worker="w2", batch=10, policy=POLICY)
    assert (done.claimed, done.delivered) == (1, 1)
    assert adapter.calls == {claimed.message.message_id: 1}
    assert measure(database, measure_id).status == "applied"
    assert _visibility(database, post) == "removed"


def test_a_worker_killed_after_the_platform_applied_is_not_applied_twice(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("reduce_distribution", f"post:{post}")])
    (claimed,) = claim_due(database, worker="killed", batch=10, policy=POLICY)
    demo(database).apply_measure(message=claimed.message)  # applied, then the worker dies
    clock.advance(POLICY.lease + timedelta(seconds=1))
    done = deliver_due(database, demo(database), worker="w2", batch=10, policy=POLICY)
    assert (done.delivered, done.duplicates) == (1, 1)
    assert _applied_on_platform(database) == 1
    assert len(entries(database, LedgerEvent.PLATFORM_MEASURE_APPLIED)) == 1
    assert measure(database, measure_id).status == "applied"
    (delivered,) = entries(database, LedgerEvent.MEASURE_DELIVERED)
    assert json.loads(delivered.payload)["duplicate"] is True


def test_a_late_worker_changes_nothing(database: Database, clock: FixedClock) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    (slow,) = claim_due(database, worker="slow", batch=10, policy=POLICY)
    clock.advance(POLICY.lease)
    assert deliver_due(database, demo(database), worker="fast", batch=10).delivered == 1
    receipt = demo(database).apply_measure(message=slow.message)
    assert receipt.duplicate
    assert record_receipt(database, slow, receipt, worker="slow") is False
    assert not record_failure(
        database, slow, error="timeout", retry=True, worker="slow", policy=POLICY
    )
    assert message_of(database, measure_id).attempts == 1
    assert len(entries(database, LedgerEvent.MEASURE_DELIVERED)) == 1


def test_a_refusal_is_final_and_recorded(database: Database) -> None:
    case_id = make_case(database)
    (measure_id,) = record(database, case_id, [order("remove", "post:999999")])
    done = deliver_due(database, demo(database), worker="w1", batch=10, policy=POLICY)
    assert (done.refused, done.retrying) == (1, 0)
    assert measure(database, measure_id).status == "failed"
    message = message_of(database, measure_id)
    assert message.status == "refused"
    assert message.last_error is not None
    assert message.last_error.startswith("target_not_found")
    (failed,) = entries(database, LedgerEvent.MEASURE_DELIVERY_FAILED)
    assert json.loads(failed.payload)["final"] is True
    assert deliver_due(database, demo(database), worker="w1", batch=10).claimed == 0


def test_an_unforeseen_error_is_retried_not_dropped(database: Database, clock: FixedClock) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    broken = CountingAdapter(demo(database), down=lambda _m: ConnectionResetError("reset"))
    assert deliver_due(database, broken, worker="w1", batch=10, policy=POLICY).retrying == 1
    message = message_of(database, measure_id)
    assert message.last_error == "ConnectionResetError: reset"
    assert POLICY.base / 2 <= message.next_attempt_at - clock.now() <= POLICY.base
    assert deliver_due(database, demo(database), worker="w1", batch=10).claimed == 0  # not yet
    clock.advance(POLICY.base)
    assert deliver_due(database, demo(database), worker="w1", batch=10).delivered == 1


def test_a_claim_running_short_hands_the_rest_back(database: Database, clock: FixedClock) -> None:
    case_id = make_case(database)
    _, posts = make_content(database, posts=3)
    ids = record(database, case_id, [order("remove", f"post:{p}") for p in posts])
    slow = CountingAdapter(demo(database), on_apply=lambda _m: clock.advance(POLICY.lease * 0.6))
    done = deliver_due(database, slow, worker="w1", batch=10, policy=POLICY)
    assert (done.claimed, done.delivered, done.released) == (3, 1, 2)
    assert [message_of(database, i).claimed_by for i in ids[1:]] == [None, None]
    assert deliver_due(database, demo(database), worker="w2", batch=10).delivered == 2


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    rng = random.Random(1)
    for failures in range(1, 12):
        ceiling = min(POLICY.cap, POLICY.base * 2 ** (failures - 1))
        wait = POLICY.backoff(failures, rng)
        assert ceiling / 2 <= wait <= ceiling
    assert POLICY.backoff(10_000, rng) <= POLICY.cap
    assert [n for n in range(1, 10) if POLICY.writes_failure(n)] == [1, 3, 6, 9]


def test_two_workers_never_deliver_the_same_message(database: Database) -> None:
    """Concurrent workers (threads, one connection each) split the messages between them."""
    case_id = make_case(database)
    _, posts = make_content(database, posts=40)
    record(database, case_id, [order("remove", f"post:{p}") for p in posts])
    record(database, case_id, [order("dispute_label", f"post:{p}") for p in posts])
    adapter = CountingAdapter(demo(database))
    delivered = {"w1": 0, "w2": 0}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            start.wait()
            while True:
                done = deliver_due(database, adapter, worker=name, batch=5, policy=POLICY)
                delivered[name] += done.delivered
                if done.claimed == 0:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in delivered]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(delivered.values()) == 80
    assert len(adapter.calls) == 80
    assert set(adapter.calls.values()) == {1}  # no message was handed to the platform twice
    assert adapter.overlaps == 0
    assert _applied_on_platform(database) == 80
    assert len(entries(database, LedgerEvent.MEASURE_DELIVERED)) == 80


def test_a_measure_revoked_while_in_flight_stays_revoked(database: Database) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])

    def revoke(_message: MeasureMessage) -> None:
        with database.unit_of_work() as uow:
            revoke_measure(uow, actor=REVIEWER, measure_id=measure_id, reason="objection upheld")

    adapter = CountingAdapter(demo(database), on_apply=revoke)
    assert deliver_due(database, adapter, worker="w1", batch=10, policy=POLICY).delivered == 1
    row = measure(database, measure_id)
    assert (row.status, row.effect) == ("revoked", f"post {post} removed")
    assert message_of(database, measure_id).status == "delivered"
    (delivered,) = entries(database, LedgerEvent.MEASURE_DELIVERED)
    assert json.loads(delivered.payload)["measure_status"] == "revoked"
