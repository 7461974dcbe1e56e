"""The rapid channel for cyber-violence reports (GD-1) and minors first (GD-2), over HTTP:
its own zone and pack, limits in hours, first in the queue, strict handling on review."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from qinglang.ledger import LedgerEntry
from tests.api.test_cases_api import claim_and_assess
from tests.api.test_cases_api import people as people  # the fixture
from tests.reporting import submission

People = dict[str, dict[str, str]]
POST = "https://demo.example.cn/demo-site/posts/{}"


def rapid(post: int = 7, **fields: Any) -> dict[str, Any]:
    """A cyber-violence report as a person harmed makes it: no licence, no evidence."""
    body: dict[str, Any] = {
        "reporter": {"kind": "individual", "name": "陈女士", "phone": "13900139000"},
        "right_holder": {"name": "陈女士"},
        "category": "cyber_violence",
        "subtype": "insult_abuse",
        "statement": "多个账号集中发帖辱骂我，并号召他人私信攻击。",
        "targets": [{"url": POST.format(post)}],
        "declaration": {"accepted": True, "version": "2023-08"},
        "zone": "rapid_channel",
    }
    body.update(fields)
    return body


def submit(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/api/v1/reports", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def case(client: TestClient, people: People, case_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    return found


def row(client: TestClient, people: People, case_id: int) -> dict[str, Any]:
    """The case as the queue lists it."""
    listed = client.get("/api/v1/cases", headers=people["li"]).json()["cases"]
    found: dict[str, Any] = next(c for c in listed if c["id"] == case_id)
    return found


def test_a_cyber_violence_report_is_accepted_at_once_and_due_in_hours(
    client: TestClient, database: Database, people: People
) -> None:
    received = database.clock.now()
    answer = submit(client, people["bot"], rapid())
    assert answer["status"] == "accepted"
    assert answer["missing"] == []
    due = datetime.fromisoformat(answer["due_at"])
    assert due == received + timedelta(hours=24)  # around the clock, not working days
    opened = case(client, people, answer["case_id"])
    assert opened["category"] == "cyber_violence"
    assert opened["zone"] == "rapid_channel"
    assert opened["pack"] == "cac-guidance-2023"
    assert opened["time_limit"] == {"hours": 24}
    with database.unit_of_work(read_only=True) as uow:
        entry = (
            uow.session.query(LedgerEntry)
            .filter(LedgerEntry.event == "case_opened")
            .order_by(LedgerEntry.seq.desc())
            .first()
        )
        assert entry is not None
        assert '"hours":24' in entry.payload
        assert '"working_days":null' in entry.payload


@pytest.mark.parametrize(
    ("fields", "hours"),
    [
        ({"subtype": "privacy_violation"}, 12),
        ({"involves_minor": True}, 12),
        ({"category": "minor_rights", "subtype": "bullying"}, 12),
    ],
    ids=["doxxing", "minor-flag", "minor-category"],
)
def test_doxxing_and_minors_are_due_sooner(
    client: TestClient, database: Database, people: People, fields: dict[str, Any], hours: int
) -> None:
    received = database.clock.now()
    answer = submit(client, people["bot"], rapid(**fields))
    assert datetime.fromisoformat(answer["due_at"]) == received + timedelta(hours=hours)


def test_the_channel_asks_only_its_own_items_all_at_once(
    client: TestClient, people: People
) -> None:
    body = rapid(statement="", targets=[], declaration=None)
    body["reporter"] = {"kind": "individual", "name": "陈女士"}
    answer = submit(client, people["bot"], body)
    assert answer["status"] == "needs_supplement"
    assert sorted(m["item"] for m in answer["missing"]) == [
        "declaration",
        "reporter_contact",
        "statement",
        "target_locator",
    ]  # no right-holder proof, no preliminary evidence: the channel acts at once


def test_the_zone_takes_only_its_packs_categories(client: TestClient, people: People) -> None:
    answer = client.post(
        "/api/v1/reports", json=rapid(category="rumour", subtype="other"), headers=people["bot"]
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "unknown_category"
    assert error["details"]["known"] == ["cyber_violence", "minor_rights"]
    unknown = client.post("/api/v1/reports", json=rapid(zone="fast_lane"), headers=people["bot"])
    assert unknown.status_code == 422
    assert "rapid_channel" in unknown.json()["error"]["details"]["known"]


def test_rapid_and_minors_cases_come_first_in_the_queue(client: TestClient, people: People) -> None:
    plain = submit(client, people["bot"], submission(client, people["bot"], url=POST.format(1)))
    minor = submit(
        client,
        people["bot"],
        submission(client, people["bot"], url=POST.format(2), involves_minor=True),
    )
    violence = submit(client, people["bot"], rapid(post=3))
    listed = client.get("/api/v1/cases", headers=people["li"]).json()["cases"]
    order = [c["id"] for c in listed]
    # The minor's enterprise case (3 points) before the cyber-violence case (2 points),
    # both before the plain enterprise case, though that one was received first.
    assert order == [minor["case_id"], violence["case_id"], plain["case_id"]]
    assert [c["priority"] for c in listed] == [3, 2, 0]
    rapid_only = client.get("/api/v1/cases?pack=cac-guidance-2023", headers=people["li"])
    assert [c["id"] for c in rapid_only.json()["cases"]] == [violence["case_id"]]
    minors = client.get("/api/v1/cases?involves_minor=true", headers=people["li"]).json()
    assert [c["id"] for c in minors["cases"]] == [minor["case_id"]]


def test_a_report_about_a_minor_makes_the_case_it_joins_stricter(
    client: TestClient, database: Database, people: People
) -> None:
    first = submit(client, people["bot"], submission(client, people["bot"], url=POST.format(4)))
    assert row(client, people, first["case_id"])["priority"] == 0
    other = {"kind": "individual", "name": "李老师", "email": "teacher@example.cn"}
    second = submit(
        client,
        people["bot"],
        submission(
            client,
            people["bot"],
            url=POST.format(4),
            involves_minor=True,
            reporter=other,
            right_holder={"name": "另一家公司"},
        ),
    )
    assert second["case_id"] == first["case_id"]
    joined = row(client, people, first["case_id"])
    assert joined["priority"] == 3
    assert joined["involves_minor"] is True
    assert case(client, people, first["case_id"])["time_limit"] == {"working_days": 2}
    # 2 working days instead of 7: the case is due sooner than it was.
    assert datetime.fromisoformat(joined["due_at"]) < datetime.fromisoformat(first["due_at"])


def test_review_uses_the_cases_own_pack_and_handles_first_posters_strictly(
    client: TestClient, people: People
) -> None:
    answer = submit(client, people["bot"], rapid(post=5))
    assessed = claim_and_assess(
        client,
        people,
        answer["case_id"],
        conditions={"first_post": "该账号为首发账号，发布时间早于其他转发"},
    )
    recommended = assessed["recommendation"]
    assert recommended["pack"] == "cac-guidance-2023"
    assert recommended["grade"] == "serious"  # not graded by the reviewer: the floor applies
    codes = [m["code"] for m in recommended["measures"]]
    assert codes[0] == "remove"
    assert "mute" in codes
    assert recommended["measures"][0]["basis"][0]["id"] == "GD-1"
    # The enterprise pack's conditions are not this channel's: 422 naming them.
    claimed = case(client, people, answer["case_id"])
    wrong = client.post(
        f"/api/v1/cases/{answer['case_id']}/assessment",
        json={
            "version": claimed["version"],
            "facts": {"facts_clear": {"value": True, "reason": "截图清楚"}},
            "conditions": {"critical_business_juncture": "企业关键节点"},
        },
        headers=people["li"],
    )
    assert wrong.status_code == 422
    assert "critical_business_juncture" in wrong.text
