"""Statistics per campaign and period (CP-2, ES-1): real walks, then every figure exactly."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from qinglang.actor import Actor, ActorKind
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import InvalidInput, PermissionDenied
from qinglang.measures.outbox import deliver_due
from qinglang.oversight.statistics import campaign_statistics, daily_activity
from qinglang.platform.demo import DemoPlatform
from tests.api.conftest import add_user, bearer, client
from tests.api.test_cases_api import FACTS_CLEAR, people
from tests.reporting import submission, upload

__all__ = ["client", "people"]  # fixtures used by name

CHINA = ZoneInfo("Asia/Shanghai")
T0 = datetime(2023, 9, 1, 10, 0, tzinfo=CHINA)  # the Asian Games zone is open
CAMPAIGN = "2023-asian-games"
SYSTEM = Actor.system("test")
People = dict[str, dict[str, str]]


def _report(client: TestClient, people: People, post: int, **fields: Any) -> int:
    body = submission(
        client, people["bot"], url=f"https://demo.example.cn/demo-site/posts/{post}", **fields
    )
    answer = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def _assess(client: TestClient, people: People, case_id: int, **extra: Any) -> int:
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=people["li"])
    assert claimed.status_code == 200, claimed.text
    body = {"version": claimed.json()["version"], "facts": FACTS_CLEAR} | extra
    assessed = client.post(f"/api/v1/cases/{case_id}/assessment", json=body, headers=people["li"])
    assert assessed.status_code == 200, assessed.text
    version: int = assessed.json()["version"]
    return version


def _propose(
    client: TestClient, people: People, case_id: int, version: int, measures: list[Any], **more: Any
) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": version, "measures": measures} | more,
        headers=people["li"],
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _case(client: TestClient, people: People, case_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).json()
    return found


@pytest.fixture
def walked(
    client: TestClient, database: Database, people: People, clock: FixedClock
) -> dict[str, int]:
    """Four cases in September 2023 (China time):

    A (Asian Games zone) reported 09-01 10:00, decided 11:00 with remove + a 7-day mute
    (approved), both applied 13:00; B (no campaign) reported 09-01 13:00, decided 09-28
    10:00 (after its 7 working days) with remove, applied 11:00, objected 12:00 and
    revoked 14:00 (restore applied 14:30); C reported exactly 09-02 00:00 and refused as
    flood reporting (WS-18) on 09-02 01:00; D (no campaign) reported 09-30 23:59:59,
    still open.
    """
    platform = DemoPlatform(database, "http://test")
    clock.set(T0)
    a = _report(client, people, 1, zone="asian_games_zone")
    clock.advance(timedelta(hours=1))
    version = _assess(client, people, a)
    proposed = _propose(
        client,
        people,
        a,
        version,
        [{"code": "remove"}, {"code": "mute", "params": {"days": 7}}],
        reason="情节较重，另行禁言七日",
    )
    assert proposed["status"] == "pending_approval", proposed
    approved = client.post(
        f"/api/v1/cases/{a}/approval",
        json={"version": _case(client, people, a)["version"], "approve": True, "note": "同意"},
        headers=people["wang"],
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "decided"
    clock.advance(timedelta(hours=2))
    deliver_due(database, platform, worker="t", batch=10)
    assert {m["status"] for m in _case(client, people, a)["measures"]} == {"applied"}

    b = _report(client, people, 2)  # 13:00
    clock.set(datetime(2023, 9, 28, 10, 0, tzinfo=CHINA))
    due = datetime.fromisoformat(_case(client, people, b)["due_at"])
    assert due < clock.now()  # decided after its time limit
    version = _assess(client, people, b)
    assert _propose(client, people, b, version, [{"code": "remove"}])["status"] == "decided"
    clock.advance(timedelta(hours=1))
    deliver_due(database, platform, worker="t", batch=10)
    clock.advance(timedelta(hours=1))
    relay = bearer(database, "intake-bot", "objections:submit", "reports:submit")
    proof = upload(client, relay, "检测报告.png")
    objected = client.post(
        f"/api/v1/cases/{b}/objections",
        json={"party": "account:2", "statement": "有检测报告为证", "evidence": [proof]},
        headers=relay,
    )
    assert objected.status_code == 201, objected.text
    clock.advance(timedelta(hours=2))
    revoked = client.post(
        f"/api/v1/cases/{b}/objection-decision",
        json={
            "version": _case(client, people, b)["version"],
            "outcome": "revoke",
            "reason": "检测报告证明内容属实",
        },
        headers=people["li"],
    )
    assert revoked.status_code == 200, revoked.text
    clock.advance(timedelta(minutes=30))
    deliver_due(database, platform, worker="t", batch=10)

    clock.set(datetime(2023, 9, 2, 0, 0, tzinfo=CHINA))
    c = _report(client, people, 4)
    clock.advance(timedelta(hours=1))
    version = _assess(client, people, c, conditions={"flood_reporting": "同一内容一日举报四十次"})
    refused = _propose(client, people, c, version, [{"code": "refuse_report"}])
    assert refused["status"] == "decided", refused

    clock.set(datetime(2023, 9, 30, 23, 59, 59, tzinfo=CHINA))
    d = _report(client, people, 5)
    clock.set(datetime(2023, 10, 8, 9, 0, tzinfo=CHINA))
    return {"a": a, "b": b, "c": c, "d": d}


def stats(database: Database, campaign: str | None, start: date, end: date) -> dict[str, Any]:
    return campaign_statistics(database, actor=SYSTEM, campaign=campaign, start=start, end=end)


SEPTEMBER = (date(2023, 9, 1), date(2023, 9, 30))


def test_every_figure_of_september_for_all_reports(
    walked: dict[str, int], database: Database
) -> None:
    found = stats(database, None, *SEPTEMBER)
    assert found["campaign"] is None
    assert (found["from"], found["to"]) == ("2023-09-01", "2023-09-30")
    assert found["reports_received"] == 4
    assert found["reports_accepted"] == 4
    assert found["median_seconds_to_acceptance"] == 0.0  # complete reports are accepted at once
    assert found["reports_refused_malicious"] == 1
    assert found["reporters_refused"] == 0
    assert found["cases_decided"] == 3  # A, B and C; D is open
    assert found["decided_within_deadline"] == 2  # B was late
    assert found["share_within_deadline"] == round(2 / 3, 4)
    # A: 1 h; C: 1 h; B: 09-01 13:00 to 09-28 10:00
    b_hours = (datetime(2023, 9, 28, 10, 0) - datetime(2023, 9, 1, 13, 0)).total_seconds()
    assert found["median_seconds_to_decision"] == 3600.0
    assert b_hours > 3600
    # applied: A remove and mute (2 h each), B remove (1 h), B's restore (30 min)
    assert found["measures_by_kind"] == {"mute": 1, "remove": 2, "restore": 1}
    assert found["measures_applied"] == 4
    assert found["median_seconds_to_action"] == 3600.0 * 1.5  # mean of 1 h and 2 h
    assert found["items_removed"] == 2
    assert found["content_labelled"] == 0
    assert found["accounts_handled"] == 1
    assert found["accounts_closed"] == 0
    assert found["accounts_muted_or_demonetised"] == 1
    assert found["followers_cleared"] == 0
    assert found["measures_by_category"] == {"rumour": 4}
    assert found["objections_received"] == 1
    assert found["objections_decided"] == 1
    assert found["reversals"] == 1
    assert found["reversals_by_outcome"] == {"revoked": 1, "modified": 0}


def test_the_campaign_counts_only_its_zone(walked: dict[str, int], database: Database) -> None:
    found = stats(database, CAMPAIGN, *SEPTEMBER)
    assert found["campaign"] == CAMPAIGN
    assert found["reports_received"] == 1
    assert found["reports_accepted"] == 1
    assert found["reports_refused_malicious"] == 0
    assert found["cases_decided"] == 1
    assert found["decided_within_deadline"] == 1
    assert found["share_within_deadline"] == 1.0
    assert found["median_seconds_to_decision"] == 3600.0
    assert found["items_removed"] == 1
    assert found["accounts_handled"] == 1
    assert found["accounts_muted_or_demonetised"] == 1
    assert found["measures_by_kind"] == {"mute": 1, "remove": 1}
    assert found["median_seconds_to_action"] == 7200.0
    assert found["objections_received"] == 0
    assert found["reversals"] == 0
    other = stats(database, "2023-business-environment", *SEPTEMBER)
    assert other["reports_received"] == 0
    assert other["median_seconds_to_decision"] is None
    assert other["share_within_deadline"] is None


def test_days_are_china_days_and_both_ends_count(
    walked: dict[str, int], database: Database
) -> None:
    first = stats(database, None, date(2023, 9, 1), date(2023, 9, 1))
    assert first["reports_received"] == 2  # A and B; C came at 09-02 00:00 exactly
    assert first["cases_decided"] == 1
    second = stats(database, None, date(2023, 9, 2), date(2023, 9, 2))
    assert second["reports_received"] == 1
    assert second["reports_refused_malicious"] == 1
    last = stats(database, None, date(2023, 9, 30), date(2023, 9, 30))
    assert last["reports_received"] == 1  # D at 23:59:59 is still the 30th (inclusive end)
    october = stats(database, None, date(2023, 10, 1), date(2023, 10, 31))
    assert october["reports_received"] == 0
    august = stats(database, None, date(2023, 8, 1), date(2023, 8, 31))
    assert august["cases_decided"] == 0
    assert august["measures_by_kind"] == {}


def test_the_daily_series(walked: dict[str, int], database: Database) -> None:
    days = daily_activity(
        database, actor=SYSTEM, campaign=None, start=date(2023, 9, 1), end=date(2023, 9, 3)
    )
    assert days == [
        {"date": "2023-09-01", "received": 2, "decided": 1},
        {"date": "2023-09-02", "received": 1, "decided": 1},
        {"date": "2023-09-03", "received": 0, "decided": 0},
    ]


def test_a_period_that_ends_before_it_starts_is_refused(database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        stats(database, None, date(2023, 9, 2), date(2023, 9, 1))
    assert refused.value.code == "invalid_period"


def test_an_unknown_campaign_is_refused(database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        stats(database, "2099-nothing", *SEPTEMBER)
    assert refused.value.code == "unknown_campaign"


def test_a_reviewer_may_not_read_the_statistics(database: Database) -> None:
    reviewer = Actor(kind=ActorKind.USER, name="li", user_id=1, roles=frozenset({"reviewer"}))
    with pytest.raises(PermissionDenied):
        campaign_statistics(
            database, actor=reviewer, campaign=None, start=SEPTEMBER[0], end=SEPTEMBER[1]
        )


def test_an_empty_database_gives_zeros_and_no_medians(database: Database) -> None:
    add_user(database, "nobody", "compliance")
    found = stats(database, None, *SEPTEMBER)
    assert found["reports_received"] == 0
    assert found["cases_decided"] == 0
    for key in ("acceptance", "decision", "action"):
        assert found[f"median_seconds_to_{key}"] is None
