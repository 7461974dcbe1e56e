"""Inspections (WS-29): a seeded, reproducible sample of a period's cases, and one printable
page per sampled case with its timeline, legal basis, deadline (met or missed) and hashes."""

from __future__ import annotations

import random
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.auth.users import actor_for, find_user
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import InvalidInput, PermissionDenied
from qinglang.ledger import LedgerEntry
from qinglang.oversight import inspections
from tests.api.conftest import add_user, client, csrf_of, sign_in
from tests.api.test_cases_api import claim_and_assess, open_case, people

__all__ = ["client", "people"]  # fixtures, imported for pytest

CHINA = ZoneInfo("Asia/Shanghai")
ROOT = Actor.operator("root")
People = dict[str, dict[str, str]]


def at(day: int, month: int = 11, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=CHINA)


def decide(client: TestClient, people: People, case_id: int) -> None:
    assessed = claim_and_assess(client, people, case_id)
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.json()["status"] == "decided", proposed.text


@pytest.fixture
def period_cases(client: TestClient, people: People, clock: FixedClock) -> dict[str, int]:
    """before (20 Nov), met (24 Nov, decided that day), missed (25 Nov, decided 20 Dec),
    overdue (25 Nov, never decided), after (2 Dec)."""
    cases: dict[str, int] = {}
    clock.set(at(20))
    cases["before"] = open_case(client, people, post=5)
    clock.set(at(24))
    cases["met"] = open_case(client, people, post=1)
    decide(client, people, cases["met"])
    clock.set(at(25))
    cases["missed"] = open_case(client, people, post=2)
    cases["overdue"] = open_case(client, people, post=3)
    clock.set(at(2, month=12))
    cases["after"] = open_case(client, people, post=4)
    clock.set(at(20, month=12))
    decide(client, people, cases["missed"])
    return cases


def inspector(database: Database) -> Actor:
    user = find_user(database, actor=ROOT, username="reg")
    assert user is not None
    return actor_for(user)


def test_a_seeded_draw_reproduces_and_never_leaves_its_period(
    database: Database, period_cases: dict[str, int]
) -> None:
    actor = inspector(database)
    inside = {period_cases["met"], period_cases["missed"], period_cases["overdue"]}
    first = inspections.draw(
        database,
        actor=actor,
        start=date(2026, 11, 21),
        end=date(2026, 11, 30),
        size=2,
        zone=CHINA,
        seed="spot-check-7",
    )
    again = inspections.draw(
        database,
        actor=actor,
        start=date(2026, 11, 21),
        end=date(2026, 11, 30),
        size=2,
        zone=CHINA,
        seed="spot-check-7",
    )
    assert first.case_ids == again.case_ids
    assert len(first.case_ids) == 2
    assert set(first.case_ids) <= inside
    assert first.population == 3
    assert first.seed == "spot-check-7"
    assert first.case_ids == sorted(random.Random("spot-check-7").sample(sorted(inside), 2))
    assert (
        inspections.redraw(database, actor=actor, inspection_id=first.id, zone=CHINA)
        == first.case_ids
    )
    everything = inspections.draw(
        database, actor=actor, start=date(2026, 11, 21), end=date(2026, 11, 30), size=50, zone=CHINA
    )
    assert set(everything.case_ids) == inside  # all of the period, nothing outside it
    assert len(everything.seed) == 32  # a random seed, stored
    one_day = inspections.draw(
        database, actor=actor, start=date(2026, 11, 24), end=date(2026, 11, 24), size=50, zone=CHINA
    )
    assert one_day.case_ids == [period_cases["met"]]


def test_each_draw_is_entered_in_the_ledger_with_its_seed(
    database: Database, period_cases: dict[str, int]
) -> None:
    drawn = inspections.draw(
        database,
        actor=inspector(database),
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        size=3,
        zone=CHINA,
        seed="abc",
    )
    with database.unit_of_work(read_only=True) as uow:
        entry = uow.session.scalars(
            select(LedgerEntry).where(LedgerEntry.event == "inspection_drawn")
        ).one()
    assert entry.actor == "user:reg"
    assert entry.data == {
        "inspection": drawn.id,
        "from": "2026-11-01",
        "to": "2026-11-30",
        "population": 4,
        "size": 3,
        "seed": "abc",
        "cases": drawn.case_ids,
    }


@pytest.mark.parametrize(
    ("start", "end", "size", "seed", "code"),
    [
        (date(2026, 11, 30), date(2026, 11, 1), 5, None, "invalid_range"),
        (date(2026, 11, 1), date(2026, 11, 30), 0, None, "invalid_sample_size"),
        (date(2026, 11, 1), date(2026, 11, 30), 501, None, "invalid_sample_size"),
        (date(2026, 11, 1), date(2026, 11, 30), 5, "no spaces", "invalid_seed"),
        (date(2020, 1, 1), date(2026, 11, 30), 5, None, "period_too_long"),
    ],
)
def test_a_bad_draw_is_refused_by_name(
    database: Database,
    people: People,
    start: date,
    end: date,
    size: int,
    seed: str | None,
    code: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        inspections.draw(
            database,
            actor=inspector(database),
            start=start,
            end=end,
            size=size,
            zone=CHINA,
            seed=seed,
        )
    assert refused.value.code == code


def test_only_an_inspector_draws(database: Database, people: People) -> None:
    add_user(database, "chen", "compliance")
    user = find_user(database, actor=ROOT, username="chen")
    assert user is not None
    with pytest.raises(PermissionDenied):
        inspections.draw(
            database,
            actor=actor_for(user),
            start=date(2026, 11, 1),
            end=date(2026, 11, 30),
            size=3,
            zone=CHINA,
        )


def test_the_printable_page_shows_deadline_met_or_missed_basis_and_hashes(
    client: TestClient, database: Database, period_cases: dict[str, int]
) -> None:
    sign_in(client, "reg")
    form = client.get("/console/regulator/inspections")
    drawn = client.post(
        "/console/regulator/inspections",
        data={
            "csrf_token": csrf_of(form.text),
            "start": "2026-11-21",
            "end": "2026-11-30",
            "size": "10",
            "seed": "print-1",
        },
        follow_redirects=False,
    )
    assert drawn.status_code == 303
    sample = client.get(drawn.headers["location"])
    assert "按其随机种子重新抽取，结果一致。" in sample.text
    links = re.findall(r'href="(/console/regulator/inspections/\d+/cases/(\d+))"', sample.text)
    assert {int(n) for _href, n in links} == {
        period_cases["met"],
        period_cases["missed"],
        period_cases["overdue"],
    }
    base = drawn.headers["location"]
    met = client.get(f"{base}/cases/{period_cases['met']}")
    assert met.status_code == 200
    assert '<span class="met">按时办结</span>' in met.text
    assert "WS-20" in met.text  # the measure's legal basis
    assert "/static/regulator.css" in met.text
    assert "<script" not in met.text
    with database.unit_of_work(read_only=True) as uow:
        hashes = list(
            uow.session.scalars(
                select(LedgerEntry.hash).where(
                    LedgerEntry.subject_type == "case",
                    LedgerEntry.subject_id == str(period_cases["met"]),
                )
            )
        )
    assert hashes
    assert all(h in met.text for h in hashes)
    assert re.search(r'<td class="hash">[0-9a-f]{64}</td>', met.text)  # evidence SHA-256
    missed = client.get(f"{base}/cases/{period_cases['missed']}")
    assert '<span class="missed">超期办结</span>' in missed.text
    overdue = client.get(f"{base}/cases/{period_cases['overdue']}?lang=en")
    assert '<span class="overdue">Open, past the time limit</span>' in overdue.text
    outside = client.get(f"{base}/cases/{period_cases['after']}")
    assert outside.status_code == 404
    css = client.get("/static/regulator.css")
    assert "@media print" in css.text


def test_a_bad_draw_on_the_console_is_shown_beside_the_form(
    client: TestClient, database: Database, people: People
) -> None:
    sign_in(client, "reg")
    form = client.get("/console/regulator/inspections")
    answer = client.post(
        "/console/regulator/inspections",
        data={
            "csrf_token": csrf_of(form.text),
            "start": "2026-11-30",
            "end": "2026-11-01",
            "size": "5",
        },
    )
    assert answer.status_code == 422
    assert "截止日期早于起始日期" in answer.text
    assert 'value="2026-11-30"' in answer.text  # what was typed is kept
