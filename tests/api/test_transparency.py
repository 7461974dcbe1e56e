"""``/transparency`` (BS-1, RC-1): channels and zones, a month's results by category, typical
cases (said plainly to be unpublished), and the ledger's public key — for anyone, no script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.measures.outbox import deliver_due
from qinglang.oversight import signing
from qinglang.platform.demo import DemoPlatform
from qinglang.settings import Settings
from tests.api.test_cases_api import claim_and_assess, open_case, people
from tests.reporting import PACK, submission

__all__ = ["people"]  # a fixture, imported for pytest
People = dict[str, dict[str, str]]


def test_it_lists_every_channel_and_zone_without_signing_in(client: TestClient) -> None:
    page = client.get("/transparency")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="zh-CN">' in text
    assert "<script" not in text
    assert 'href="/report"' in text
    assert "涉企举报专区" in text
    assert "/api/v1/reports" in text  # the API channel
    assert 'href="/report?zone=rapid_channel"' in text
    assert "网络暴力信息举报快速处置通道" in text
    assert "网络暴力、侵害未成年人网络合法权益的举报" in text  # what the rapid channel takes
    assert "全天候受理，最迟" in text  # its limit in hours
    # the campaigns' zones with their periods (all three ended in 2023: no link to a closed zone)
    assert "优化营商网络环境" in text or "营商" in text
    assert "2023-04-28 – 2023-07-27" in text
    assert 'href="/report?zone=business_environment_zone"' not in text
    assert "已结束" in text
    assert "典型案例尚未发布" in text
    assert "工作台账公钥尚未发布" in text


def test_english_on_request(client: TestClient) -> None:
    page = client.get("/transparency?lang=en")
    assert '<html lang="en">' in page.text
    assert "Rapid channel for cyber-violence reports" in page.text
    assert "Typical cases are not published yet." in page.text
    assert "The ledger&#39;s public key is not yet published." in page.text
    assert 'name="lang" value="en"' in page.text  # the month form keeps the language


def test_the_public_key_and_its_fingerprint_once_created(
    client: TestClient, database: Database, settings: Settings
) -> None:
    info = signing.create_key(database, settings=settings, actor=Actor.operator("root"))
    page = client.get("/transparency")
    assert info.fingerprint in page.text
    assert "-----BEGIN PUBLIC KEY-----" in page.text
    assert "尚未发布。" not in page.text.split("工作台账公钥")[-1]


def row(text: str, label: str) -> list[int]:
    found = re.search(rf"<tr><t[dh][^>]*>{re.escape(label)}</t[dh]>((?:<td>\d+</td>)+)</tr>", text)
    assert found, f"no row for {label}"
    return [int(n) for n in re.findall(r"<td>(\d+)</td>", found.group(1))]


def test_a_months_results_by_category(
    client: TestClient, database: Database, people: People
) -> None:
    decided = open_case(client, people, post=1)
    open_case(client, people, post=2)
    insult = submission(client, people["bot"], category="insult", url="https://bbs.example.cn/t/1")
    assert client.post("/api/v1/reports", json=insult, headers=people["bot"]).status_code == 201
    assessed = claim_and_assess(client, people, decided)
    proposed = client.post(
        f"/api/v1/cases/{decided}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.json()["status"] == "decided"
    deliver_due(database, DemoPlatform(database, "http://test"), worker="t", batch=10)
    page = client.get("/transparency", params={"period": "2026-11"})
    rumour = PACK.category("rumour")
    insulting = PACK.category("insult")
    assert rumour is not None
    assert insulting is not None
    # received, decided, content removed, accounts handled
    assert row(page.text, rumour.label.zh) == [2, 1, 1, 0]
    assert row(page.text, insulting.label.zh) == [1, 0, 0, 0]
    assert row(page.text, "合计") == [3, 1, 1, 0]
    assert "2026-11-01 至 2026-11-30" in page.text
    earlier = client.get("/transparency", params={"period": "2026-10"})
    assert "本月没有收到或处置举报。" in earlier.text


def test_a_bad_month_is_said_and_this_month_shown(client: TestClient) -> None:
    page = client.get("/transparency", params={"period": "2026-13"})
    assert page.status_code == 200
    assert "月份格式应为 2026-11；现显示本月情况。" in page.text
    assert 'value="2026-11"' in page.text  # the test clock's month
