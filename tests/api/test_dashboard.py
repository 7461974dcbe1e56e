"""The dashboard: figures and server-drawn charts for compliance, approvers and regulators."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.oversight import periodic
from qinglang.settings import Settings
from tests.api.conftest import add_user, sign_in
from tests.api.test_cases_api import people
from tests.integration.test_statistics import walked

__all__ = ["people", "walked"]  # fixtures used by name

PERIOD = "?campaign=&from=2023-09-01&to=2023-09-30"


def charts_of(html: str) -> list[ET.Element]:
    found = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    return [ET.fromstring(svg) for svg in found]


def test_a_compliance_officer_sees_the_figures_and_charts(
    walked: dict[str, int], client: TestClient, database: Database
) -> None:
    add_user(database, "he", "compliance")
    sign_in(client, "he")
    page = client.get("/console/dashboard" + PERIOD)
    assert page.status_code == 200
    assert '<a href="/console/dashboard">统计看板</a>' in page.text  # the navigation
    assert '<dd data-figure="items_removed">2</dd>' in page.text
    assert '<dd data-figure="reports_received">4</dd>' in page.text
    assert '<dd data-figure="reversals">1</dd>' in page.text
    svgs = charts_of(page.text)
    assert len(svgs) == 4
    assert all(s.get("role") == "img" and s.get("aria-label") for s in svgs)
    assert svgs[0].get("aria-label") == "已执行的处置措施（按措施）"
    assert "<script" not in page.text
    english = client.get("/console/dashboard" + PERIOD + "&lang=en")
    assert "Measures applied, by kind" in english.text
    assert "Items removed" in english.text
    games = client.get("/console/dashboard?campaign=2023-asian-games&from=2023-09-01&to=2023-09-30")
    assert '<dd data-figure="reports_received">1</dd>' in games.text
    assert '<option value="2023-asian-games" selected>' in games.text


def test_approvers_and_regulators_see_it_reviewers_and_reporters_do_not(
    client: TestClient, database: Database
) -> None:
    for user, role, status in (
        ("wang", "approver", 200),
        ("gov", "regulator", 200),
        ("li", "reviewer", 403),
        ("firm", "reporter", 403),
    ):
        add_user(database, user, role)
        client.cookies.clear()
        sign_in(client, user)
        page = client.get("/console/dashboard")
        assert page.status_code == status, (user, page.status_code)
        if status == 403:
            assert "<svg" not in page.text
            assert 'href="/console/dashboard"' not in client.get("/console/").text


def test_a_bad_date_on_the_page_is_refused(client: TestClient, database: Database) -> None:
    add_user(database, "he", "compliance")
    sign_in(client, "he")
    page = client.get("/console/dashboard?from=2023-13-01")
    assert page.status_code == 422
    assert "invalid_date" in page.text


def test_periodic_reports_download_with_their_headers(
    client: TestClient, database: Database, settings: Settings
) -> None:
    report = periodic.generate(
        database, settings=settings, actor=Actor.operator("root"), period="2026-10"
    )
    add_user(database, "gov", "regulator")
    sign_in(client, "gov")
    page = client.get("/console/dashboard")
    assert f'href="/console/dashboard/reports/{report.id}.xlsx"' in page.text
    for kind, media in (
        ("json", "application/json"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        answer = client.get(f"/console/dashboard/reports/{report.id}.{kind}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media)
        assert answer.headers["x-content-type-options"] == "nosniff"
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith("attachment")
        assert f"periodic-report-2026-10-{report.id}.{kind}" in disposition
        expected = report.json_sha256 if kind == "json" else report.xlsx_sha256
        assert hashlib.sha256(answer.content).hexdigest() == expected
    assert client.get("/console/dashboard/reports/999.json").status_code == 404
    from qinglang import ledger

    downloads = [e for e in ledger.recent_entries(database) if e.event == "regulator_downloaded"]
    assert len(downloads) == 2
