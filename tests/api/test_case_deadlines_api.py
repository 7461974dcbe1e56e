"""WS-3 over HTTP: the queue shows which cases were warned and which escalated, and filters
to them (``deadline=near`` / ``deadline=passed``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from qinglang.actor import Actor
from qinglang.cli.worker import run_due_timers
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from tests.api.conftest import add_user, bearer
from tests.reporting import submission

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def people(database: Database) -> dict[str, dict[str, str]]:
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "intake-bot", "reviewer")
    add_user(database, "li", "reviewer")
    return {
        "bot": bearer(database, "intake-bot", "reports:submit"),
        "li": bearer(database, "li", "cases:review", "reports:read"),
    }


def open_case(client: TestClient, people: dict[str, dict[str, str]], post: int) -> int:
    body = submission(client, people["bot"], url=f"https://demo.example.cn/demo-site/posts/{post}")
    answer = client.post("/api/v1/reports", json=body, headers=people["bot"])
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def listed(client: TestClient, people: dict[str, dict[str, str]], **query: str) -> list[int]:
    answer = client.get("/api/v1/cases", params=query, headers=people["li"])
    assert answer.status_code == 200, answer.text
    return [c["id"] for c in answer.json()["cases"]]


def test_the_queue_lists_escalated_and_near_cases(
    client: TestClient,
    people: dict[str, dict[str, str]],
    database: Database,
    settings: Settings,
    clock: FixedClock,
) -> None:
    # 7 working days each: opened Tue 24 Nov (due Thu 3 Dec), Wed 25 (due Fri 4 Dec),
    # Fri 27 (due Tue 8 Dec), all 2026, at the end of the day China time.
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=CHINA))
    late = open_case(client, people, post=1)
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=CHINA))
    near = open_case(client, people, post=2)
    clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=CHINA))
    later = open_case(client, people, post=3)
    before = client.get("/api/v1/cases", headers=people["li"]).json()["cases"]
    assert [(c["deadline_warned"], c["escalated"]) for c in before] == [(False, False)] * 3
    assert listed(client, people, deadline="passed") == []

    clock.set(datetime(2026, 12, 4, 0, 0, 1, tzinfo=CHINA))
    assert run_due_timers(database, settings) == 2  # one escalated, one warned

    assert listed(client, people, deadline="passed") == [late]
    assert listed(client, people, deadline="near") == [near]
    rows = {c["id"]: c for c in client.get("/api/v1/cases", headers=people["li"]).json()["cases"]}
    assert set(rows) == {late, near, later}
    assert (rows[late]["escalated"], rows[late]["overdue"]) == (True, True)
    assert rows[late]["deadline_warned"] is False  # it went past without a round in between
    assert (rows[near]["deadline_warned"], rows[near]["escalated"]) == (True, False)
    assert (rows[later]["deadline_warned"], rows[later]["escalated"]) == (False, False)

    clock.set(datetime(2026, 12, 5, 0, 0, 1, tzinfo=CHINA))  # the near one passes too
    assert run_due_timers(database, settings) == 1
    assert listed(client, people, deadline="passed") == [late, near]
    assert listed(client, people, deadline="near") == []
    assert listed(client, people, deadline="passed", status="decided") == []


@pytest.mark.parametrize("value", ["soon", "PASSED", "", "escalated"])
def test_an_unknown_deadline_filter_is_refused(
    client: TestClient, people: dict[str, dict[str, str]], value: str
) -> None:
    answer = client.get("/api/v1/cases", params={"deadline": value}, headers=people["li"])
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_deadline_filter"
    assert error["details"]["allowed"] == ["near", "passed"]
