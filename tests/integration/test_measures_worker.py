"""``qinglang worker`` and the background loop: timers and the outbox, demo or webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from qinglang.cli.worker import platform_adapter, run_round, start_in_background
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEvent
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPlatform,
    verify_signature,
)
from qinglang.settings import Settings
from tests.conftest import make_settings
from tests.integration.test_cli import run
from tests.measuresutil import entries, make_case, make_content, measure, message_of, order, record
from tests.webhookutil import Seen, Serve, platforms, receipt

SECRET = "webhook-secret-for-the-worker-tests-0123"


@pytest.fixture
def serve() -> Iterator[Serve]:
    with platforms() as start:
        yield start


def test_a_round_expires_periods_and_delivers(
    database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, (post,) = make_content(database)
    mute, remove = record(
        database,
        case_id,
        [order("mute", f"account:{account}", days=1), order("remove", f"post:{post}")],
    )
    adapter = platform_adapter(database, settings)
    assert isinstance(adapter, DemoPlatform)
    done = run_round(database, settings, adapter, worker="test-worker")
    assert (done.outbox.delivered, done.expired_measures) == (2, 0)
    assert "outbox: 2 delivered" in done.describe()
    clock.advance(timedelta(days=1))
    done = run_round(database, settings, adapter, worker="test-worker")
    assert (done.outbox.claimed, done.expired_measures) == (0, 1)
    assert (measure(database, mute).status, measure(database, remove).status) == (
        "expired",
        "applied",
    )


def test_the_background_loop_delivers_measures(database: Database, settings: Settings) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (remove,) = record(database, case_id, [order("remove", f"post:{post}")])
    stop = start_in_background(database, settings, interval=0.05)
    try:
        deadline = time.monotonic() + 20
        while measure(database, remove).status != "applied" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threading.enumerate():
            if thread.name == "qinglang-worker":
                thread.join(timeout=20)
    assert measure(database, remove).status == "applied"


def test_the_worker_command_delivers_once(database: Database, database_url: str) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (remove,) = record(database, case_id, [order("remove", f"post:{post}")])
    result = run("worker", "--once", env={"QINGLANG_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "timers: 0 change(s)" in result.stdout
    assert "outbox: 1 delivered" in result.stdout
    assert measure(database, remove).status == "applied"
    again = run("worker", "--once", env={"QINGLANG_DATABASE_URL": database_url})
    assert "outbox: 0 delivered" in again.stdout


def test_measures_reach_a_webhook_platform_after_its_outage(
    database: Database, database_url: str, tmp_path: Path, clock: FixedClock, serve: Serve
) -> None:
    """The platform answers 500 three times, then applies: one message id throughout."""

    def answer(seen: Seen) -> tuple[int, bytes]:
        if len(platform.seen) <= 3:
            return 500, b"Internal Server Error"
        return receipt(seen, effect="post hidden")

    platform = serve(answer)
    settings = make_settings(
        database_url,
        tmp_path,
        webhook_url=f"{platform.url}/measures",
        webhook_secret=SECRET,
    )
    adapter = platform_adapter(database, settings)
    assert isinstance(adapter, WebhookPlatform)
    case_id = make_case(database)
    (remove,) = record(database, case_id, [order("remove", "post:12")])
    rounds = 0
    while measure(database, remove).status != "applied":
        run_round(database, settings, adapter, worker="test-worker")
        clock.advance(timedelta(minutes=15))
        rounds += 1
        assert rounds < 10
    assert len(platform.seen) == 4
    message_id = message_of(database, remove).message_id
    assert {s.headers[IDEMPOTENCY_HEADER.lower()] for s in platform.seen} == {message_id}
    for seen in platform.seen:
        timestamp = seen.headers[TIMESTAMP_HEADER.lower()]
        assert verify_signature(
            secret=SECRET,
            timestamp=timestamp,
            payload=seen.body,
            signature_header=seen.headers[SIGNATURE_HEADER.lower()],
            now=clock.now(),
            tolerance=timedelta(hours=2),
        )
    assert measure(database, remove).effect == "post hidden"
    assert [
        json.loads(e.payload)["attempts"]
        for e in entries(database, LedgerEvent.MEASURE_DELIVERY_FAILED)
    ] == [1]
