"""A test client over the whole app, sharing the test's database, plus users and tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from qinglang.actor import Actor
from qinglang.auth import tokens, users
from qinglang.db.engine import Database
from qinglang.settings import Settings
from qinglang.web.app import create_app

OPERATOR = Actor.operator("root")
PASSWORD = "correct horse battery"


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=database)) as test_client:
        yield test_client


def add_user(database: Database, username: str, *roles: str) -> None:
    users.create_user(database, actor=OPERATOR, username=username, password=PASSWORD, roles=roles)


def bearer(database: Database, username: str, *scopes: str) -> dict[str, str]:
    issued = tokens.create_token(
        database, actor=OPERATOR, username=username, name="test", scopes=scopes
    )
    return {"Authorization": f"Bearer {issued.secret}"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": "/console/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
