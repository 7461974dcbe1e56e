"""Legal holds and the retention purge over HTTP and the services (WS-28)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.intake.store import EvidenceStore
from qinglang.ledger import LedgerEvent
from qinglang.measures.outbox import deliver_due
from qinglang.oversight import retention
from qinglang.platform.demo import DemoPlatform
from qinglang.settings import Settings
from tests.api import test_cases_api
from tests.api.conftest import add_user, bearer
from tests.api.test_cases_api import claim_and_assess, open_case

people = test_cases_api.people  # the fixture, shared

SYSTEM = Actor.system("test")


def decide(client: TestClient, database: Database, people: dict[str, dict[str, str]]) -> int:
    case_id = open_case(client, people)
    assessed = claim_and_assess(client, people, case_id)
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.status_code == 200, proposed.text
    deliver_due(database, DemoPlatform(database, "http://test"), worker="t", batch=10)
    return case_id


def run(database: Database, settings: Settings, *, dry_run: bool = False) -> retention.PurgeResult:
    return retention.purge(
        database,
        actor=SYSTEM,
        retention_days=settings.retention_days,
        store=EvidenceStore(settings.evidence_dir),
        dry_run=dry_run,
    )


def test_a_regulator_or_reviewer_cannot_place_holds(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, people)
    for who in ("reg", "li"):
        answer = client.post(
            "/api/v1/holds",
            json={"subject": f"case:{case_id}", "reason": "诉讼"},
            headers=people[who],
        )
        assert answer.status_code == 403, answer.text


def test_a_regulators_refused_hold_or_release_is_403_and_entered_in_the_ledger(
    client: TestClient, database: Database, people: dict[str, dict[str, str]]
) -> None:
    add_user(database, "chen", "compliance")
    chen = bearer(database, "chen", "retention:manage")
    case_id = open_case(client, people)
    placed = client.post(
        "/api/v1/holds", json={"subject": f"case:{case_id}", "reason": "诉讼"}, headers=chen
    )
    assert placed.status_code == 201, placed.text
    hold_id = placed.json()["id"]
    tries = [
        ("/api/v1/holds", {"subject": f"case:{case_id}", "reason": "诉讼"}),
        (f"/api/v1/holds/{hold_id}/release", {"reason": "结束"}),
    ]
    for path, body in tries:
        answer = client.post(path, json=body, headers=people["reg"])
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["details"]["permission"] == "retention:manage"
    refused = [
        e.data
        for e in ledger.recent_entries(database, limit=20)
        if e.event == LedgerEvent.CHANGE_REFUSED.value
    ]
    assert sorted(r["path"] for r in refused) == sorted(path for path, _ in tries)
    assert client.get("/api/v1/holds", headers=chen).json()["holds"][0]["active"] is True


def test_purge_keeps_young_and_held_data_and_removes_it_after_release(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: dict[str, dict[str, str]],
) -> None:
    add_user(database, "chen", "compliance")
    chen = bearer(database, "chen", "retention:manage")
    case_id = decide(client, database, people)
    clock.advance(timedelta(days=179))
    young = run(database, settings)
    assert young.counts["cases"] == 0
    assert young.counts["ledger_entries"] == 0
    placed = client.post(
        "/api/v1/holds", json={"subject": f"case:{case_id}", "reason": "诉讼保全"}, headers=chen
    )
    assert placed.status_code == 201, placed.text
    assert (
        client.get("/api/v1/holds", headers=chen).json()["holds"][0]["subject"] == f"case:{case_id}"
    )
    clock.advance(timedelta(days=30))
    kept = run(database, settings)
    assert kept.counts["cases"] == 0
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code == 200
    released = client.post(
        f"/api/v1/holds/{placed.json()['id']}/release", json={"reason": "诉讼结束"}, headers=chen
    )
    assert released.status_code == 200, released.text
    dry = run(database, settings, dry_run=True)
    assert dry.counts["cases"] == 1
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code == 200
    done = run(database, settings)
    assert done.counts == dry.counts
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code == 404
    verified = ledger.verify(database)
    assert verified.ok, verified
    assert verified.first_seq is not None
    assert verified.first_seq > 1
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM ledger_entries WHERE seq = {verified.first_seq}"))


def test_an_interrupted_purge_leaves_the_chain_verifying_and_a_rerun_completes_it(
    client: TestClient,
    database: Database,
    settings: Settings,
    clock: FixedClock,
    people: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decide(client, database, people)
    clock.advance(timedelta(days=200))
    real = retention.ledger_retention.purge_batch
    calls = {"n": 0}

    def second_fails(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("interrupted")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(retention.ledger_retention, "purge_batch", second_fails)
    with pytest.raises(RuntimeError):
        retention.purge(
            database,
            actor=SYSTEM,
            retention_days=180,
            store=EvidenceStore(settings.evidence_dir),
            ledger_batch=3,
        )
    assert ledger.verify(database).ok
    monkeypatch.setattr(retention.ledger_retention, "purge_batch", real)
    rerun = run(database, settings)
    assert rerun.counts["ledger_entries"] > 0
    after = ledger.verify(database)
    assert after.ok, after
