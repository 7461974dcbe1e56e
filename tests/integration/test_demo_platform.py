"""The demo platform: snapshots, measures and their visible effects, idempotency, seeding."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import ConfigurationError, Conflict, DomainError, InvalidInput, NotFound
from qinglang.ledger import LedgerEntry, LedgerEvent, Subject, SubjectType
from qinglang.platform.adapter import (
    ACCOUNT_MEASURES,
    CONTENT_MEASURES,
    MeasureMessage,
    PlatformAdapter,
    Target,
    content_digest,
    parse_locator,
)
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.demo_effects import RECORDED_ONLY
from qinglang.platform.models import AppliedMeasure, PlatformAccount, PlatformPost
from qinglang.platform.queries import get_account_page, get_post, latest_posts
from qinglang.platform.seed import SEED_FILE, load_seed_data, seed_demo_platform

BASE_URL = "https://qinglang.example"
SEEDER = Actor.system("seeder")


@pytest.fixture
def platform(database: Database) -> DemoPlatform:
    return DemoPlatform(database, BASE_URL + "/")


def make_account(database: Database, *, handle: str = "alice", **fields: Any) -> int:
    with database.unit_of_work() as uow:
        values: dict[str, Any] = {
            "handle": handle,
            "display_name": f"{handle}的账号",
            "avatar_text": handle[:2],
            "bio": "一个测试账号",
            "subject_kind": "person",
            "subject_name": "测试用户",
            "follower_count": 1200,
            "status": "active",
            "created_at": uow.clock.now() - timedelta(days=30),
            **fields,
        }
        account = PlatformAccount(**values)
        uow.session.add(account)
        uow.session.flush()
        return account.id


def make_post(database: Database, *, account_id: int, **fields: Any) -> int:
    with database.unit_of_work() as uow:
        values: dict[str, Any] = {
            "account_id": account_id,
            "title": "标题",
            "body": "正文",
            "visibility": "public",
            "labels": [],
            "distribution": "normal",
            "created_at": uow.clock.now() - timedelta(hours=1),
            **fields,
        }
        post = PlatformPost(**values)
        uow.session.add(post)
        uow.session.flush()
        return post.id


@pytest.fixture
def account_id(database: Database) -> int:
    return make_account(database)


@pytest.fixture
def post_id(database: Database, account_id: int) -> int:
    return make_post(database, account_id=account_id, title="华锦科技要破产了", body="编造的内容")


_ids = iter(range(1, 1_000_000))


def message(measure: str, target: str, **params: Any) -> MeasureMessage:
    return MeasureMessage(
        message_id=f"msg-{next(_ids)}", measure=measure, target=target, params=params,
        basis=["WS-21"],
    )  # fmt: skip


def listed(database: Database) -> set[int]:
    return {post.id for post in latest_posts(database).posts}


def ledger_count(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def applied_count(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(AppliedMeasure)) or 0


def error_code(call: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# -- locators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locator", "expected"),
    [
        ("post:12", Target("post", 12)),
        ("account:3", Target("account", 3)),
        ("  post:7 ", Target("post", 7)),
        ("https://qinglang.example/demo-site/posts/12", Target("post", 12)),
        ("http://other.host:8000/demo-site/accounts/3/", Target("account", 3)),
        ("https://host/prefix/demo-site/posts/5?from=share#top", Target("post", 5)),
        ("/demo-site/posts/9", Target("post", 9)),
        ("demo-site/accounts/4", Target("account", 4)),
    ],
)
def test_locators_that_name_a_post_or_account(locator: str, expected: Target) -> None:
    assert parse_locator(locator) == expected


@pytest.mark.parametrize(
    "locator",
    [
        "",
        "post:",
        "post:abc",
        "video:3",
        "POST:3",
        "post:-1",
        "post:１２",  # full-width digits
        "https://host/demo-site/videos/3",
        "https://host/demo-site/posts/3/comments",
        "https://host/demo-site/posts/",
        "ftp://host/demo-site/posts/3",
        "javascript:alert(1)",
        "https:///demo-site/posts/3",
    ],
)
def test_a_locator_the_platform_cannot_read_is_refused(locator: str) -> None:
    assert error_code(lambda: parse_locator(locator)) == "unknown_locator"


# -- snapshots -----------------------------------------------------------------------


def test_snapshot_of_a_post_by_url_and_by_id_agree(
    platform: DemoPlatform, post_id: int, account_id: int, clock: FixedClock
) -> None:
    by_url = platform.fetch_snapshot(locator=f"{BASE_URL}/demo-site/posts/{post_id}")
    by_id = platform.fetch_snapshot(locator=f"post:{post_id}")
    assert by_url == by_id
    assert by_id.kind == "post"
    assert by_id.id == post_id
    assert by_id.url == f"{BASE_URL}/demo-site/posts/{post_id}"
    assert by_id.fetched_at == clock.now()
    assert by_id.content["title"] == "华锦科技要破产了"
    assert by_id.content["body"] == "编造的内容"
    assert by_id.content["account"]["id"] == account_id
    assert by_id.content["visibility"] == "public"
    assert by_id.content_sha256 == content_digest(by_id.content)
    assert re.fullmatch("[0-9a-f]{64}", by_id.content_sha256)


def test_snapshot_of_an_account(platform: DemoPlatform, account_id: int) -> None:
    snapshot = platform.fetch_snapshot(locator=f"/demo-site/accounts/{account_id}")
    assert snapshot.kind == "account"
    assert snapshot.url == f"{BASE_URL}/demo-site/accounts/{account_id}"
    assert snapshot.content["handle"] == "alice"
    assert snapshot.content["status"] == "active"
    assert snapshot.content["follower_count"] == 1200


def test_the_snapshot_hash_changes_with_the_content(platform: DemoPlatform, post_id: int) -> None:
    before = platform.fetch_snapshot(locator=f"post:{post_id}")
    platform.apply_measure(message=message("rumour_label", f"post:{post_id}"))
    after = platform.fetch_snapshot(locator=f"post:{post_id}")
    assert after.content["labels"] == ["rumour_label"]
    assert after.content_sha256 != before.content_sha256


@pytest.mark.parametrize("locator", ["post:999999", "account:999999", "post:99999999999999"])
def test_snapshot_of_a_missing_target(platform: DemoPlatform, locator: str) -> None:
    with pytest.raises(NotFound) as caught:
        platform.fetch_snapshot(locator=locator)
    assert caught.value.code == "target_not_found"


def test_snapshot_with_a_bad_locator(platform: DemoPlatform) -> None:
    assert error_code(lambda: platform.fetch_snapshot(locator="weibo:1")) == "unknown_locator"


def test_the_demo_platform_is_a_platform_adapter(platform: DemoPlatform) -> None:
    adapter: PlatformAdapter = platform
    assert adapter is platform


# -- content measures and what the public sees --------------------------------------


def test_remove_hides_the_post_everywhere(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    receipt = platform.apply_measure(message=message("remove", f"post:{post_id}"))
    assert receipt.applied
    assert not receipt.duplicate
    view = get_post(database, post_id=post_id)
    assert view.hidden == "removed"
    assert view.body is None
    assert view.title == ""
    assert post_id not in listed(database)


@pytest.mark.parametrize("params", [{"days": 3}, {"until": "2026-11-27T10:00:00+08:00"}])
def test_make_private_time_limited_hides_the_post_until_it_ends(
    database: Database,
    platform: DemoPlatform,
    post_id: int,
    clock: FixedClock,
    params: dict[str, Any],
) -> None:
    assert post_id in listed(database)
    platform.apply_measure(
        message=message("make_private_time_limited", f"post:{post_id}", **params)
    )
    assert get_post(database, post_id=post_id).hidden == "private"
    assert post_id not in listed(database)
    snapshot = platform.fetch_snapshot(locator=f"post:{post_id}")
    assert snapshot.content["private_until"] == "2026-11-27T02:00:00+00:00"

    clock.advance(timedelta(days=3))
    view = get_post(database, post_id=post_id)
    assert view.hidden is None
    assert view.body == "编造的内容"
    assert post_id in listed(database)


def test_restore_makes_a_removed_post_public_and_keeps_its_labels(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    target = f"post:{post_id}"
    platform.apply_measure(message=message("dispute_label", target))
    platform.apply_measure(message=message("remove", target))
    receipt = platform.apply_measure(message=message("restore", target))
    assert "public again" in receipt.effect
    view = get_post(database, post_id=post_id)
    assert view.hidden is None
    assert [label.code for label in view.labels] == ["dispute_label"]
    assert post_id in listed(database)


def test_restore_ends_a_time_limited_private_early(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    platform.apply_measure(message=message("make_private_time_limited", f"post:{post_id}", days=7))
    platform.apply_measure(message=message("restore", f"post:{post_id}"))
    assert get_post(database, post_id=post_id).hidden is None


@pytest.mark.parametrize(
    ("measure", "name"),
    [
        ("dispute_label", "争议标记"),
        ("rumour_label", "谣言标签"),
        ("fiction_label", "虚构/演绎标签"),
        ("ai_generated_label", "技术生成标识"),
    ],
)
def test_a_label_measure_shows_its_label_once(
    database: Database, platform: DemoPlatform, post_id: int, measure: str, name: str
) -> None:
    platform.apply_measure(message=message(measure, f"post:{post_id}"))
    again = platform.apply_measure(message=message(measure, f"post:{post_id}"))
    assert not again.duplicate
    assert "already" in again.effect
    view = get_post(database, post_id=post_id)
    assert [(label.code, label.name) for label in view.labels] == [(measure, name)]
    assert post_id in listed(database)


def test_reduce_distribution_leaves_the_list_but_not_the_post_page(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    platform.apply_measure(message=message("reduce_distribution", f"post:{post_id}"))
    assert post_id not in listed(database)
    view = get_post(database, post_id=post_id)
    assert view.hidden is None
    assert view.reduced


def test_make_private_on_a_removed_post_keeps_it_removed(
    database: Database, platform: DemoPlatform, post_id: int, clock: FixedClock
) -> None:
    platform.apply_measure(message=message("remove", f"post:{post_id}"))
    platform.apply_measure(message=message("make_private_time_limited", f"post:{post_id}", days=1))
    clock.advance(timedelta(days=2))
    assert get_post(database, post_id=post_id).hidden == "removed"


# -- account measures ----------------------------------------------------------------


def test_mute_shows_until_when_and_ends_by_itself(
    database: Database, platform: DemoPlatform, account_id: int, post_id: int, clock: FixedClock
) -> None:
    platform.apply_measure(message=message("mute", f"account:{account_id}", days=7))
    page = get_account_page(database, account_id=account_id)
    assert page.account.status == "muted"
    assert page.account.muted_until == clock.now() + timedelta(days=7)
    assert [post.id for post in page.posts.posts] == [post_id]
    assert post_id not in listed(database)  # SM-10: a muted account's posts leave the lists

    clock.advance(timedelta(days=7, seconds=1))
    page = get_account_page(database, account_id=account_id)
    assert page.account.status == "active"
    assert page.account.muted_until is None
    assert post_id in listed(database)
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.get(PlatformAccount, account_id)
        assert stored is not None
        assert stored.status == "muted"  # the end is computed, not written back


def test_close_hides_the_account_and_its_posts(
    database: Database, platform: DemoPlatform, account_id: int, post_id: int
) -> None:
    platform.apply_measure(message=message("close", f"account:{account_id}"))
    page = get_account_page(database, account_id=account_id)
    assert page.account.status == "closed"
    assert page.posts.posts == ()
    view = get_post(database, post_id=post_id)
    assert view.hidden == "account_closed"
    assert view.body is None
    assert view.account.display_name == "alice的账号"  # SM-4: the name is still shown
    assert post_id not in listed(database)
    receipt = platform.apply_measure(message=message("mute", f"account:{account_id}", days=1))
    assert "closed" in receipt.effect
    assert get_account_page(database, account_id=account_id).account.status == "closed"


def test_reset_profile_resets_name_avatar_and_bio(
    database: Database, platform: DemoPlatform, account_id: int
) -> None:
    platform.apply_measure(message=message("reset_profile", f"account:{account_id}"))
    account = get_account_page(database, account_id=account_id).account
    assert account.display_name == f"用户{account_id}"
    assert account.avatar_text == "用户"
    assert account.bio == ""


def test_clear_all_followers(database: Database, platform: DemoPlatform, account_id: int) -> None:
    receipt = platform.apply_measure(
        message=message("clear_all_followers", f"account:{account_id}")
    )
    assert "1200 → 0" in receipt.effect
    assert get_account_page(database, account_id=account_id).account.follower_count == 0


@pytest.mark.parametrize("measure", sorted(RECORDED_ONLY))
def test_measures_without_a_demo_function_are_recorded_honestly(
    database: Database, platform: DemoPlatform, account_id: int, post_id: int, measure: str
) -> None:
    target = f"post:{post_id}" if measure in CONTENT_MEASURES else f"account:{account_id}"
    before = platform.fetch_snapshot(locator=target)
    receipt = platform.apply_measure(message=message(measure, target, days=30))
    assert receipt.applied
    assert "recorded" in receipt.effect
    assert platform.fetch_snapshot(locator=target).content == before.content
    assert applied_count(database) == 1


def test_every_platform_measure_has_an_effect_or_an_honest_record() -> None:
    from qinglang.platform.demo_effects import ACCOUNT_EFFECTS, POST_EFFECTS

    assert set(POST_EFFECTS) | (set(RECORDED_ONLY) & CONTENT_MEASURES) == CONTENT_MEASURES
    assert set(ACCOUNT_EFFECTS) | (set(RECORDED_ONLY) & ACCOUNT_MEASURES) == ACCOUNT_MEASURES
    assert not set(POST_EFFECTS) & set(RECORDED_ONLY)
    assert not set(ACCOUNT_EFFECTS) & set(RECORDED_ONLY)


# -- idempotency and the ledger ------------------------------------------------------


def test_a_redelivered_message_changes_nothing(
    database: Database, platform: DemoPlatform, account_id: int, clock: FixedClock
) -> None:
    first = message("mute", f"account:{account_id}", days=7)
    platform.apply_measure(message=first)
    entries = ledger_count(database)
    clock.advance(timedelta(days=8))  # the period has ended: a re-run would refuse it
    again = platform.apply_measure(message=first)
    assert again.message_id == first.message_id
    assert again.applied
    assert again.duplicate
    assert "nothing changed" in again.effect
    assert ledger_count(database) == entries
    assert applied_count(database) == 1
    assert get_account_page(database, account_id=account_id).account.status == "active"


def test_a_message_id_reused_for_another_measure_is_a_conflict(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    platform.apply_measure(message=MeasureMessage("m-1", "rumour_label", f"post:{post_id}"))
    with pytest.raises(Conflict) as caught:
        platform.apply_measure(message=MeasureMessage("m-1", "remove", f"post:{post_id}"))
    assert caught.value.code == "message_id_reused"
    assert get_post(database, post_id=post_id).hidden is None


def test_an_applied_measure_is_in_the_ledger(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    sent = message("remove", f"{BASE_URL}/demo-site/posts/{post_id}")
    receipt = platform.apply_measure(message=sent)
    (entry,) = ledger.recent_entries(
        database, subject=Subject.of(SubjectType.PLATFORM_POST, post_id)
    )
    assert entry.event == LedgerEvent.PLATFORM_MEASURE_APPLIED
    assert entry.actor == "system:demo-platform"
    payload = json.loads(entry.payload)
    assert payload["message_id"] == sent.message_id
    assert payload["measure"] == "remove"
    assert payload["target"] == f"post:{post_id}"
    assert payload["basis"] == ["WS-21"]
    assert payload["effect"] == receipt.effect
    assert payload["before"]["visibility"] == "public"
    assert payload["after"]["visibility"] == "removed"
    assert ledger.verify(database).ok


def test_concurrent_deliveries_apply_once_and_lose_no_update(
    database: Database, platform: DemoPlatform, post_id: int
) -> None:
    same = message("remove", f"post:{post_id}")
    labels = [message(code, f"post:{post_id}") for code in ("rumour_label", "dispute_label")]
    with ThreadPoolExecutor(max_workers=6) as pool:
        receipts = list(
            pool.map(lambda sent: platform.apply_measure(message=sent), [same] * 4 + labels)
        )
    assert [receipt.duplicate for receipt in receipts[:4]].count(False) == 1
    assert applied_count(database) == 3
    view = get_post(database, post_id=post_id)
    assert view.hidden == "removed"
    with database.unit_of_work(read_only=True) as uow:
        stored = uow.session.get(PlatformPost, post_id)
        assert stored is not None
        assert sorted(stored.labels) == ["dispute_label", "rumour_label"]
    assert ledger.verify(database).ok


# -- refused messages: each with its code, and nothing written -----------------------


def assert_nothing_written(database: Database, post_id: int, entries: int) -> None:
    assert ledger_count(database) == entries
    assert applied_count(database) == 0
    view = get_post(database, post_id=post_id)
    assert view.hidden is None
    assert view.labels == ()


@pytest.mark.parametrize("measure", ["delete_everything", "report_to_regulator", "", "REMOVE"])
def test_unknown_measure(
    database: Database, platform: DemoPlatform, post_id: int, measure: str
) -> None:
    entries = ledger_count(database)
    sent = message(measure, f"post:{post_id}")
    assert error_code(lambda: platform.apply_measure(message=sent)) == "unknown_measure"
    assert_nothing_written(database, post_id, entries)


@pytest.mark.parametrize(
    ("measure", "target"), [("remove", "account"), ("rumour_label", "account"), ("mute", "post")]
)
def test_measure_on_the_wrong_kind_of_target(
    database: Database,
    platform: DemoPlatform,
    post_id: int,
    account_id: int,
    measure: str,
    target: str,
) -> None:
    entries = ledger_count(database)
    ref = f"post:{post_id}" if target == "post" else f"account:{account_id}"
    sent = message(measure, ref, days=1)
    assert error_code(lambda: platform.apply_measure(message=sent)) == "measure_target_mismatch"
    assert_nothing_written(database, post_id, entries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"until": "2026-11-20T10:00:00+08:00"},  # in the past
        {"until": "2026-11-24T10:00:00+08:00"},  # now
        {"until": "2026-12-01T10:00:00"},  # no time zone
        {"until": "next week"},
        {"until": 1764000000},
        {"until": "9999-12-31T23:59:59-12:00"},
        {"days": 0},
        {"days": -3},
        {"days": 1.5},
        {"days": True},
        {"days": "7"},
        {"days": 100_000},
        {"days": 7, "until": "2026-12-01T10:00:00+08:00"},
    ],
)
def test_bad_period_params(
    database: Database, platform: DemoPlatform, post_id: int, params: dict[str, Any]
) -> None:
    entries = ledger_count(database)
    sent = MeasureMessage("p-1", "make_private_time_limited", f"post:{post_id}", params)
    assert error_code(lambda: platform.apply_measure(message=sent)) == "invalid_measure_params"
    assert_nothing_written(database, post_id, entries)


def test_mute_needs_a_period(database: Database, platform: DemoPlatform, account_id: int) -> None:
    sent = message("mute", f"account:{account_id}")
    assert error_code(lambda: platform.apply_measure(message=sent)) == "invalid_measure_params"
    assert get_account_page(database, account_id=account_id).account.status == "active"


def test_params_must_be_plain_json(platform: DemoPlatform, post_id: int) -> None:
    sent = MeasureMessage("j-1", "remove", f"post:{post_id}", {"at": datetime.now(UTC)})
    assert error_code(lambda: platform.apply_measure(message=sent)) == "invalid_measure_params"


def test_bad_target_locator_in_a_message(platform: DemoPlatform) -> None:
    sent = message("remove", "https://elsewhere.example/p/1")
    assert error_code(lambda: platform.apply_measure(message=sent)) == "unknown_locator"


def test_measure_on_a_missing_target(database: Database, platform: DemoPlatform) -> None:
    sent = message("remove", "post:424242")
    with pytest.raises(NotFound) as caught:
        platform.apply_measure(message=sent)
    assert caught.value.code == "target_not_found"
    assert applied_count(database) == 0


@pytest.mark.parametrize("message_id", ["", "x" * 65])
def test_bad_message_id(platform: DemoPlatform, post_id: int, message_id: str) -> None:
    sent = MeasureMessage(message_id, "remove", f"post:{post_id}")
    with pytest.raises(InvalidInput) as caught:
        platform.apply_measure(message=sent)
    assert caught.value.code == "invalid_message_id"


def test_a_failure_after_the_change_leaves_nothing_half_written(
    database: Database, platform: DemoPlatform, post_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = ledger_count(database)

    def broken_append(*args: object, **kwargs: object) -> None:
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr("qinglang.platform.demo.ledger.append", broken_append)
    with pytest.raises(RuntimeError):
        platform.apply_measure(message=message("remove", f"post:{post_id}"))
    assert_nothing_written(database, post_id, entries)


# -- the latest list -------------------------------------------------------------------


def test_latest_list_pages_newest_first(database: Database) -> None:
    seed_demo_platform(database, actor=SEEDER)
    first = latest_posts(database)
    assert len(first.posts) == 20
    assert first.next_before == first.posts[-1].id
    second = latest_posts(database, before=first.next_before)
    shown = [*first.posts, *second.posts]
    assert len({post.id for post in shown}) == len(shown)
    times = [post.created_at for post in shown]
    assert times == sorted(times, reverse=True)
    everything: list[int] = []
    page = first
    while True:
        everything += [post.id for post in page.posts]
        if page.next_before is None:
            break
        page = latest_posts(database, before=page.next_before)
    assert len(everything) == len(load_seed_data().posts)


@pytest.mark.parametrize("before", [0, -1, 987654, 2**40])
def test_latest_list_with_a_cursor_that_names_no_post(database: Database, before: int) -> None:
    assert error_code(lambda: latest_posts(database, before=before)) == "invalid_cursor"


# -- seeding -------------------------------------------------------------------------


def test_seeding_fills_the_platform_once(database: Database, clock: FixedClock) -> None:
    first = seed_demo_platform(database, actor=SEEDER)
    assert not first.already_seeded
    assert first.accounts >= 24
    assert first.posts >= 48
    assert ledger_count(database) == first.accounts + first.posts + 1
    entries = ledger.recent_entries(database, limit=1)
    assert entries[0].event == LedgerEvent.DEMO_DATA_SEEDED
    assert entries[0].actor == "system:seeder"

    again = seed_demo_platform(database, actor=SEEDER)
    assert again.already_seeded
    assert (again.accounts, again.posts) == (first.accounts, first.posts)
    assert ledger_count(database) == first.accounts + first.posts + 1
    assert ledger.verify(database).ok

    with database.unit_of_work(read_only=True) as uow:
        posts = list(uow.session.scalars(select(PlatformPost).order_by(PlatformPost.id)))
        kinds = set(uow.session.scalars(select(PlatformAccount.subject_kind)))
    assert kinds == {"person", "enterprise", "media", "government"}
    times = [post.created_at for post in posts]
    assert times == sorted(times)  # ids follow publication time
    assert all(post.created_at <= clock.now() for post in posts)
    assert all(post.created_at >= post.account.created_at for post in posts)


def test_seeded_accounts_include_an_impersonator_and_the_enterprise() -> None:
    data = load_seed_data()
    names = {account.display_name: account for account in data.accounts}
    assert names["华锦科技"].subject_kind == "enterprise"
    assert names["华锦科技官方客服"].subject_kind == "person"


def test_seed_personal_data_is_obviously_fake() -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    phones = re.findall(r"(?<!\d)1[3-9]\d-?\d{4}-?\d{4}(?!\d)", text)
    assert phones
    assert all(re.fullmatch(r"1[3-9]\d-0000-0000", phone) for phone in phones)
    identity_numbers = re.findall(r"(?<!\d)\d{17}[\dX](?!\d)", text)
    assert identity_numbers
    assert all(number.startswith("000000") for number in identity_numbers)


def test_a_bad_seed_file_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "seed.toml"
    path.write_text(
        """
[[accounts]]
handle = "Bad Handle"
display_name = "x"
avatar = "x"
subject_kind = "alien"
subject_name = "x"
followers = -1
days_ago = 1

[[posts]]
account = "nobody"
hours_ago = 1
body = "x"
labels = ["pinned"]
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError) as caught:
        load_seed_data(path)
    assert caught.value.code == "invalid_seed_data"
    message_text = str(caught.value)
    assert str(path) in message_text
    for where in (
        "accounts[0].handle",
        "accounts[0].subject_kind",
        "accounts[0].followers",
        "posts[0].account",
        "posts[0].labels",
    ):
        assert where in message_text
