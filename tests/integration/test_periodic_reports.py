"""Periodic reports (WS-28, SM-9, ES-1): a month's figures as JSON and XLSX, hashed, ledgered."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cli.worker import monthly_report
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import InvalidInput
from qinglang.ledger import Subject, SubjectType
from qinglang.oversight import periodic
from qinglang.oversight.models import PeriodicReport
from qinglang.settings import Settings
from tests.api.conftest import client
from tests.api.test_cases_api import people
from tests.integration.test_cli import run
from tests.integration.test_statistics import walked

__all__ = ["client", "people", "walked"]  # fixtures used by name

CHINA = ZoneInfo("Asia/Shanghai")
OPERATOR = Actor.operator("root")


def entry_for(database: Database, report: PeriodicReport) -> dict[str, object]:
    subject = Subject(type=SubjectType.SYSTEM, id=f"periodic_report:{report.id}")
    entries = ledger.recent_entries(database, subject=subject)
    assert [e.event for e in entries] == ["periodic_report_generated"]
    return entries[0].data


def test_a_month_is_written_as_json_and_xlsx_with_their_hashes_in_the_ledger(
    walked: dict[str, int], database: Database, settings: Settings
) -> None:
    report = periodic.generate(database, settings=settings, actor=OPERATOR, period="2023-09")
    files = periodic.files_of(report)
    assert files["json"].parent == (settings.data_dir / "reports" / "2023-09").resolve()
    json_bytes, xlsx_bytes = files["json"].read_bytes(), files["xlsx"].read_bytes()
    assert report.json_sha256 == hashlib.sha256(json_bytes).hexdigest()
    assert report.xlsx_sha256 == hashlib.sha256(xlsx_bytes).hexdigest()
    payload = entry_for(database, report)
    assert payload["period"] == "2023-09"
    assert payload["json_sha256"] == report.json_sha256
    assert payload["xlsx_sha256"] == report.xlsx_sha256
    assert ledger.verify(database).ok

    content = json.loads(json_bytes)
    headline = content["headline"]
    assert payload["headline"] == headline
    assert (content["from"], content["to"]) == ("2023-09-01", "2023-09-30")
    assert headline["items_removed"] == 2
    assert headline["accounts_handled"] == 1
    assert headline["accounts_muted_or_demonetised"] == 1
    assert headline["reports_received"] == 4
    assert headline["reports_accepted"] == 4
    assert headline["reports_refused_malicious"] == 1
    assert headline["objections_received"] == 1
    assert headline["reversals"] == 1
    assert headline["cases_decided"] == 3
    accounts = content["account_disposals"]
    assert [(r["measure"], r["category"], r["campaign"], r["targets"]) for r in accounts] == [
        ("mute", "rumour", "2023-asian-games", 1)
    ]
    content_rows = {
        (r["measure"], r["campaign"]): r["targets"] for r in content["content_measures"]
    }
    assert content_rows == {
        ("remove", None): 1,
        ("remove", "2023-asian-games"): 1,
        ("restore", None): 1,
    }
    games = next(c for c in content["campaigns"] if c["campaign"] == "2023-asian-games")
    assert (games["items_removed"], games["reports_received"]) == (1, 1)

    book = load_workbook(files["xlsx"])
    assert book.sheetnames == [
        "概要 Summary",
        "账号处置 Accounts",
        "内容处置 Content",
        "限制营利 Monetisation",
        "举报 Reports",
        "申诉 Objections",
        "专项行动 Campaigns",
    ]
    summary = book["概要 Summary"]
    assert summary.freeze_panes == "A3"
    assert [c.value for c in summary[1]] == ["指标", "代码", "数值"]
    assert [c.value for c in summary[2]] == ["Figure", "Code", "Value"]
    read = {row[1]: row[2] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert read == headline
    assert summary.column_dimensions["A"].width == 36
    mute = list(book["账号处置 Accounts"].iter_rows(min_row=3, values_only=True))
    assert mute == [("mute", "rumour", "2023-asian-games", 1, 1)]


def test_the_same_figures_at_the_same_moment_give_the_same_xlsx_bytes(
    database: Database, settings: Settings, clock: FixedClock
) -> None:
    first = periodic.generate(database, settings=settings, actor=OPERATOR, period="2026-10")
    time.sleep(1.1)  # openpyxl stamps the wall-clock save time; the file must not show it
    second = periodic.generate(database, settings=settings, actor=OPERATOR, period="2026-10")
    assert first.id != second.id
    assert first.xlsx_sha256 == second.xlsx_sha256
    assert first.json_sha256 == second.json_sha256
    assert periodic.files_of(first)["xlsx"].is_file()


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ("2026-13", "invalid_period"),
        ("10-2026", "invalid_period"),
        ("2026-1", "invalid_period"),
        ("2026-00", "invalid_period"),
        ("", "invalid_period"),
        ("2026-12", "period_in_future"),  # the clock says 2026-11-24
    ],
)
def test_a_bad_period_is_refused(
    database: Database, settings: Settings, period: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        periodic.generate(database, settings=settings, actor=OPERATOR, period=period)
    assert refused.value.code == code
    assert not (settings.data_dir / "reports").exists()


def test_a_reviewer_cannot_generate_one(database: Database, settings: Settings) -> None:
    from qinglang.actor import ActorKind
    from qinglang.errors import PermissionDenied

    reviewer = Actor(kind=ActorKind.USER, name="li", user_id=1, roles=frozenset({"reviewer"}))
    with pytest.raises(PermissionDenied):
        periodic.generate(database, settings=settings, actor=reviewer, period="2026-10")


def test_the_worker_makes_last_months_report_once_early_in_the_month(
    database: Database, settings: Settings, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=CHINA))
    assert monthly_report(database, settings) is None  # late in the month: not the worker's
    clock.set(datetime(2026, 12, 1, 0, 5, tzinfo=CHINA))
    made = monthly_report(database, settings)
    assert made is not None
    assert monthly_report(database, settings) is None  # once
    clock.set(datetime(2026, 12, 3, 0, 5, tzinfo=CHINA))
    assert monthly_report(database, settings) is None
    with database.unit_of_work(read_only=True) as uow:
        periods = [r.period for r in uow.session.query(PeriodicReport)]
    assert periods == ["2026-11"]
    report = periodic.list_reports(database, actor=Actor.system("t"))[0]
    assert entry_for(database, report)["period"] == "2026-11"


def test_the_command_generates_and_refuses(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    env = {"QINGLANG_DATABASE_URL": str(settings.database_url), "QINGLANG_DATA_DIR": str(tmp_path)}
    done = run("reports", "generate", "--period", "2020-01", "--json", env=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["period"] == "2020-01"
    assert Path(answer["xlsx"]).parent == (tmp_path / "reports" / "2020-01").resolve()
    assert hashlib.sha256(Path(answer["xlsx"]).read_bytes()).hexdigest() == answer["xlsx_sha256"]
    assert hashlib.sha256(Path(answer["json"]).read_bytes()).hexdigest() == answer["json_sha256"]
    bad = run("reports", "generate", "--period", "2026-13", env=env)
    assert bad.returncode != 0
    assert bad.stderr.strip().startswith("error[invalid_period]: "), bad.stderr
