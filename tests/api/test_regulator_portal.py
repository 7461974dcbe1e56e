"""The regulator's portal (WS-28): searches by every filter, a case's full timeline, and
downloads (CSV, XLSX, the signed bundle), each entered in the ledger."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEntry
from qinglang.oversight import portal, signing
from qinglang.oversight.bundle_check import check_bundle
from qinglang.platform.models import PlatformPost
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from tests.api.conftest import add_user, bearer, sign_in
from tests.api.test_cases_api import FACTS_CLEAR
from tests.reporting import submission

CHINA = ZoneInfo("Asia/Shanghai")
CASE_LINK = re.compile(r'href="/console/regulator/cases/(\d+)"')
TRACKING = re.compile(r"<code>(QL-[0-9A-Z*~$=-]+)</code>")


@dataclass
class World:
    cases: dict[str, int] = field(default_factory=dict)
    tracking: dict[str, str] = field(default_factory=dict)
    post_owner: int = 0
    other_account: int = 0


def _submit(
    client: TestClient, headers: dict[str, str], name: str, world: World, **body: Any
) -> None:
    answer = client.post(
        "/api/v1/reports", json=submission(client, headers, **body), headers=headers
    )
    assert answer.status_code == 201, answer.text
    world.cases[name] = answer.json()["case_id"]
    world.tracking[name] = answer.json()["tracking_no"]


@pytest.fixture
def world(client: TestClient, database: Database, clock: FixedClock) -> World:
    """Four cases: A (rumour, a demo post, 24 Nov), B (insult, a news URL, 26 Nov),
    C (misleading, an account, 26 Nov), D (rumour, the 2023 business-environment campaign)."""
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "intake-bot", "reviewer")
    add_user(database, "reg", "regulator")
    bot = bearer(database, "intake-bot", "reports:submit")
    found = World()
    with database.unit_of_work(read_only=True) as uow:
        post = uow.session.get(PlatformPost, 1)
        assert post is not None
        found.post_owner = post.account_id
    found.other_account = found.post_owner + 1
    _submit(client, bot, "A", found, url="https://demo.example.cn/demo-site/posts/1")
    clock.advance(timedelta(days=2))
    _submit(
        client, bot, "B", found, category="insult", url="https://news.example.cn/a/2?utm_source=wx"
    )
    _submit(
        client,
        bot,
        "C",
        found,
        category="misleading",
        targets=[{"account_id": str(found.other_account)}],
    )
    clock.set(datetime(2023, 5, 10, 10, 0, tzinfo=CHINA))
    _submit(
        client, bot, "D", found, url="https://news.example.cn/a/9", zone="business_environment_zone"
    )
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=CHINA))
    sign_in(client, "reg")
    return found


def cases_found(client: TestClient, **filters: str) -> set[int]:
    page = client.get("/console/regulator", params={"kind": "cases", **filters})
    assert page.status_code == 200, page.text
    return {int(n) for n in CASE_LINK.findall(page.text)}


def queried(database: Database) -> list[dict[str, object]]:
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.event == "regulator_queried")
            .order_by(LedgerEntry.seq)
        )
        return [{"actor": e.actor, **e.data} for e in rows]


def test_each_filter_finds_exactly_its_cases(client: TestClient, world: World) -> None:
    c = world.cases
    assert cases_found(client) == set(c.values())
    assert cases_found(client, start="2026-11-24", end="2026-11-24") == {c["A"]}
    assert cases_found(client, start="2026-11-25", end="2026-11-30") == {c["B"], c["C"]}
    assert cases_found(client, end="2023-12-31") == {c["D"]}
    assert cases_found(client, category="insult") == {c["B"]}
    assert cases_found(client, category="rumour") == {c["A"], c["D"]}
    assert cases_found(client, campaign="2023-business-environment") == {c["D"]}
    # an account: cases about it, and about the posts it published
    assert cases_found(client, account=f"account:{world.other_account}") == {c["C"]}
    assert cases_found(client, account=str(world.post_owner)) == {c["A"]}
    # another spelling of the same address finds the same case (normalised as intake does)
    assert cases_found(client, url="http://www.news.example.cn/a/2/?spm=1") == {c["B"]}
    assert cases_found(client, url="https://news.example.cn/a/3") == set()
    assert cases_found(client, tracking_no=world.tracking["C"].lower()) == {c["C"]}
    assert cases_found(client, category="rumour", start="2026-01-01") == {c["A"]}


def test_reports_and_ledger_entries_are_searched_by_the_same_filters(
    client: TestClient, world: World
) -> None:
    page = client.get("/console/regulator", params={"kind": "reports", "category": "insult"})
    assert TRACKING.findall(page.text) == [world.tracking["B"]]
    page = client.get(
        "/console/regulator", params={"kind": "reports", "url": "news.example.cn/a/9"}
    )
    assert TRACKING.findall(page.text) == [world.tracking["D"]]
    entries = client.get(
        "/console/regulator", params={"kind": "entries", "tracking_no": world.tracking["B"]}
    )
    assert entries.status_code == 200
    subjects = set(re.findall(r"<td>((?:case|report|measure):[^<]+)</td>", entries.text))
    assert subjects == {f"case:{world.cases['B']}", f"report:{world.tracking['B']}"}


def test_every_search_is_itself_a_ledger_entry_with_its_filters(
    client: TestClient, database: Database, world: World
) -> None:
    before = len(queried(database))
    cases_found(client, category="insult", start="2026-11-01", end="2026-11-30")
    cases_found(client, url="http://www.news.example.cn/a/2/")
    entries = queried(database)[before:]
    assert len(entries) == 2
    assert entries[0]["actor"] == "user:reg"
    assert entries[0]["filters"] == {
        "kind": "cases",
        "category": "insult",
        "start": "2026-11-01T00:00:00+08:00",
        "end": "2026-12-01T00:00:00+08:00",
    }
    assert entries[0]["rows"] == 1
    assert entries[1]["filters"] == {"kind": "cases", "target_key": "https://news.example.cn/a/2"}


def test_a_bad_filter_is_named_and_nothing_is_searched(
    client: TestClient, database: Database, world: World
) -> None:
    before = len(queried(database))
    for params, shown in (
        ({"tracking_no": "QL-20261124-XXXX"}, "受理编号有误"),
        ({"account": "user:3"}, "account:N"),
        ({"start": "2026-13-01"}, "2026-11-01"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "截止日期早于起始日期"),
        ({"url": "ftp://example.cn/x"}, "http 或 https"),
    ):
        page = client.get("/console/regulator", params={"kind": "cases", **params})
        assert page.status_code == 422
        assert shown in page.text
    assert len(queried(database)) == before


def test_search_pages_on_with_a_keyset_cursor(database: Database, world: World) -> None:
    actor = Actor.operator("inspector")
    query = portal.PortalQuery(kind=portal.CASES)
    first = portal.search(database, actor=actor, query=query, limit=3)
    assert len(first["rows"]) == 3
    assert first["next"]
    rest = portal.search(database, actor=actor, query=query, limit=3, after=first["next"])
    ids = [r["id"] for r in first["rows"]] + [r["id"] for r in rest["rows"]]
    assert sorted(ids) == sorted(world.cases.values())
    assert rest["next"] is None
    assert ids[0] == max(world.cases["B"], world.cases["C"])  # newest first
    assert ids[-1] == world.cases["D"]


def test_the_case_timeline_shows_hashes_masks_numbers_and_escapes_text(
    client: TestClient, database: Database, world: World
) -> None:
    page = client.get(f"/console/regulator/cases/{world.cases['A']}")
    assert page.status_code == 200
    with database.unit_of_work(read_only=True) as uow:
        entries = list(
            uow.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.subject_type == "case",
                    LedgerEntry.subject_id == str(world.cases["A"]),
                )
            )
        )
    assert entries
    for entry in entries:
        assert entry.hash in page.text
        assert entry.prev_hash in page.text
    snapshot = re.search(r"内容快照.*?<td class=\"hash\">([0-9a-f]{64})</td>", page.text, re.S)
    assert snapshot, "the snapshot's SHA-256 is shown"
    assert "13800138000" not in page.text  # the reporter's phone, masked
    assert "138****8000" in page.text
    assert queried(database)[-1]["what"] == "case_timeline"


def test_what_a_reporter_wrote_is_escaped_and_masked(
    client: TestClient, database: Database, world: World
) -> None:
    bot = bearer(database, "intake-bot", "reports:submit")
    statement = "<script>alert(1)</script> 身份证 11010519491231002X，银行卡 6222600260001072444。"
    answer = client.post(
        "/api/v1/reports",
        json=submission(client, bot, url="https://news.example.cn/a/77", statement=statement),
        headers=bot,
    )
    assert answer.status_code == 201, answer.text
    page = client.get(f"/console/regulator/cases/{answer.json()['case_id']}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "11010519491231002X" not in page.text
    assert "110105********002X" in page.text
    assert "6222600260001072444" not in page.text
    assert "622260*********2444" in page.text


def downloaded(database: Database) -> list[dict[str, object]]:
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.event == "regulator_downloaded")
            .order_by(LedgerEntry.seq)
        )
        return [e.data for e in rows]


def test_csv_download_reads_back_and_is_entered_with_its_hash(
    client: TestClient, database: Database, world: World
) -> None:
    answer = client.get(
        "/console/regulator/download",
        params={"kind": "cases", "category": "rumour", "format": "csv"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted(int(r["id"]) for r in rows) == sorted([world.cases["A"], world.cases["D"]])
    assert {r["category"] for r in rows} == {"rumour"}
    entry = downloaded(database)[-1]
    assert entry["format"] == "csv"
    assert entry["rows"] == 2
    assert entry["sha256"] == hashlib.sha256(answer.content).hexdigest()
    assert entry["filters"] == {"kind": "cases", "category": "rumour"}


def test_xlsx_download_reads_back_and_is_entered_with_its_hash(
    client: TestClient, database: Database, world: World
) -> None:
    answer = client.get(
        "/console/regulator/download",
        params={"kind": "reports", "start": "2026-11-25", "format": "xlsx"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == portal.MEDIA_TYPES["xlsx"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "tracking_no"
    assert sorted(str(r[0]) for r in values[1:]) == sorted(
        [world.tracking["B"], world.tracking["C"]]
    )
    assert downloaded(database)[-1]["sha256"] == hashlib.sha256(answer.content).hexdigest()


def test_an_empty_search_downloads_a_header_only_file(
    client: TestClient, database: Database, world: World
) -> None:
    answer = client.get(
        "/console/regulator/download",
        params={"kind": "accounts", "account": "account:999", "format": "csv"},
    )
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines == ["measure_id,account,code,status,case_id,basis,starts_at,expires_at"]
    assert downloaded(database)[-1]["rows"] == 0


def test_the_signed_bundle_of_a_case_downloads_zipped_and_is_entered(
    client: TestClient, database: Database, settings: Settings, world: World, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=Actor.operator("root"))
    answer = client.get("/console/regulator/bundle", params={"case": world.cases["B"]})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["x-content-type-options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = set(archive.namelist())
    assert {"entries.jsonl", "evidence.jsonl", "manifest.json", "manifest.sig"} <= names
    lines = [json.loads(x) for x in archive.read("entries.jsonl").decode().splitlines() if x]
    assert f"case:{world.cases['B']}" in {f"{e['subject_type']}:{e['subject_id']}" for e in lines}
    entry = downloaded(database)[-1]
    assert entry["what"] == "signed_bundle"
    assert entry["case"] == world.cases["B"]
    assert entry["sha256"] == hashlib.sha256(answer.content).hexdigest()
    # what was downloaded verifies offline against the published key
    archive.extractall(tmp_path / "bundle")
    public = signing.public_key_pem(settings)
    assert public is not None
    assert check_bundle(tmp_path / "bundle", public_key_pem=public).ok
    with_files = client.get(
        "/console/regulator/bundle", params={"case": world.cases["B"], "files": "1"}
    )
    names = set(zipfile.ZipFile(io.BytesIO(with_files.content)).namelist())
    assert any(n.startswith("files/") for n in names)
    assert downloaded(database)[-1]["with_files"] is True


def test_a_date_range_bundle_and_a_bundle_without_a_key(
    client: TestClient, database: Database, settings: Settings, world: World
) -> None:
    missing = client.get(
        "/console/regulator/bundle", params={"start": "2026-11-01", "end": "2026-11-30"}
    )
    assert missing.status_code == 500
    assert "signing_key_missing" in missing.text
    signing.create_key(database, settings=settings, actor=Actor.operator("root"))
    answer = client.get(
        "/console/regulator/bundle", params={"start": "2026-11-01", "end": "2026-11-30"}
    )
    assert answer.status_code == 200
    assert "manifest.sig" in zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert downloaded(database)[-1]["from"] == "2026-11-01"


def test_the_portal_is_for_regulators_and_compliance_only(
    client: TestClient, database: Database, world: World
) -> None:
    add_user(database, "li", "reviewer")
    add_user(database, "chen", "compliance")
    client.post("/console/logout", data={"csrf_token": ""})
    client.cookies.clear()
    sign_in(client, "li")
    assert client.get("/console/regulator", params={"kind": "cases"}).status_code == 403
    assert "监管查询" not in client.get("/console/").text
    client.cookies.clear()
    sign_in(client, "chen")
    assert client.get("/console/regulator", params={"kind": "cases"}).status_code == 200
    assert 'href="/console/regulator"' in client.get("/console/").text


def test_account_measures_are_found_by_account_and_category(
    client: TestClient, database: Database, world: World
) -> None:
    add_user(database, "li", "reviewer")
    add_user(database, "wang", "approver")
    li = bearer(database, "li", "cases:review", "reports:read")
    wang = bearer(database, "wang", "cases:approve", "cases:review", "reports:read")
    case_id = world.cases["C"]
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=li).json()
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={"version": claimed["version"], "facts": FACTS_CLEAR},
        headers=li,
    ).json()
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={
            "version": assessed["version"],
            "measures": [{"code": "warn"}],
            "reason": "账号多次发布误导性信息，予以警示",
        },
        headers=li,
    ).json()
    if proposed["status"] == "pending_approval":
        current = client.get(f"/api/v1/cases/{case_id}", headers=li).json()["version"]
        approved = client.post(
            f"/api/v1/cases/{case_id}/approval",
            json={"version": current, "approve": True, "note": "同意"},
            headers=wang,
        )
        assert approved.json()["status"] == "decided", approved.text
    page = client.get(
        "/console/regulator",
        params={"kind": "accounts", "account": f"account:{world.other_account}"},
    )
    assert f"<code>account:{world.other_account}</code>" in page.text
    assert "<td>警示</td>" in page.text
    assert f'href="/console/regulator/cases/{case_id}"' in page.text
    none = client.get("/console/regulator", params={"kind": "accounts", "category": "insult"})
    assert "没有符合条件的记录。" in none.text
    english = client.get("/console/regulator", params={"kind": "accounts", "lang": "en"})
    assert "Account measures" in english.text
