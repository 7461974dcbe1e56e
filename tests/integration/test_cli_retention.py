"""``qinglang retention purge`` and ``qinglang holds`` as an operator runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from tests.api.conftest import client
from tests.api.test_cases_api import open_case, people
from tests.integration.test_cli import assert_one_line_error, run
from tests.integration.test_retention import decide

__all__ = ["client", "people"]  # fixtures, imported for pytest

People = dict[str, dict[str, str]]


@pytest.fixture
def clock() -> FixedClock:
    """The command runs on the real clock: everything here happened 200 days ago."""
    return FixedClock(datetime.now(UTC) - timedelta(days=200))


def test_purge_dry_run_says_what_purge_then_removes(
    client: TestClient,
    database: Database,
    database_url: str,
    tmp_path: Path,
    people: People,
) -> None:
    case_id = open_case(client, people)
    decide(client, database, people, case_id)
    env = {"QINGLANG_DATABASE_URL": database_url, "QINGLANG_DATA_DIR": str(tmp_path)}

    dry = run("retention", "purge", "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    would = json.loads(dry.stdout)
    assert would["dry_run"] is True
    assert would["counts"]["cases"] == 1
    assert would["counts"]["ledger_entries"] > 0
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code == 200

    done = run("retention", "purge", "--json", env=env)
    assert done.returncode == 0, done.stderr
    removed = json.loads(done.stdout)
    assert removed["dry_run"] is False
    assert removed["counts"] == would["counts"]
    assert client.get(f"/api/v1/cases/{case_id}", headers=people["li"]).status_code == 404

    again = run("retention", "purge", env=env)
    assert again.returncode == 0, again.stderr
    assert "removed nothing" in again.stdout
    verified = run("ledger", "verify", "--json", env=env)
    assert verified.returncode == 0, verified.stdout


def test_holds_place_list_release_and_a_bad_subject(
    client: TestClient, database: Database, database_url: str, people: People
) -> None:
    case_id = open_case(client, people)
    env = {"QINGLANG_DATABASE_URL": database_url}

    placed = run("holds", "place", f"case:{case_id}", "--reason", "诉讼保全", env=env)
    assert placed.returncode == 0, placed.stderr
    assert f"placed on case:{case_id}" in placed.stdout
    listed = json.loads(run("holds", "list", "--json", env=env).stdout)
    assert [(h["subject"], h["reason"], h["active"]) for h in listed] == [
        (f"case:{case_id}", "诉讼保全", True)
    ]
    twice = run("holds", "place", "--case", str(case_id), "--reason", "again", env=env)
    assert_one_line_error(twice, "already_held", twice.returncode)
    assert twice.returncode != 0

    released = run("holds", "release", str(listed[0]["id"]), "--reason", "诉讼结束", env=env)
    assert released.returncode == 0, released.stderr
    assert f"on case:{case_id} released" in released.stdout
    assert json.loads(run("holds", "list", "--json", env=env).stdout) == []
    history = json.loads(run("holds", "list", "--all", "--json", env=env).stdout)
    assert history[0]["release_reason"] == "诉讼结束"

    bad = run("holds", "place", "post:3", "--reason", "x", env=env)
    line = assert_one_line_error(bad, "invalid_hold_subject", 2)
    assert "'post:3' is not a hold subject" in line
    missing = run("holds", "place", "--case", "999", "--reason", "x", env=env)
    assert "error[case_not_found]" in missing.stderr
