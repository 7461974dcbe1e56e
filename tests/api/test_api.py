"""The JSON API: OpenAPI, health, tokens, users, the ledger; every error has a stable code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from tests.api.conftest import add_user, bearer


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/users", "/api/v1/tokens", "/api/v1/ledger/entries"} <= spec[
        "paths"
    ].keys()
    assert spec["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["ApiToken"]["description"],
    }
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"ApiToken": []}]
    docs = client.get("/api/docs").text
    assert '<script src="/api/docs-assets/swagger-ui-bundle.js">' in docs
    assert "cdn" not in docs.lower()
    script = client.get("/api/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


def test_healthz_checks_the_database(client: TestClient, database: Database) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": database.dialect,
        "migrated": True,
        "version": "0.1.0",
    }
    assert len(response.headers["x-request-id"]) >= 8


def test_request_ids_are_echoed_when_sane(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc12345-trace"}).headers[
        "x-request-id"
    ] == ("abc12345-trace")
    assert (
        client.get("/healthz", headers={"X-Request-ID": "bad id\x01"}).headers["x-request-id"]
        != "bad id"
    )


def test_requests_without_a_token_get_a_coded_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_required"
    assert response.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer qlt_forged"})
    assert bad.json()["error"]["code"] == "invalid_token"


def test_me_shows_roles_scopes_and_effective_permissions(
    client: TestClient, database: Database
) -> None:
    add_user(database, "chen", "compliance")
    response = client.get(
        "/api/v1/me", headers=bearer(database, "chen", "ledger:read", "platform:read")
    )
    assert response.status_code == 200
    assert response.json() == {
        "actor": response.json()["actor"],
        "username": "chen",
        "roles": ["compliance"],
        "scopes": ["ledger:read", "platform:read"],
        "permissions": ["ledger:read", "platform:read"],
    }


def test_admin_adds_and_disables_users_through_the_api(
    client: TestClient, database: Database
) -> None:
    add_user(database, "root1", "admin")
    headers = bearer(database, "root1", "users:manage", "users:read")
    created = client.post(
        "/api/v1/users",
        json={
            "username": "wang",
            "password": "a long password",
            "roles": ["approver"],
            "display_name": "王强",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["roles"] == ["approver"]
    assert (
        client.patch("/api/v1/users/wang", json={"is_active": False}, headers=headers).json()[
            "is_active"
        ]
        is False
    )
    assert [u["username"] for u in client.get("/api/v1/users", headers=headers).json()] == [
        "root1",
        "wang",
    ]


def test_bad_input_gets_a_stable_code(client: TestClient, database: Database) -> None:
    add_user(database, "root1", "admin")
    headers = bearer(database, "root1", "users:manage")
    missing = client.post("/api/v1/users", json={"username": "xy"}, headers=headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "invalid_input"
    assert {p["field"] for p in missing.json()["error"]["details"]["problems"]} == {
        "password",
        "roles",
    }
    role = client.post(
        "/api/v1/users",
        json={"username": "xy", "password": "a long password", "roles": ["boss"]},
        headers=headers,
    )
    assert (role.status_code, role.json()["error"]["code"]) == (422, "unknown_role")
    taken = client.post(
        "/api/v1/users",
        json={"username": "root1", "password": "a long password", "roles": ["admin"]},
        headers=headers,
    )
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "username_taken")
    assert client.get("/api/v1/nothing-here").json()["error"]["code"] == "not_found"


def test_scopes_limit_what_a_token_can_do(client: TestClient, database: Database) -> None:
    add_user(database, "root1", "admin")
    response = client.get("/api/v1/users", headers=bearer(database, "root1", "ledger:read"))
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": response.json()["error"]["message"],
        "details": {"permission": "users:read"},
    }


def test_tokens_issued_through_the_api_show_the_secret_once(
    client: TestClient, database: Database
) -> None:
    add_user(database, "li", "reviewer")
    headers = bearer(database, "li", "tokens:own", "platform:read")
    issued = client.post(
        "/api/v1/tokens", json={"name": "my script", "scopes": ["platform:read"]}, headers=headers
    )
    assert issued.status_code == 201, issued.text
    secret = issued.json()["token"]
    listed = client.get("/api/v1/tokens", headers=headers).json()
    assert all("token" not in t for t in listed)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    revoked = client.delete(f"/api/v1/tokens/{issued.json()['id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_ledger_entries_and_verification(client: TestClient, database: Database) -> None:
    add_user(database, "insp", "regulator")
    add_user(database, "li", "reviewer")
    headers = bearer(database, "insp", "ledger:read", "ledger:verify")
    entries = client.get("/api/v1/ledger/entries", params={"limit": 2}, headers=headers).json()
    assert [e["event"] for e in entries] == ["token_created", "user_created"]
    assert entries[0]["prev_hash"] == entries[1]["hash"]
    verified = client.post("/api/v1/ledger/verify", headers=headers).json()
    assert verified["ok"] is True
    assert verified["checked"] == 3
    reviewer = bearer(database, "li", "platform:read")
    assert client.get("/api/v1/ledger/entries", headers=reviewer).status_code == 403
