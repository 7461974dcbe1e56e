"""Signed ledger exports of a real walk, and what verify-export says of each altered part."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang.actor import Actor, ActorKind
from qinglang.db.engine import Database
from qinglang.errors import ConfigurationError, Conflict, PermissionDenied
from qinglang.ledger import LedgerEntry
from qinglang.measures.outbox import deliver_due
from qinglang.oversight import signing
from qinglang.oversight.bundle_check import check_bundle
from qinglang.oversight.exports import export_bundle
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformPost
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from qinglang.web.app import create_app
from tests.api.conftest import add_user, bearer
from tests.api.test_cases_api import claim_and_assess, open_case
from tests.integration.test_cli import assert_one_line_error, run
from tests.ledgerutil import write

OPERATOR = Actor.operator("auditor")
NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 30)}
People = dict[str, dict[str, str]]


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=database)) as test_client:
        yield test_client


@pytest.fixture
def people(database: Database) -> People:
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "intake-bot", "reviewer")
    add_user(database, "li", "reviewer")
    return {
        "bot": bearer(database, "intake-bot", "reports:submit"),
        "li": bearer(database, "li", "cases:review", "reports:read"),
    }


def decide_removal(client: TestClient, people: People, post: int) -> int:
    case_id = open_case(client, people, post=post)
    assessed = claim_and_assess(client, people, case_id)
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=people["li"],
    )
    assert proposed.json()["status"] == "decided", proposed.text
    return case_id


@pytest.fixture
def walked(client: TestClient, database: Database, people: People) -> int:
    """A month's real walk: reports with evidence, a decided case whose measure was applied."""
    case_id = decide_removal(client, people, post=1)
    deliver_due(database, DemoPlatform(database, "http://test"), worker="t", batch=10)
    return case_id


def export(database: Database, settings: Settings, out: Path, **extra: object) -> dict[str, object]:
    options: dict[str, object] = {"actor": OPERATOR, **NOVEMBER, **extra}
    return export_bundle(
        database,
        settings=settings,
        out=out,
        **options,  # type: ignore[arg-type]
    )


def public_key(settings: Settings) -> str:
    pem = signing.public_key_pem(settings)
    assert pem is not None
    return pem


def flip_middle(path: Path) -> int:
    """Flip one byte in the middle of ``path``; returns the line it is on (1-based)."""
    data = bytearray(path.read_bytes())
    at = len(data) // 2
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    return data[:at].count(b"\n") + 1


def test_a_month_exports_signed_and_each_altered_part_is_named(
    database: Database, settings: Settings, walked: int, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=OPERATOR)
    out = tmp_path / "november"
    manifest = export(database, settings, out, with_files=True)
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    assert counts["entries"] > 10
    assert counts["evidence"] >= 2
    assert counts["files"] >= 2
    lines = [json.loads(line) for line in (out / "entries.jsonl").read_text().splitlines()]
    events = {line["event"] for line in lines}
    assert {"report_received", "case_opened", "case_decided", "measure_recorded"} <= events
    stored = {e.seq: e for e in _entries(database)}
    assert all(stored[line["seq"]].payload == line["payload"] for line in lines)
    sound = check_bundle(out, public_key_pem=public_key(settings))
    assert sound.ok, sound.problem
    assert sound.links_checked is True

    files = sorted((out / "files").iterdir())
    expected = {
        "entries.jsonl": ("line_altered", "entries.jsonl"),
        "evidence.jsonl": ("file_hash_mismatch", "evidence.jsonl"),
        f"files/{files[0].name}": ("file_hash_mismatch", f"files/{files[0].name}"),
        "manifest.json": ("signature_invalid", "manifest.sig"),
        "manifest.sig": ("signature_invalid", "manifest.sig"),
    }
    for part, (code, named) in expected.items():
        altered = tmp_path / f"altered-{part.replace('/', '-')}"
        shutil.copytree(out, altered)
        line = flip_middle(altered / part)
        result = check_bundle(altered, public_key_pem=public_key(settings))
        assert result.problem is not None, part
        assert (result.problem.code, result.problem.file) == (code, named), part
        if part == "entries.jsonl":
            assert result.problem.line == line


def test_the_export_is_itself_a_ledger_entry(
    database: Database, settings: Settings, walked: int, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=OPERATOR)
    manifest = export(database, settings, tmp_path / "b")
    last = _entries(database)[-1]
    assert last.event == "ledger_exported"
    assert last.actor == "operator:auditor"
    data = (tmp_path / "b" / "manifest.json").read_bytes()
    assert last.data["manifest_sha256"] == hashlib.sha256(data).hexdigest()
    assert last.data["counts"] == manifest["counts"]
    assert last.data["range"] == {"from": "2026-11-01", "to": "2026-11-30"}


def test_an_empty_range_gives_an_empty_signed_bundle_that_verifies(
    database: Database, settings: Settings, walked: int, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=OPERATOR)
    out = tmp_path / "empty"
    manifest = export(database, settings, out, start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert manifest["counts"] == {"entries": 0, "evidence": 0, "files": 0}
    assert (out / "entries.jsonl").read_bytes() == b""
    assert (out / "manifest.sig").stat().st_size == 64
    result = check_bundle(out, public_key_pem=public_key(settings))
    assert result.ok, result.problem


def test_by_case_only_that_cases_entries_and_links_are_not_checkable(
    client: TestClient, database: Database, settings: Settings, people: People, tmp_path: Path
) -> None:
    first = decide_removal(client, people, post=1)
    second = decide_removal(client, people, post=2)
    signing.create_key(database, settings=settings, actor=OPERATOR)
    out = tmp_path / "case"
    manifest = export(database, settings, out, case_id=first)
    view = client.get(f"/api/v1/cases/{first}", headers=people["li"]).json()
    own = {("case", str(first))}
    own |= {("report", r["tracking_no"]) for r in view["reports"]}
    own |= {("measure", str(m["id"])) for m in view["measures"]}
    lines = [json.loads(line) for line in (out / "entries.jsonl").read_text().splitlines()]
    assert lines
    assert {(x["subject_type"], x["subject_id"]) for x in lines} <= own
    assert {"case_opened", "measure_recorded", "report_received"} <= {x["event"] for x in lines}
    assert ("case", str(second)) not in {(x["subject_type"], x["subject_id"]) for x in lines}
    chain = manifest["chain"]
    assert isinstance(chain, dict)
    assert chain["linked"] is False
    result = check_bundle(out, public_key_pem=public_key(settings))
    assert result.ok, result.problem
    assert result.links_checked is False
    assert result.evidence >= 2  # the report's uploads and the snapshot


def test_by_account_the_cases_on_its_posts_and_not_others(
    client: TestClient, database: Database, settings: Settings, people: People, tmp_path: Path
) -> None:
    with database.unit_of_work(read_only=True) as uow:
        owner = {p.id: p.account_id for p in uow.session.scalars(select(PlatformPost))}
    other_post = next(post for post, account in owner.items() if account != owner[1])
    mine = decide_removal(client, people, post=1)
    theirs = decide_removal(client, people, post=other_post)
    signing.create_key(database, settings=settings, actor=OPERATOR)
    out = tmp_path / "account"
    export(database, settings, out, account=f"account:{owner[1]}")
    subjects = {
        (x["subject_type"], x["subject_id"])
        for x in map(json.loads, (out / "entries.jsonl").read_text().splitlines())
    }
    assert ("case", str(mine)) in subjects
    assert ("case", str(theirs)) not in subjects
    assert check_bundle(out, public_key_pem=public_key(settings)).ok


def test_without_a_key_the_export_says_so_and_writes_nothing(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError) as missing:
        export(database, settings, tmp_path / "none")
    assert missing.value.code == "signing_key_missing"
    assert "qinglang keys init" in missing.value.message
    assert not (tmp_path / "none").exists()
    assert signing.public_key_pem(settings) is None


def test_keys_init_twice_refuses_and_rotation_keeps_the_old_public_key(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    first = signing.create_key(database, settings=settings, actor=OPERATOR)
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    with pytest.raises(Conflict) as again:
        signing.create_key(database, settings=settings, actor=OPERATOR)
    assert again.value.code == "signing_key_exists"
    assert signing.key_info(settings).fingerprint == first.fingerprint  # untouched
    export(database, settings, tmp_path / "old")
    rotated = signing.create_key(database, settings=settings, actor=OPERATOR, rotate=True)
    assert rotated.fingerprint != first.fingerprint
    [(kept, kept_print)] = rotated.retired
    assert kept_print == first.fingerprint
    assert check_bundle(tmp_path / "old", public_key_pem=kept.read_text()).ok
    created = [e for e in _entries(database) if e.event == "signing_key_created"]
    assert [e.data["fingerprint"] for e in created] == [first.fingerprint, rotated.fingerprint]


def test_the_wrong_public_key_fails_the_signature(
    database: Database, settings: Settings, walked: int, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=OPERATOR)
    export(database, settings, tmp_path / "b")
    stranger = settings.model_copy(update={"signing_key_file": tmp_path / "other.pem"})
    signing.create_key(database, settings=stranger, actor=OPERATOR)
    result = check_bundle(tmp_path / "b", public_key_pem=public_key(stranger))
    assert result.problem is not None
    assert result.problem.code == "signature_invalid"


def test_a_reviewer_may_not_export_the_ledger(
    database: Database, settings: Settings, tmp_path: Path
) -> None:
    signing.create_key(database, settings=settings, actor=OPERATOR)
    reviewer = Actor(kind=ActorKind.USER, name="li", user_id=1, roles=frozenset({"reviewer"}))
    with pytest.raises(PermissionDenied):
        export(database, settings, tmp_path / "b", actor=reviewer)


def _entries(database: Database) -> list[LedgerEntry]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)))


def test_the_commands_export_and_verify_and_exit_4_on_an_altered_bundle(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    for n in range(3):
        write(database, {"n": n, "note": "十一月"})
    env = {"QINGLANG_DATABASE_URL": database_url, "QINGLANG_DATA_DIR": str(tmp_path)}
    assert (
        run(
            "ledger",
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--out",
            str(tmp_path / "b"),
            env=env,
        ).returncode
        == 3
    )  # no key yet
    created = run("keys", "init", env=env)
    assert created.returncode == 0, created.stderr
    assert_one_line_error(run("keys", "init", env=env), "signing_key_exists", 2)
    shown = run("keys", "show", env=env)
    assert shown.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    assert "fingerprint (SHA-256): " in shown.stderr
    (tmp_path / "pub.pem").write_text(shown.stdout)
    exported = run(
        "ledger",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        str(tmp_path / "b"),
        env=env,
    )
    assert exported.returncode == 0, exported.stderr
    assert "export: 3 entries" in exported.stdout
    checked = run(
        "ledger", "verify-export", str(tmp_path / "b"), "--public-key", str(tmp_path / "pub.pem")
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "export: sound" in checked.stdout
    line = flip_middle(tmp_path / "b" / "entries.jsonl")
    broken = run(
        "ledger",
        "verify-export",
        str(tmp_path / "b"),
        "--public-key",
        str(tmp_path / "pub.pem"),
        "--json",
    )
    assert broken.returncode == 4
    problem = json.loads(broken.stdout)["problem"]
    assert (problem["code"], problem["line"]) == ("line_altered", line)
