"""The webhook adapter against a tiny local platform: signing, idempotency, answers, faults."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from qinglang.clock import FixedClock
from qinglang.errors import ConfigurationError, NotFound
from qinglang.platform.adapter import MeasureMessage, PlatformUnavailable
from qinglang.platform.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPlatform,
    signature,
    verify_signature,
)
from tests.webhookutil import Answer, Seen, Serve, platforms, receipt

SECRET = "webhook-test-secret-0123456789-abcdef"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MESSAGE = MeasureMessage(
    message_id="qlm-7-0011223344556677",
    measure="make_private_time_limited",
    target="post:12",
    params={"until": "2026-12-09T02:00:00+00:00"},
    basis=["WS-21"],
)


@pytest.fixture
def serve() -> Iterator[Serve]:
    with platforms() as start:
        yield start


def adapter(url: str, **extra: Any) -> WebhookPlatform:
    return WebhookPlatform(
        measure_url=f"{url}/measures",
        snapshot_url=f"{url}/snapshot",
        secret=SECRET,
        clock=FixedClock(NOW),
        **extra,
    )


def test_a_measure_is_posted_signed_and_idempotent(serve: Serve) -> None:
    platform = serve(lambda seen: receipt(seen, effect="post 12 private until …"))
    answer = adapter(platform.url).apply_measure(message=MESSAGE)
    assert (answer.applied, answer.duplicate, answer.effect) == (
        True,
        False,
        "post 12 private until …",
    )
    (seen,) = platform.seen
    assert (seen.method, seen.path) == ("POST", "/measures")
    assert seen.headers[IDEMPOTENCY_HEADER.lower()] == MESSAGE.message_id
    assert json.loads(seen.body) == {
        "message_id": MESSAGE.message_id,
        "measure": "make_private_time_limited",
        "target": "post:12",
        "params": {"until": "2026-12-09T02:00:00+00:00"},
        "basis": ["WS-21"],
    }
    timestamp = seen.headers[TIMESTAMP_HEADER.lower()]
    assert timestamp == str(int(NOW.timestamp()))
    header = seen.headers[SIGNATURE_HEADER.lower()]
    assert verify_signature(
        secret=SECRET, timestamp=timestamp, payload=seen.body, signature_header=header, now=NOW
    )
    # The platform's check refuses a changed body, another secret, or a stale timestamp.
    assert not verify_signature(
        secret=SECRET,
        timestamp=timestamp,
        payload=seen.body.replace(b"post:12", b"post:13"),
        signature_header=header,
        now=NOW,
    )
    assert not verify_signature(
        secret="another-secret",
        timestamp=timestamp,
        payload=seen.body,
        signature_header=header,
        now=NOW,
    )
    assert not verify_signature(
        secret=SECRET,
        timestamp=timestamp,
        payload=seen.body,
        signature_header=header,
        now=NOW + timedelta(minutes=6),
    )
    assert not verify_signature(
        secret=SECRET, timestamp="soon", payload=seen.body, signature_header=header, now=NOW
    )


def test_a_redelivery_carries_the_same_key_and_409_means_already_applied(serve: Serve) -> None:
    applied: set[str] = set()

    def answer(seen: Seen) -> Answer:
        key = seen.headers[IDEMPOTENCY_HEADER.lower()]
        if key in applied:
            return 409, b'{"error": "duplicate"}'
        applied.add(key)
        return receipt(seen)

    platform = serve(answer)
    first = adapter(platform.url).apply_measure(message=MESSAGE)
    again = adapter(platform.url).apply_measure(message=MESSAGE)
    assert (first.applied, first.duplicate) == (True, False)
    assert first.effect == "acknowledged (HTTP 200)"
    assert (again.applied, again.duplicate) == (True, True)
    assert again.effect == "already applied (HTTP 409)"
    assert {s.headers[IDEMPOTENCY_HEADER.lower()] for s in platform.seen} == {MESSAGE.message_id}


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (500, b"Internal Server Error", "HTTP 500: Internal Server Error"),
        (503, b"", "HTTP 503"),
        (302, b"", "HTTP 302"),  # redirects are not followed
        (422, b'{"error": "unknown target"}', "HTTP 422"),
        (200, b"<html>ok</html>", "not a JSON object"),
        (
            200,
            b'{"applied": false, "effect": "queue full"}',
            "did not apply the measure: queue full",
        ),
        (200, b'{"message_id": "someone-else"}', "receipt for another message"),
        (200, b'{"applied": "yes"}', "not true or false"),
    ],
)
def test_anything_but_an_acknowledgement_is_retried(
    serve: Serve, status: int, body: bytes, says: str
) -> None:
    platform = serve(lambda _seen: (status, body))
    with pytest.raises(PlatformUnavailable) as caught:
        adapter(platform.url).apply_measure(message=MESSAGE)
    assert says in caught.value.message


def test_an_empty_2xx_is_an_acknowledgement(serve: Serve) -> None:
    platform = serve(lambda _seen: (204, b""))
    answer = adapter(platform.url).apply_measure(message=MESSAGE)
    assert (answer.applied, answer.effect) == (True, "acknowledged (HTTP 204)")


def test_a_platform_that_is_down_or_slow_is_retried(serve: Serve) -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PlatformUnavailable) as caught:
        adapter(f"http://127.0.0.1:{port}").apply_measure(message=MESSAGE)
    assert caught.value.code == "platform_unavailable"
    assert "did not answer" in caught.value.message

    def slow(seen: Seen) -> Answer:
        time.sleep(0.6)
        return receipt(seen)

    platform = serve(slow)
    with pytest.raises(PlatformUnavailable):
        adapter(platform.url, timeout=0.2).apply_measure(message=MESSAGE)


def test_a_snapshot_is_fetched_signed_over_its_query(serve: Serve) -> None:
    def answer(seen: Seen) -> Answer:
        locator = parse_qs(urlsplit(seen.path).query)["locator"][0]
        if locator == "post:404":
            return 404, b"{}"
        body = {
            "kind": "post",
            "id": 12,
            "url": "https://platform.example/p/12",
            "content": {"title": "标题", "body": "正文"},
        }
        return 200, json.dumps(body, ensure_ascii=False).encode()

    platform = serve(answer)
    snapshot = adapter(platform.url).fetch_snapshot(locator="post:12")
    assert (snapshot.kind, snapshot.id, snapshot.fetched_at) == ("post", 12, NOW)
    assert snapshot.content == {"title": "标题", "body": "正文"}
    (seen,) = platform.seen
    query = urlsplit(seen.path).query.encode()
    assert seen.method == "GET"
    assert seen.headers[SIGNATURE_HEADER.lower()] == signature(
        SECRET, seen.headers[TIMESTAMP_HEADER.lower()], query
    )
    with pytest.raises(NotFound):
        adapter(platform.url).fetch_snapshot(locator="post:404")
    with pytest.raises(PlatformUnavailable) as caught:
        adapter(platform.url).fetch_snapshot(locator="account:12")
    assert caught.value.code == "platform_bad_answer"


def test_a_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        WebhookPlatform(measure_url="ftp://platform.example/x", secret=SECRET)
    with pytest.raises(ConfigurationError):
        WebhookPlatform(measure_url="https://platform.example/x", secret="")
    without = WebhookPlatform(measure_url="https://platform.example/x", secret=SECRET)
    with pytest.raises(PlatformUnavailable) as caught:
        without.fetch_snapshot(locator="post:1")
    assert caught.value.code == "snapshot_not_configured"
