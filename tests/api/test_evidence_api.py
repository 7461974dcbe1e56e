"""``POST /api/v1/evidence`` over HTTP: 201 with what was stored; coded 4xx otherwise."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from qinglang.db.engine import Database
from qinglang.settings import Settings
from qinglang.web.app import create_app
from tests.api.conftest import add_user, bearer


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def headers(database: Database) -> dict[str, str]:
    add_user(database, "intake-bot", "reviewer")
    return bearer(database, "intake-bot", "reports:submit")


@pytest.fixture
def small(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings.model_copy(update={"evidence_max_bytes": 1000}), database=database)
    ) as c:
        yield c


def test_upload_answers_201_with_the_sniffed_type(
    client: TestClient, headers: dict[str, str]
) -> None:
    answer = client.post(
        "/api/v1/evidence", files={"file": ("声明.txt", png(), "text/plain")}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["media_type"] == "image/png"  # not what the header or the name said
    assert body["display_name"] == "声明.txt"
    assert len(body["sha256"]) == 64
    assert body["size"] == len(png())


@pytest.mark.parametrize(
    ("filename", "content", "status", "code"),
    [
        ("empty.txt", b"", 422, "empty_file"),
        ("page.html", b"<html><script>x</script></html>", 415, "unsupported_media_type"),
        ("../evil.txt", b"text", 422, "invalid_filename"),
    ],
)
def test_bad_uploads_get_coded_errors(
    client: TestClient,
    headers: dict[str, str],
    filename: str,
    content: bytes,
    status: int,
    code: str,
) -> None:
    answer = client.post(
        "/api/v1/evidence", files={"file": (filename, content, "text/plain")}, headers=headers
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


def test_over_the_limit_is_413(small: TestClient, database: Database) -> None:
    add_user(database, "intake-bot", "reviewer")
    headers = bearer(database, "intake-bot", "reports:submit")
    answer = small.post(
        "/api/v1/evidence", files={"file": ("a.txt", b"x" * 5000, "text/plain")}, headers=headers
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "file_too_large")
    just_over = small.post(
        "/api/v1/evidence", files={"file": ("a.txt", b"x" * 1001, "text/plain")}, headers=headers
    )
    assert (just_over.status_code, just_over.json()["error"]["code"]) == (413, "file_too_large")


def test_upload_needs_the_scope_and_a_file(
    client: TestClient, database: Database, headers: dict[str, str]
) -> None:
    add_user(database, "auditor", "regulator")
    refused = client.post(
        "/api/v1/evidence",
        files={"file": ("a.txt", b"text", "text/plain")},
        headers=bearer(database, "auditor", "ledger:read"),
    )
    assert refused.status_code == 403
    no_file = client.post("/api/v1/evidence", data={"nothing": "here"}, headers=headers)
    assert (no_file.status_code, no_file.json()["error"]["code"]) == (422, "invalid_input")
