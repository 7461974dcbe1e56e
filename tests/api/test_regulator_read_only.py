"""A regulator reads and never changes (issue 7, item 3): every change they try outside
WS-25's review is refused with 403 and entered in the ledger as ``change_refused``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.models import User
from qinglang.auth.permissions import ROLE_PERMISSIONS, Role
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEntry
from qinglang.platform.seed import seed_demo_platform
from tests.api.conftest import add_user, bearer, csrf_of, sign_in
from tests.api.test_cases_api import FACTS_CLEAR
from tests.reporting import png, submission

EVERYTHING_A_REGULATOR_HOLDS = sorted(p.value for p in ROLE_PERMISSIONS[Role.REGULATOR])


def refusals(database: Database) -> list[dict[str, Any]]:
    with database.unit_of_work(read_only=True) as uow:
        rows = uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.event == "change_refused")
            .order_by(LedgerEntry.seq)
        )
        return [
            {"actor": e.actor, "subject": f"{e.subject_type}:{e.subject_id}", **e.data}
            for e in rows
        ]


@pytest.fixture
def staff(database: Database) -> dict[str, dict[str, str]]:
    seed_demo_platform(database, actor=Actor.system("test"))
    add_user(database, "bot", "reviewer")
    add_user(database, "li", "reviewer")
    add_user(database, "reg", "regulator")
    return {
        "bot": bearer(database, "bot", "reports:submit"),
        "li": bearer(database, "li", "cases:review", "reports:read"),
        "reg": bearer(database, "reg", *EVERYTHING_A_REGULATOR_HOLDS),
    }


def open_case(client: TestClient, staff: dict[str, dict[str, str]]) -> int:
    body = submission(client, staff["bot"], url="https://demo.example.cn/demo-site/posts/1")
    answer = client.post("/api/v1/reports", json=body, headers=staff["bot"])
    assert answer.status_code == 201, answer.text
    case_id: int = answer.json()["case_id"]
    return case_id


def test_a_regulators_changes_over_the_api_are_refused_and_recorded(
    client: TestClient, database: Database, staff: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, staff)
    reg = staff["reg"]
    attempts: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", f"/api/v1/cases/{case_id}/claim", {}, "cases:review"),
        (
            "POST",
            f"/api/v1/cases/{case_id}/proposal",
            {"json": {"version": 1, "measures": [{"code": "remove"}], "reason": "x"}},
            "cases:review",
        ),
        (
            "POST",
            "/api/v1/users",
            {"json": {"username": "mole", "password": "p4ssw0rd-long", "roles": ["admin"]}},
            "users:manage",
        ),
        (
            "POST",
            "/api/v1/evidence",
            {"files": {"file": ("a.png", png(), "image/png")}},
            "reports:submit",
        ),
    ]
    for method, path, extra, permission in attempts:
        answer = client.request(method, path, headers=reg, **extra)
        assert answer.status_code == 403, (path, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "permission_denied"
        assert error["details"] == {"permission": permission}
    found = refusals(database)
    assert [(r["method"], r["path"], r["permission"]) for r in found] == [
        (m, p, perm) for m, p, _extra, perm in attempts
    ]
    assert all(r["actor"].startswith("user:reg#token") for r in found)
    assert all(r["subject"].startswith("user:") for r in found)
    # nothing changed: the case is unclaimed, the user does not exist, the chain still verifies
    view = client.get(f"/api/v1/cases/{case_id}", headers=staff["li"]).json()
    assert view["version"] == 1
    assert view["claim_expires_at"] is None
    with database.unit_of_work(read_only=True) as uow:
        assert uow.session.scalars(select(User).where(User.username == "mole")).first() is None
    assert ledger.verify(database).ok


def test_a_regulators_console_form_is_refused_and_recorded(
    client: TestClient, database: Database, staff: dict[str, dict[str, str]]
) -> None:
    sign_in(client, "reg")
    token = csrf_of(client.get("/console/regulator/inspections").text)
    answer = client.post("/console/reporter-accounts/1/verify", data={"csrf_token": token})
    assert answer.status_code == 403
    assert "<code>permission_denied</code>" in answer.text
    with database.unit_of_work(read_only=True) as uow:
        reg = uow.session.scalars(select(User).where(User.username == "reg")).one()
    assert refusals(database) == [
        {
            "actor": "user:reg",
            "subject": f"user:{reg.id}",
            "method": "POST",
            "path": "/console/reporter-accounts/1/verify",
            "permission": "reporter_accounts:verify",
        }
    ]


def test_reads_refused_and_others_refusals_are_not_change_attempts(
    client: TestClient, database: Database, staff: dict[str, dict[str, str]]
) -> None:
    assert client.get("/api/v1/users", headers=staff["reg"]).status_code == 403  # a read
    answer = client.post(
        "/api/v1/users",
        json={"username": "mole", "password": "p4ssw0rd-long", "roles": ["admin"]},
        headers=staff["li"],  # a reviewer: refused, but not a regulator's attempt
    )
    assert answer.status_code == 403
    assert refusals(database) == []


def test_a_regulators_ws25_review_still_works(
    client: TestClient, database: Database, staff: dict[str, dict[str, str]]
) -> None:
    case_id = open_case(client, staff)
    li = staff["li"]
    claimed = client.post(f"/api/v1/cases/{case_id}/claim", headers=li).json()
    assessed = client.post(
        f"/api/v1/cases/{case_id}/assessment",
        json={
            "version": claimed["version"],
            "facts": FACTS_CLEAR,
            "conditions": {"involves_stakeholder_party": "举报方为其股东"},
        },
        headers=li,
    ).json()
    proposed = client.post(
        f"/api/v1/cases/{case_id}/proposal",
        json={"version": assessed["version"], "measures": [{"code": "remove"}]},
        headers=li,
    ).json()
    assert proposed["status"] == "pending_regulator"
    commented = client.post(
        f"/api/v1/cases/{case_id}/regulator-review",
        json={"verdict": "comment", "note": "请补充股东关系证明"},
        headers=staff["reg"],
    )
    assert commented.status_code == 200
    approved = client.post(
        f"/api/v1/cases/{case_id}/regulator-review",
        json={"verdict": "approve", "note": "同意"},
        headers=staff["reg"],
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    # reading and verifying the ledger are not changes either
    assert client.post("/api/v1/ledger/verify", headers=staff["reg"]).status_code == 200
    assert refusals(database) == []
