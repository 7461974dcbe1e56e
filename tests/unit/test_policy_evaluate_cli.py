"""``qinglang policy evaluate`` as an operator runs it: every clause of WS-18 and WS-20 to WS-25.

Every case of ``test_policy_engine.CASES`` goes through the command in-process; one or
more per requirement also go through a real ``python -m qinglang`` process, with a
database URL that cannot be reached (the command needs none).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qinglang.cli.policy import app
from qinglang.errors import InvalidInput, NotFound
from tests.unit.test_policy_engine import CASES, FACTS_DIR, check

runner = CliRunner()
NO_DATABASE = {"QINGLANG_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}


def facts_path(name: str) -> str:
    return str(FACTS_DIR / f"{name}.json")


@pytest.mark.parametrize("name", list(CASES))
def test_every_clause_through_the_command_as_json(name: str) -> None:
    result = runner.invoke(app, ["evaluate", "--pack", "cac-ws-2023", facts_path(name), "--json"])
    assert result.exit_code == 0, result.output
    check(json.loads(result.output), CASES[name])


def test_human_output_prints_measures_with_basis_requirements_and_the_trace() -> None:
    result = runner.invoke(
        app,
        ["evaluate", facts_path("ws23-3-malicious-first-or-mass-posting"), "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "cac-ws-2023 · rumour.innovation_smear (Rumour · Innovation smear)"
    assert lines[1] == "grade: serious Serious (2 points)"
    assert "  remove · on content — WS-20 第二十条" in lines
    assert "  mute · on account · days 30 — WS-23 第二十三条(三), WS-19 第十九条" in lines
    assert "requires: nothing" in lines
    assert any(line.startswith("  match ws_23 (WS-23 第二十三条): ") for line in lines)
    assert any(line.startswith("  no    ws_21 (WS-21 第二十一条): needs ") for line in lines)
    assert "raised to serious" in result.output


def test_human_output_in_chinese_says_why_no_measure() -> None:
    result = runner.invoke(app, ["evaluate", facts_path("none-nothing-established")])
    assert result.exit_code == 0, result.output
    assert "grade: not graded" in result.output
    assert "无处置措施：WS-18 不存在第十八条所列情形" in result.output
    assert "需要事实清楚、举证充分" in result.output


def test_facts_from_standard_input(tmp_path: Path) -> None:
    text = (FACTS_DIR / "ws21-1-critical-business-juncture.json").read_text("utf-8")
    result = runner.invoke(app, ["evaluate", "-", "--json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["measures"][0]["code"] == "make_private_time_limited"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ('{"category": "rumour", "subtype": "other", "conditions": ["bribery"]}',
         "unknown_condition"),
        ('{"category": "gossip", "subtype": "other"}', "unknown_category"),
        ('{"category": "rumour", "subtype": "nope"}', "unknown_subtype"),
        ('{"category": "rumour", "subtype": "other", "facts": {"facts_clear": 1}}',
         "invalid_facts"),
        ("{not json", "invalid_json"),
        (None, "cannot_read_facts"),
    ],
    ids=["condition", "category", "subtype", "not-bool", "json", "missing-file"],
)  # fmt: skip
def test_bad_facts_files_are_errors_with_a_code(
    tmp_path: Path, content: str | None, code: str
) -> None:
    path = tmp_path / "facts.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(path)])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.code == code


def test_an_unknown_pack() -> None:
    result = runner.invoke(
        app, ["evaluate", "--pack", "cac-nothing", facts_path("ws18-flood-reporting")]
    )
    assert isinstance(result.exception, NotFound)
    assert result.exception.code == "pack_not_found"


def test_show_prints_the_disposal_sections_too() -> None:
    result = runner.invoke(app, ["show", "cac-ws-2023", "--lang", "en"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "rumour.product_quality_defamation" in result.output  # what was there stays
    for words in (
        "under_official_investigation",
        "WS-21 第二十一条(二)",
        "make_private_time_limited (expires_in_days 15)",
        "ws_25_major",
        "approval (WS-27 第二十七条)",
        "grading (WS-19 第十九条)",
        "mute (days 30)",
        "floor: harm high → at least serious",
    ):
        assert words in result.output, words
    data = json.loads(runner.invoke(app, ["show", "cac-ws-2023", "--json"]).output)
    assert [r["id"] for r in data["disposal"]["rules"]][:2] == ["ws_18", "ws_20"]


# ---------------------------------------------------------------- real processes

PROCESS_CASES = {
    "WS-18": ["ws18-forged-evidence", "ws18-flood-reporting"],
    "WS-20": ["ws20-clear-facts-sufficient-evidence"],
    "WS-21": ["ws21-2-under-official-investigation"],
    "WS-22": ["ws22-3-legal-proceedings-started"],
    "WS-23": ["ws23-4-extortion-by-negative-aggregation"],
    "WS-25": ["ws25-stakeholder-party", "ws25-major-matter"],
    "none": ["none-ws21-ws22-without-condition"],
}


def qinglang(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGLANG_")}
    env.update(NO_DATABASE)
    return subprocess.run(
        [sys.executable, "-m", "qinglang", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def processes(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every process of this module, run side by side (each start-up takes seconds)."""
    bad = tmp_path_factory.mktemp("facts") / "unknown.json"
    bad.write_text(
        '{"category": "rumour", "subtype": "other", "conditions": ["bribery", "civil_dispute"]}',
        encoding="utf-8",
    )
    runs: dict[str, tuple[str, ...]] = {
        name: ("policy", "evaluate", "--pack", "cac-ws-2023", facts_path(name), "--json")
        for names in PROCESS_CASES.values()
        for name in names
    }
    runs["human"] = ("policy", "evaluate", facts_path("ws22-1-civil-dispute"), "--lang", "en")
    runs["unknown"] = ("policy", "evaluate", "--pack", "cac-ws-2023", str(bad))
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = {key: pool.submit(qinglang, *args) for key, args in runs.items()}
        return {key: future.result() for key, future in done.items()}


def decision_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    decision: dict[str, Any] = json.loads(result.stdout)
    return decision


@pytest.mark.slow
@pytest.mark.parametrize("requirement", list(PROCESS_CASES))
def test_each_requirement_through_a_real_process(
    processes: dict[str, subprocess.CompletedProcess[str]], requirement: str
) -> None:
    for name in PROCESS_CASES[requirement]:
        check(decision_of(processes[name]), CASES[name])


@pytest.mark.slow
def test_a_real_process_prints_measures_basis_and_trace(
    processes: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = processes["human"]
    assert result.returncode == 0, result.stderr
    assert "  dispute_label · on content · one of ws_22 — WS-22 第二十二条(一)" in result.stdout
    assert "  match ws_22 (WS-22 第二十二条): " in result.stdout


@pytest.mark.slow
def test_a_real_process_refuses_unknown_codes_in_one_line(
    processes: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    result = processes["unknown"]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error[unknown_condition]: unknown codes in cac-ws-2023: conditions: bribery"
    ]
