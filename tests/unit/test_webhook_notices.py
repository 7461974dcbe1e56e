"""The webhook adapter's notice message: signed like measures, idempotent, its own type."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from qinglang.clock import FixedClock
from qinglang.platform.adapter import NoticeMessage, PlatformUnavailable
from qinglang.platform.webhook import (
    IDEMPOTENCY_HEADER,
    MESSAGE_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPlatform,
    verify_signature,
)
from tests.webhookutil import Answer, Seen, Serve, platforms, receipt

SECRET = "webhook-notice-secret-0123456789-abcdef"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NOTICE = NoticeMessage(
    message_id="qln-41-0011223344556677",
    account="account:3",
    about="post:12",
    case_id=7,
    kind="measure",
    locale="zh-CN",
    subject="处置通知：您的发布的信息",
    body="您好：\n- 删除（依据：WS-20 第二十条）\n可在 2026-12-24 10:00 前提出申诉（第二十四条）。",
)


@pytest.fixture
def serve() -> Iterator[Serve]:
    with platforms() as start:
        yield start


def adapter(url: str) -> WebhookPlatform:
    return WebhookPlatform(
        measure_url=f"{url}/qinglang", secret=SECRET, clock=FixedClock(NOW), timeout=5
    )


def delivered(seen: Seen) -> Answer:
    body = {"message_id": json.loads(seen.body)["message_id"], "delivered": True}
    return 200, json.dumps(body).encode()


def test_a_notice_is_posted_signed_with_its_own_type_and_shape(serve: Serve) -> None:
    platform = serve(delivered)
    answer = adapter(platform.url).deliver_notice(message=NOTICE)
    assert (answer.message_id, answer.delivered, answer.duplicate) == (
        NOTICE.message_id,
        True,
        False,
    )
    (seen,) = platform.seen
    assert (seen.method, seen.path) == ("POST", "/qinglang")
    assert seen.headers[IDEMPOTENCY_HEADER.lower()] == "qln-41-0011223344556677"
    assert seen.headers[MESSAGE_TYPE_HEADER.lower()] == "notice"
    assert seen.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(seen.body) == {
        "type": "notice",
        "message_id": "qln-41-0011223344556677",
        "account": "account:3",
        "about": "post:12",
        "case_id": 7,
        "kind": "measure",
        "locale": "zh-CN",
        "subject": "处置通知：您的发布的信息",
        "body": NOTICE.body,
    }
    assert "处置通知".encode() in seen.body  # UTF-8, not \\u escapes
    assert list(json.loads(seen.body)) == sorted(json.loads(seen.body))  # keys sorted
    timestamp = seen.headers[TIMESTAMP_HEADER.lower()]
    assert timestamp == str(int(NOW.timestamp()))
    header = seen.headers[SIGNATURE_HEADER.lower()]
    assert verify_signature(
        secret=SECRET, timestamp=timestamp, payload=seen.body, signature_header=header, now=NOW
    )
    assert not verify_signature(
        secret=SECRET,
        timestamp=timestamp,
        payload=seen.body.replace(b"account:3", b"account:4"),
        signature_header=header,
        now=NOW,
    )
    assert not verify_signature(
        secret="another-secret-of-enough-length-0123456789",
        timestamp=timestamp,
        payload=seen.body,
        signature_header=header,
        now=NOW,
    )


def test_a_measure_says_its_type_too_and_keeps_its_body(serve: Serve) -> None:
    from qinglang.platform.adapter import MeasureMessage

    platform = serve(lambda seen: receipt(seen, effect="removed"))
    message = MeasureMessage("qlm-1-00", "remove", "post:12", {}, ["WS-20"])
    adapter(platform.url).apply_measure(message=message)
    (seen,) = platform.seen
    assert seen.headers[MESSAGE_TYPE_HEADER.lower()] == "measure"
    assert "type" not in json.loads(seen.body)


def test_a_redelivered_notice_carries_the_same_key_and_409_means_already_shown(
    serve: Serve,
) -> None:
    shown: set[str] = set()

    def answer(seen: Seen) -> Answer:
        key = seen.headers[IDEMPOTENCY_HEADER.lower()]
        if key in shown:
            return 409, b'{"error": "already delivered"}'
        shown.add(key)
        return delivered(seen)

    platform = serve(answer)
    webhook = adapter(platform.url)
    first = webhook.deliver_notice(message=NOTICE)
    again = webhook.deliver_notice(message=NOTICE)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.delivered
    assert [s.headers[IDEMPOTENCY_HEADER.lower()] for s in platform.seen] == [
        NOTICE.message_id,
        NOTICE.message_id,
    ]
    assert platform.seen[0].body == platform.seen[1].body
    assert shown == {NOTICE.message_id}


def test_an_empty_2xx_acknowledges_a_notice(serve: Serve) -> None:
    platform = serve(lambda seen: (204, b""))
    answer = adapter(platform.url).deliver_notice(message=NOTICE)
    assert (answer.delivered, answer.duplicate) == (True, False)


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (500, b"Internal Server Error", "platform_unavailable"),
        (400, b'{"error": "bad"}', "platform_unavailable"),
        (302, b"", "platform_unavailable"),
        (200, b"not json", "platform_bad_answer"),
        (200, b'{"message_id": "qln-other", "delivered": true}', "platform_bad_answer"),
        (200, b'{"delivered": "yes"}', "platform_bad_answer"),
        (200, b'{"delivered": false}', "platform_unavailable"),
    ],
)
def test_anything_but_an_acknowledgement_is_retried(
    serve: Serve, status: int, body: bytes, code: str
) -> None:
    platform = serve(lambda seen: (status, body))
    with pytest.raises(PlatformUnavailable) as raised:
        adapter(platform.url).deliver_notice(message=NOTICE)
    assert raised.value.code == code


def test_a_platform_that_is_down_is_retried() -> None:
    webhook = adapter("http://127.0.0.1:1")
    with pytest.raises(PlatformUnavailable):
        webhook.deliver_notice(message=NOTICE)


def test_notice_retries_back_off_like_the_measure_outbox() -> None:
    from qinglang.measures.receipts import RetryPolicy
    from qinglang.notices.delivery import NoticeRetry

    notices = NoticeRetry(base=timedelta(seconds=10), cap=timedelta(minutes=15))
    measures = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=15))
    for failures in (1, 2, 5, 20):
        assert notices.backoff(failures, random.Random(failures)) == measures.backoff(
            failures, random.Random(failures)
        )
    waits = [notices.backoff(n, random.Random(0)) for n in (1, 2, 3, 10, 40)]
    assert timedelta(seconds=5) <= waits[0] < timedelta(seconds=10)
    assert waits[1] >= timedelta(seconds=10)
    assert waits[-1] < timedelta(minutes=15)
    assert waits[-1] >= timedelta(minutes=7, seconds=30)
