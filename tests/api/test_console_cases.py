"""The reviewer's console: queues with time left, one case on one page, and the review
actions as plain forms (claim, facts and conditions, proposal, sign-off) without JavaScript."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from tests.api.conftest import csrf_of, sign_in
from tests.api.test_cases_api import open_case
from tests.api.test_cases_api import people as people  # the fixture
from tests.api.test_rapid_channel_api import rapid, submit

People = dict[str, dict[str, str]]


def form(client: TestClient, path: str, data: dict[str, str], page: str) -> object:
    html = client.get(page).text
    return client.post(path, data={**data, "csrf_token": csrf_of(html)}, follow_redirects=False)


def version_on(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def test_the_queue_shows_flags_time_left_and_claims(
    client: TestClient, database: Database, people: People
) -> None:
    plain = open_case(client, people, post=1)
    body = rapid(post=3, involves_minor=True)
    body["statement"] = "有人公开了我的电话 13800001111 <script>alert(1)</script>"
    violent = submit(client, people["bot"], body)["case_id"]
    sign_in(client, "li")
    page = client.get("/console/cases").text
    assert page.index(f"#{violent}<") < page.index(f"#{plain}<")  # the rapid case first
    assert "快速通道" in page
    assert "未成年人" in page
    assert "剩余 11 小时 59 分钟" in page or "剩余 12 小时 0 分钟" in page
    assert re.search(r'办理中 <span class="count">\(2\)</span>', page)
    claimed = form(client, f"/console/cases/{violent}/claim", {}, "/console/cases")
    assert claimed.status_code == 303  # type: ignore[attr-defined]
    case_page = client.get(f"/console/cases/{violent}").text
    assert "您持有此案件至" in case_page
    assert "<script>alert(1)</script>" not in case_page
    assert "&lt;script&gt;" in case_page  # what the reporter wrote is shown as text
    assert "13800001111" not in case_page  # and personal data masked
    assert "138****1111" in case_page
    english = client.get(f"/console/cases/{violent}?lang=en").text
    assert "The engine&#39;s recommendation" not in english  # nothing recorded yet
    assert "Facts, conditions and grading" in english


def test_a_reviewer_decides_a_case_through_the_forms(
    client: TestClient, database: Database, people: People
) -> None:
    case_id = submit(client, people["bot"], rapid(post=5))["case_id"]
    sign_in(client, "li")
    page = f"/console/cases/{case_id}"
    form(client, f"{page}/claim", {}, page)
    html = client.get(page).text
    assessed = form(
        client,
        f"{page}/assessment",
        {
            "version": version_on(html),
            "fact.facts_clear": "yes",
            "why.facts_clear": "截图与快照一致",
            "fact.evidence_sufficient": "yes",
            "why.evidence_sufficient": "快照保存了原帖",
            "condition.first_post": "1",
            "why.first_post": "该账号最早发布",
        },
        page,
    )
    assert assessed.status_code == 303  # type: ignore[attr-defined]
    html = client.get(page).text
    assert "引擎的处置建议" in html
    assert "GD-1" in html
    assert "较重" in html
    proposed = form(
        client,
        f"{page}/proposal",
        {"version": version_on(html), "measure": "remove", "reason": ""},
        page,
    )
    # Leaving out the account measures departs from the recommendation: a reason is needed.
    assert proposed.status_code == 422  # type: ignore[attr-defined]
    assert "reason_required" in proposed.text  # type: ignore[attr-defined]
    proposed = form(
        client,
        f"{page}/proposal",
        {"version": version_on(html), "measure": "remove", "reason": "账号已被平台另案关闭"},
        page,
    )
    assert proposed.status_code == 303  # type: ignore[attr-defined]
    html = client.get(page).text
    assert "待审批" in html
    assert "偏离引擎建议" in html
    # The reviewer cannot sign off (and sees no approval form); an approver can.
    assert f'action="/console/cases/{case_id}/approval"' not in html
    now = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()["version"]
    own = form(client, f"{page}/approval", {"version": str(now), "decision": "approve"}, page)
    assert own.status_code == 403  # type: ignore[attr-defined]
    sign_in(client, "wang")
    html = client.get(page).text
    approved = form(
        client,
        f"{page}/approval",
        {"version": version_on(html), "decision": "approve", "note": "同意"},
        page,
    )
    assert approved.status_code == 303  # type: ignore[attr-defined]
    html = client.get(page).text
    assert "已办结" in html
    assert "已记录处置措施" in html  # the timeline, read from the ledger


def test_a_stale_form_is_refused_and_says_so(client: TestClient, people: People) -> None:
    case_id = open_case(client, people, post=2)
    sign_in(client, "li")
    page = f"/console/cases/{case_id}"
    form(client, f"{page}/claim", {}, page)
    stale = form(
        client,
        f"{page}/assessment",
        {"version": "1", "fact.facts_clear": "yes", "why.facts_clear": "x"},
        page,
    )
    assert stale.status_code == 409  # type: ignore[attr-defined]
    assert "stale_version" in stale.text  # type: ignore[attr-defined]


def test_the_objection_is_decided_on_the_case_page_and_the_content_restored(
    client: TestClient, database: Database, people: People
) -> None:
    from qinglang.measures.outbox import deliver_due
    from qinglang.platform.demo import DemoPlatform
    from tests.api.conftest import bearer
    from tests.api.test_cases_api import claim_and_assess
    from tests.reporting import upload

    platform = DemoPlatform(database, "http://test")
    case_id = open_case(client, people, post=3)
    assessed = claim_and_assess(client, people, case_id)
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    deliver_due(database, platform, worker="t", batch=10)
    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    proof = upload(client, relay, "检测报告.png")
    client.post(
        f"/api/v1/cases/{case_id}/objections",
        json={
            "party": "account:2",
            "statement": "有检测报告为证，电话 13800001111",
            "evidence": [proof],
        },
        headers=relay,
    )
    sign_in(client, "li")
    page = f"/console/cases/{case_id}"
    html = client.get(page).text
    assert "申诉处理中" in html or "objection_review" in html
    assert "138****1111" in html  # the party's statement, masked
    empty = form(
        client,
        f"{page}/objection-decision",
        {"version": version_on(html), "outcome": "revoke"},
        page,
    )
    assert empty.status_code == 422  # type: ignore[attr-defined]
    done = form(
        client,
        f"{page}/objection-decision",
        {"version": version_on(html), "outcome": "revoke", "reason": "检测报告证明内容属实"},
        page,
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    deliver_due(database, platform, worker="t", batch=10)
    assert "该内容已被删除" not in client.get("/demo-site/posts/3").text


def test_a_regulator_answers_a_stakeholder_case_on_its_page(
    client: TestClient, people: People
) -> None:
    from tests.api.test_cases_api import claim_and_assess

    case_id = open_case(client, people, post=4)
    assessed = claim_and_assess(
        client, people, case_id, conditions={"involves_stakeholder_party": "举报方为其股东"}
    )
    client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    page = f"/console/cases/{case_id}"
    sign_in(client, "li")
    assert "同意处置措施" not in client.get(page).text  # a reviewer has no regulator's form
    sign_in(client, "reg")
    html = client.get(page).text
    assert "同意处置措施" in html
    rejected = form(client, f"{page}/regulator-review", {"verdict": "reject", "note": ""}, page)
    assert rejected.status_code == 422  # type: ignore[attr-defined]
    approved = form(
        client, f"{page}/regulator-review", {"verdict": "approve", "note": "同意"}, page
    )
    assert approved.status_code == 303  # type: ignore[attr-defined]
    assert "已办结" in client.get(page).text
