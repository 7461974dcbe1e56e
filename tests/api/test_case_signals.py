"""The signals on a case page: detection hits, reporters' history, other cases on the account."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.detect.registry import ProtectedName
from qinglang.platform.models import PlatformAccount, PlatformPost
from qinglang.platform.seed import seed_demo_platform
from tests.api.conftest import add_user, bearer
from tests.reporting import submission

# The demo seed's impersonating account (华锦科技官方客服) and its two posts; the second
# gives a phone number (fictional, 138-0000-0000).
NOTICE_POST = "【官方通知】华锦智能门锁召回补偿"
HOTLINE_POST = "华锦售后专线"
CLEAR_FORMS = ("138-0000-0000", "13800000000", "+8613800000000")
ANOTHER = {"name": "另一家公司"}  # another right holder: another reporter (WS-18 key)
NO_FACTS = {
    code: {"value": False, "reason": "查无实据"}
    for code in ("facts_clear", "evidence_sufficient", "grounds_sufficient")
}


@pytest.fixture
def people(database: Database) -> dict[str, dict[str, str]]:
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "intake-bot", "reviewer")
    add_user(database, "other-bot", "reviewer")
    add_user(database, "li", "reviewer")
    return {
        "bot": bearer(database, "intake-bot", "reports:submit"),
        "other": bearer(database, "other-bot", "reports:submit"),
        "li": bearer(database, "li", "cases:review", "reports:read"),
    }


def post_id(database: Database, title: str) -> int:
    with database.unit_of_work(read_only=True) as uow:
        found: int = uow.session.scalars(
            select(PlatformPost.id).where(PlatformPost.title == title)
        ).one()
    return found


def account_id(database: Database, handle: str) -> int:
    with database.unit_of_work(read_only=True) as uow:
        found: int = uow.session.scalars(
            select(PlatformAccount.id).where(PlatformAccount.handle == handle)
        ).one()
    return found


def report(client: TestClient, headers: dict[str, str], path: str, **fields: Any) -> int:
    body = submission(
        client,
        headers,
        category="impersonation",
        url=f"https://demo.example.cn/demo-site/{path}",
        **fields,
    )
    answer = client.post("/api/v1/reports", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def decide_unfounded(client: TestClient, headers: dict[str, str], case_id: int) -> None:
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=headers).json()
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={"version": claimed["version"], "facts": NO_FACTS},
        headers=headers,
    ).json()
    decided = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [], "reason": "查无实据"},
        headers=headers,
    )
    assert decided.json()["status"] == "decided", decided.text


def protect_the_enterprise(client: TestClient, database: Database) -> None:
    """The platform's verified enterprise account, as the accounts issue will register it:
    the app's own detector (built at start-up) is the one the case page must use."""
    detection = client.app.state.detection  # type: ignore[attr-defined]
    owner = f"account:{account_id(database, 'huajin_tech')}"
    detection.registry = detection.registry.with_verified(
        [ProtectedName(name="华锦科技", aliases=(), category="enterprise", owner=owner)]
    )


def texts_of(view: dict[str, Any], **where: str) -> list[dict[str, Any]]:
    texts: list[dict[str, Any]] = view["signals"]["detection"]["texts"]
    return [t for t in texts if all(t.get(k) == v for k, v in where.items())]


def test_a_case_shows_pii_masked_the_name_check_the_reporter_and_the_accounts_other_cases(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    protect_the_enterprise(client, database)
    notice, hotline = post_id(database, NOTICE_POST), post_id(database, HOTLINE_POST)
    impostor = account_id(database, "huajin_kefu_888")
    earlier = report(client, people["bot"], f"posts/{notice}")
    decide_unfounded(client, people["li"], earlier)
    # The genuine enterprise's own post, reported by someone else: another account.
    with database.unit_of_work(read_only=True) as uow:
        genuine = uow.session.scalars(
            select(PlatformPost.id)
            .join(PlatformAccount)
            .where(PlatformAccount.handle == "huajin_tech")
            .order_by(PlatformPost.id)
            .limit(1)
        ).one()
    unrelated = report(client, people["other"], f"posts/{genuine}", right_holder=ANOTHER)
    case_id = report(client, people["bot"], f"posts/{hotline}")

    answer = client.get(f"/api/v1/cases/{case_id}", headers=people["li"])
    assert answer.status_code == 200, answer.text
    for clear in CLEAR_FORMS:
        assert clear not in answer.text
    view = answer.json()
    signals = view["signals"]

    # Detection: the phone in the post's body, masked, with where it is.
    (body,) = texts_of(view, source="target", target=f"content:{hotline}", field="body")
    assert body["truncated"] is False
    phones = [h for h in body["hits"] if h["type"] == "pii"]
    assert [(h["kind"], h["masked"]) for h in phones] == [("phone", "138****0000")]
    start, end = phones[0]["span"]
    assert end - start == len("138-0000-0000")
    assert phones[0]["excerpt"]["match"] == "138****0000"
    assert body["evidence"] in {e["id"] for e in view["reports"][-1]["evidence"]}

    # The account name impersonates the protected enterprise (SM-1).
    (name,) = texts_of(view, target=f"content:{hotline}", field="account.display_name")
    assert name["account"] == f"account:{impostor}"
    assert name["name_check"] == {"verdict": "refuse", "name": "华锦科技官方客服"}
    (reason,) = [h for h in name["hits"] if h["type"] == "name_check"]
    assert reason["code"] == "impersonates_protected_name"
    assert reason["matched"] == "华锦科技"
    assert reason["span"] == [0, 4]

    # The statement is scanned too.
    (statement,) = texts_of(view, source="report", field="statement")
    assert statement["report"] == view["reports"][0]["tracking_no"]

    # The reporter: two reports in the window, one decided, found unfounded.
    (reporter,) = signals["reporters"]["reporters"]
    assert reporter["reports_in_case"] == [view["reports"][0]["tracking_no"]]
    assert (reporter["reports"], reporter["decided"], reporter["unfounded"]) == (2, 1, 1)
    assert reporter["forged"] == 0
    assert reporter["standing"] is None  # the default thresholds need five decided reports
    assert signals["reporters"]["window_days"] == 90

    # Other cases: the impostor's other post, not the genuine enterprise's.
    other = signals["other_cases"]
    assert other["accounts"] == [f"account:{impostor}"]
    assert [c["id"] for c in other["cases"]] == [earlier]
    assert unrelated not in [c["id"] for c in other["cases"]]
    (listed,) = other["cases"]
    assert listed["status"] == "decided"
    assert listed["decided_at"] is not None
    assert listed["measures"] == []
    assert listed["via"] == [f"content:{notice}"]
    assert listed["category"] == "impersonation"


def test_a_case_on_the_account_lists_the_cases_on_its_posts_newest_first(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    notice, hotline = post_id(database, NOTICE_POST), post_id(database, HOTLINE_POST)
    impostor = account_id(database, "huajin_kefu_888")
    first = report(client, people["bot"], f"posts/{notice}")
    second = report(client, people["other"], f"posts/{hotline}", right_holder=ANOTHER)
    on_account = report(client, people["bot"], f"accounts/{impostor}")

    view = client.get(f"/api/v1/cases/{on_account}", headers=people["li"]).json()
    other = view["signals"]["other_cases"]
    assert [c["id"] for c in other["cases"]] == [second, first]
    assert [c["via"] for c in other["cases"]] == [[f"content:{hotline}"], [f"content:{notice}"]]
    # The account's snapshot: its name (no protected name registered here: a verdict still)
    # and its bio, with the lure in it.
    (name,) = texts_of(view, target=f"account:{impostor}", field="display_name")
    assert name["name_check"]["verdict"] == "allow"
    assert texts_of(view, target=f"account:{impostor}", field="bio")

    # And the post's case lists the case on its account.
    view = client.get(f"/api/v1/cases/{second}", headers=people["li"]).json()
    listed = {c["id"]: c["via"] for c in view["signals"]["other_cases"]["cases"]}
    assert listed == {on_account: [f"account:{impostor}"], first: [f"content:{notice}"]}
    # Its one reporter, the other right holder, counted on their own.
    (reporter,) = view["signals"]["reporters"]["reporters"]
    assert reporter["reports"] == 1


def test_a_case_without_snapshots_still_has_signals(
    client: TestClient, people: dict[str, dict[str, str]]
) -> None:
    body = submission(client, people["bot"], url="https://news.example.cn/a/1")
    body["statement"] = "该文章捏造事实，作者微信 wxid_abcdef12 散布，联系电话 13900001234。"
    answer = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["case_id"]
    response = client.get(f"/api/v1/cases/{case_id}", headers=people["li"])
    assert "13900001234" not in response.text
    view = response.json()
    (statement,) = texts_of(view, source="report")
    kinds = {(h["type"], h["kind"]) for h in statement["hits"]}
    assert ("pii", "phone") in kinds
    assert ("link", "wechat") in kinds
    assert texts_of(view, source="target") == []
    assert view["signals"]["other_cases"]["cases"] == []
