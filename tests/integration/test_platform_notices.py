"""Notices to the reported party through the platform adapter: demo inbox, webhook, retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.cli.worker import platform_adapter, run_round
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import InvalidInput
from qinglang.ledger import LedgerEvent
from qinglang.notices.delivery import NoticeRetry, send_due
from qinglang.notices.models import Notice
from qinglang.notices.service import Recipient, write
from qinglang.platform.adapter import (
    MeasureMessage,
    MeasureReceipt,
    NoticeMessage,
    NoticeReceipt,
    PlatformUnavailable,
    Snapshot,
)
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformNotice
from qinglang.platform.queries import get_account_page
from qinglang.platform.webhook import (
    IDEMPOTENCY_HEADER,
    MESSAGE_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from qinglang.settings import Settings
from tests.conftest import make_settings
from tests.measuresutil import entries, make_case, make_content
from tests.webhookutil import Answer, Seen, Serve, platforms

SECRET = "webhook-secret-for-the-notice-tests-0123"
WORKER = Actor.system("worker")
CONTEXT = {
    "what": "发布的信息",
    "measures": [{"label": "删除", "target": "post:1", "basis": "WS-20 第二十条", "until": ""}],
    "deadline": "2026-12-24 10:00",
    "platform": "云泽圈",
}


@pytest.fixture
def serve() -> Iterator[Serve]:
    with platforms() as start:
        yield start


def party_notice(database: Database, case_id: int, address: str) -> int:
    with database.unit_of_work() as uow:
        notice = write(
            uow,
            case_id=case_id,
            kind="measure",
            to=Recipient("reported_party", "platform", address),
            context=CONTEXT,
        )
        uow.session.flush()
        return notice.id


def notice(database: Database, notice_id: int) -> Notice:
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.get(Notice, notice_id)
        assert found is not None
        return found


def inbox(database: Database) -> list[PlatformNotice]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(select(PlatformNotice).order_by(PlatformNotice.id)))


def sent_entries(database: Database) -> list[dict[str, Any]]:
    return [json.loads(e.payload) for e in entries(database, LedgerEvent.NOTICE_SENT)]


def test_a_notice_about_a_post_reaches_its_account_once(
    database: Database, settings: Settings
) -> None:
    case_id = make_case(database)
    account, (post, _) = make_content(database, posts=2)
    other, _ = make_content(database, handle="bob")
    notice_id = party_notice(database, case_id, f"post:{post}")
    demo = DemoPlatform(database, settings.base_url)
    assert send_due(database, actor=WORKER, mailer=None, platform=demo) == 1
    assert send_due(database, actor=WORKER, mailer=None, platform=demo) == 0
    sent = notice(database, notice_id)
    assert (sent.status, sent.account, sent.attempts) == ("sent", f"account:{account}", 1)
    assert sent.message_id is not None
    assert sent.message_id.startswith(f"qln-{notice_id}-")
    (shown,) = inbox(database)
    assert (shown.account_id, shown.about, shown.case_id) == (account, f"post:{post}", case_id)
    assert shown.message_id == sent.message_id
    assert "第二十四条" in shown.body
    page = get_account_page(database, account_id=account)
    assert [n.subject for n in page.notices] == [sent.subject]
    assert get_account_page(database, account_id=other).notices == ()
    (entry,) = sent_entries(database)
    assert entry == {
        "notice": notice_id,
        "kind": "measure",
        "to": "reported_party",
        "channel": "platform",
        "status": "sent",
        "attempts": 1,
        "about": f"post:{post}",
        "account": f"account:{account}",
        "message_id": sent.message_id,
        "duplicate": False,
    }


def test_a_notice_about_an_account_goes_to_that_account(
    database: Database, settings: Settings
) -> None:
    case_id = make_case(database)
    account, _ = make_content(database)
    notice_id = party_notice(database, case_id, f"account:{account}")
    send_due(database, actor=WORKER, mailer=None, platform=DemoPlatform(database, "http://t"))
    assert notice(database, notice_id).account == f"account:{account}"
    assert [n.account_id for n in inbox(database)] == [account]


def test_the_demo_platform_shows_a_redelivered_notice_once(
    database: Database, settings: Settings
) -> None:
    account, _ = make_content(database)
    demo = DemoPlatform(database, settings.base_url)
    message = NoticeMessage(
        "qln-1-aa", f"account:{account}", f"account:{account}", 1, "measure", "zh-CN", "s", "b"
    )
    assert demo.deliver_notice(message=message).duplicate is False
    assert demo.deliver_notice(message=message).duplicate is True
    assert len(get_account_page(database, account_id=account).notices) == 1
    with pytest.raises(InvalidInput) as wrong:
        demo.deliver_notice(
            message=NoticeMessage("qln-2-bb", "post:1", "post:1", 1, "measure", "zh-CN", "s", "b")
        )
    assert wrong.value.code == "notice_not_to_account"


class FlakyPlatform:
    """The demo platform behind a link that fails ``failures`` times before it answers."""

    def __init__(self, inner: DemoPlatform, failures: int) -> None:
        self.inner, self.failures, self.calls = inner, failures, 0

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        return self.inner.fetch_snapshot(locator=locator)

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        return self.inner.apply_measure(message=message)

    def deliver_notice(self, *, message: NoticeMessage) -> NoticeReceipt:
        self.calls += 1
        if self.calls <= self.failures:
            raise PlatformUnavailable("the platform answered HTTP 500: Internal Server Error")
        return self.inner.deliver_notice(message=message)


def test_a_failure_keeps_the_notice_and_it_backs_off_before_the_next_try(
    database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, (post,) = make_content(database)
    notice_id = party_notice(database, case_id, f"post:{post}")
    flaky = FlakyPlatform(DemoPlatform(database, settings.base_url), failures=2)
    retry = NoticeRetry(base=timedelta(seconds=10), cap=timedelta(minutes=15))
    assert send_due(database, actor=WORKER, mailer=None, platform=flaky, retry=retry) == 0
    failed = notice(database, notice_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error is not None
    assert "HTTP 500" in failed.last_error
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at > clock.now()
    first_id = failed.message_id
    assert send_due(database, actor=WORKER, mailer=None, platform=flaky, retry=retry) == 0
    assert flaky.calls == 1  # not due again before its backoff has passed
    clock.advance(timedelta(seconds=10))
    assert send_due(database, actor=WORKER, mailer=None, platform=flaky, retry=retry) == 0
    assert (flaky.calls, notice(database, notice_id).attempts) == (2, 2)
    assert inbox(database) == []
    assert sent_entries(database) == []
    clock.advance(timedelta(seconds=20))
    assert send_due(database, actor=WORKER, mailer=None, platform=flaky, retry=retry) == 1
    done = notice(database, notice_id)
    assert (done.status, done.attempts, done.last_error, done.message_id) == (
        "sent",
        3,
        None,
        first_id,
    )
    assert [n.account_id for n in inbox(database)] == [account]
    assert [e["attempts"] for e in sent_entries(database)] == [3]


def test_an_address_the_platform_cannot_route_is_kept_in_the_mailbox(
    database: Database, settings: Settings
) -> None:
    case_id = make_case(database)
    notice_id = party_notice(database, case_id, "华锦科技股份有限公司")
    demo = DemoPlatform(database, settings.base_url)
    assert send_due(database, actor=WORKER, mailer=None, platform=demo) == 1
    kept = notice(database, notice_id)
    assert kept.status == "kept"
    assert kept.last_error is not None
    assert "not a post or an account" in kept.last_error
    assert inbox(database) == []


def test_a_webhook_platform_gets_the_notice_once_after_it_recovers(
    database: Database, database_url: str, tmp_path: Path, clock: FixedClock, serve: Serve
) -> None:
    """The platform answers the notice 500 three times, then takes it: one key throughout."""
    posts: list[Seen] = []
    shown: set[str] = set()

    def answer(seen: Seen) -> Answer:
        if seen.method == "GET":  # the snapshot that names the post's account
            content = {"kind": "post", "id": 12, "account": {"id": 3}, "body": "…"}
            body = {"kind": "post", "id": 12, "url": "https://p.example.cn/12", "content": content}
            return 200, json.dumps(body).encode()
        posts.append(seen)
        if len(posts) <= 3:
            return 500, b"Internal Server Error"
        key = seen.headers[IDEMPOTENCY_HEADER.lower()]
        if key in shown:
            return 409, b""
        shown.add(key)
        return 200, json.dumps({"message_id": key, "delivered": True}).encode()

    platform = serve(answer)
    settings = make_settings(
        database_url,
        tmp_path,
        webhook_url=f"{platform.url}/qinglang",
        webhook_snapshot_url=f"{platform.url}/snapshot",
        webhook_secret=SECRET,
    )
    adapter = platform_adapter(database, settings)
    case_id = make_case(database)
    notice_id = party_notice(database, case_id, "post:12")
    run_round(database, settings, adapter, worker="test-worker")
    pending = notice(database, notice_id)
    assert (pending.status, pending.attempts) == ("failed", 1)
    assert pending.last_error is not None
    assert "HTTP 500" in pending.last_error
    rounds = 1
    while notice(database, notice_id).status != "sent":
        clock.advance(timedelta(minutes=15))
        run_round(database, settings, adapter, worker="test-worker")
        rounds += 1
        assert rounds < 10
    for _ in range(2):  # the worker again, later: nothing is sent twice
        clock.advance(timedelta(minutes=15))
        run_round(database, settings, adapter, worker="test-worker")
    assert len(posts) == 4
    message_id = notice(database, notice_id).message_id
    assert {s.headers[IDEMPOTENCY_HEADER.lower()] for s in posts} == {message_id}
    assert {s.headers[MESSAGE_TYPE_HEADER.lower()] for s in posts} == {"notice"}
    for seen in posts:
        timestamp = seen.headers[TIMESTAMP_HEADER.lower()]
        assert verify_signature(
            secret=SECRET,
            timestamp=timestamp,
            payload=seen.body,
            signature_header=seen.headers[SIGNATURE_HEADER.lower()],
            now=clock.now(),
            tolerance=timedelta(days=1),
        )
    body = json.loads(posts[-1].body)
    assert (body["type"], body["account"], body["about"], body["case_id"]) == (
        "notice",
        "account:3",
        "post:12",
        case_id,
    )
    assert notice(database, notice_id).account == "account:3"
    (entry,) = sent_entries(database)
    assert (entry["channel"], entry["account"], entry["attempts"]) == ("platform", "account:3", 4)
