"""A decided case tells the reported party on the platform: its demo-site page shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from qinglang.cli.worker import platform_adapter, run_round
from qinglang.db.engine import Database
from qinglang.notices.models import Notice
from qinglang.platform.models import PlatformAccount, PlatformNotice, PlatformPost
from qinglang.settings import Settings
from qinglang.web.app import create_app
from tests.api.conftest import bearer
from tests.api.test_cases_api import claim_and_assess, open_case
from tests.api.test_cases_api import people as people  # the fixture
from tests.reporting import upload

# Text the page must escape: a platform name and an objection reason with markup in them.
PLATFORM_NAME = "云泽圈<b>合规</b>&团队"
PEOPLE = dict[str, dict[str, str]]


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"platform_name": PLATFORM_NAME})


@pytest.fixture
def client(app_settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings, database=database)) as test_client:
        yield test_client


def account_of(database: Database, post: int) -> int:
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.get(PlatformPost, post)
        assert found is not None
        return found.account_id


def worker(database: Database, settings: Settings) -> None:
    run_round(database, settings, platform_adapter(database, settings), worker="test-worker")


def decide_removal(client: TestClient, people: PEOPLE, post: int) -> int:
    case_id = open_case(client, people, post=post)
    assessed = claim_and_assess(client, people, case_id)
    decided = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert decided.json()["status"] == "decided", decided.text
    return case_id


def inbox_items(page: str) -> list[str]:
    return re.findall(r'<article class="inbox-item" id="notice-\d+">(.*?)</article>', page, re.S)


def notices_of(database: Database, **where: Any) -> list[Notice]:
    with database.unit_of_work(read_only=True) as uow:
        query = select(Notice).filter_by(**where).order_by(Notice.id)
        return list(uow.session.scalars(query))


def test_the_posts_account_sees_the_measure_its_basis_and_how_to_object(
    client: TestClient, database: Database, app_settings: Settings, people: PEOPLE
) -> None:
    account = account_of(database, 1)
    case_id = decide_removal(client, people, post=1)
    before = client.get(f"/demo-site/accounts/{account}")
    assert before.status_code == 200
    assert "平台通知" not in before.text  # written with the decision, not yet delivered

    worker(database, app_settings)
    worker(database, app_settings)  # the worker again: the account is told once

    page = client.get(f"/demo-site/accounts/{account}").text
    assert "平台通知" in page
    (item,) = inbox_items(page)
    assert "处置通知：您的发布的信息" in item
    assert "- 删除（或同等效果）（依据：WS-20 第二十条）" in item  # the measure and its basis
    assert "前提出申诉" in item  # how and until when to object (WS-24)
    assert "第二十四条" in item
    assert "云泽圈&lt;b&gt;合规&lt;/b&gt;&amp;团队" in item  # escaped, never markup
    assert "<b>合规</b>" not in page
    (party,) = notices_of(database, case_id=case_id, recipient="reported_party")
    assert (party.channel, party.address, party.status) == ("platform", "post:1", "sent")
    assert party.account == f"account:{account}"
    with database.unit_of_work(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(PlatformNotice)) == 1
    timeline = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["timeline"]
    assert [e["event"] for e in timeline].count("notice_sent") == 1
    # The post's account is told; other accounts' pages show nothing of it.
    with database.unit_of_work(read_only=True) as uow:
        other = uow.session.scalar(
            select(PlatformAccount.id).where(PlatformAccount.id != account).limit(1)
        )
    assert "平台通知" not in client.get(f"/demo-site/accounts/{other}").text


def test_the_reporter_is_told_by_e_mail_not_through_the_platform(
    client: TestClient, database: Database, app_settings: Settings, people: PEOPLE
) -> None:
    from tests.reporting import submission

    body = submission(client, people["bot"], url="https://demo.example.cn/demo-site/posts/2")
    body["reporter"]["email"] = "wang@example.cn"
    case_id = client.post("/api/v1/reports", json=body, headers=people["bot"]).json()["case_id"]
    assessed = claim_and_assess(client, people, case_id)
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    worker(database, app_settings)
    (reporter,) = notices_of(database, case_id=case_id, recipient="reporter")
    assert (reporter.channel, reporter.status) == ("email", "kept")  # no mail server: mailbox
    with database.unit_of_work(read_only=True) as uow:
        shown = list(uow.session.scalars(select(PlatformNotice)))
    assert [n.about for n in shown] == ["post:2"]  # only the reported party's


def test_the_objection_outcome_reaches_the_account_too(
    client: TestClient, database: Database, app_settings: Settings, people: PEOPLE
) -> None:
    account = account_of(database, 3)
    case_id = decide_removal(client, people, post=3)
    worker(database, app_settings)
    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    proof = upload(client, relay, "检测报告.png")
    objected = client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": f"account:{account}", "statement": "有检测报告为证", "evidence": [proof]},
        headers=relay,
    )
    assert objected.status_code == 201, objected.text
    version = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
    decided = client.post(
        f"/api/v1/cases/{case_id}/objection-decision",
        json={
            "version": version,
            "outcome": "revoke",
            "reason": "检测报告证明内容属实 <script>alert(1)</script>",
        },
        headers=people["li"],
    )
    assert decided.status_code == 200, decided.text
    worker(database, app_settings)
    worker(database, app_settings)

    page = client.get(f"/demo-site/accounts/{account}").text
    newest, oldest = inbox_items(page)
    assert "处置通知" in oldest
    assert f"申诉处理结果（案件 {case_id}）" in newest
    assert "撤销处置并恢复" in newest
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in newest
    assert "<script" not in page
    outcome = notices_of(
        database, case_id=case_id, recipient="reported_party", kind="objection_outcome"
    )
    assert [(n.address, n.account, n.status) for n in outcome] == [
        (f"account:{account}", f"account:{account}", "sent")
    ]
    assert "该内容已被删除" not in client.get("/demo-site/posts/3").text  # restored


def test_a_party_named_in_words_is_told_through_the_content_the_measures_acted_on(
    client: TestClient, database: Database, app_settings: Settings, people: PEOPLE
) -> None:
    account = account_of(database, 5)
    case_id = decide_removal(client, people, post=5)
    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    proof = upload(client, relay, "说明.png")
    client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={"party": "某自媒体作者", "statement": "内容属实", "evidence": [proof]},
        headers=relay,
    )
    version = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
    upheld = client.post(
        f"/api/v1/cases/{case_id}/objection-decision",
        json={"version": version, "outcome": "uphold", "reason": "证据不足"},
        headers=people["li"],
    )
    assert upheld.status_code == 200, upheld.text
    worker(database, app_settings)
    outcome = notices_of(database, case_id=case_id, kind="objection_outcome")
    assert [(n.address, n.account, n.status) for n in outcome] == [
        ("post:5", f"account:{account}", "sent")
    ]
    page = client.get(f"/demo-site/accounts/{account}").text
    assert "维持原处置" in page
