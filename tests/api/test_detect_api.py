"""``/api/v1/detect``: PII and links over HTTP, with limits and awkward text."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from qinglang.db.engine import Database
from qinglang.settings import Settings
from qinglang.web.app import create_app
from tests.api.conftest import add_user, bearer


@pytest.fixture
def headers(database: Database) -> dict[str, str]:
    add_user(database, "platform", "reviewer")
    return bearer(database, "platform", "detect:use")


@pytest.fixture
def small_client(settings: Settings, database: Database) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"detect_max_chars": 50})
    with TestClient(create_app(limited, database=database)) as client:
        yield client


def test_pii_is_found_and_masked(client: TestClient, headers: dict[str, str]) -> None:
    text = "张总电话13800138000，身份证11010519491231002X"
    answer = client.post("/api/v1/detect/pii", json={"text": text}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "hits": [
            {"type": "phone", "span": [4, 15], "masked": "138****8000"},
            {"type": "resident_id", "span": [19, 37], "masked": "110105********002X"},
        ],
        "masked_text": "张总电话138****8000，身份证110105********002X",
    }


def test_links_and_lures_are_found(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post(
        "/api/v1/detect/links",
        json={"text": "加vx：abc_12345 看 www点huajin点com"},
        headers=headers,
    )
    kinds = [(link["kind"], link["value"], link["obfuscated"]) for link in answer.json()["links"]]
    assert kinds == [("wechat", "abc_12345", True), ("url", "www.huajin.com", True)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ud800 lone surrogate 13800138000",
        "\u202e反向\u202c 13800138000",
        "e\u0301\u0301 混合 mixed",
        "\U0010ffff\ufffe",
    ],
    ids=["empty", "lone-surrogate", "rtl", "combining", "noncharacters"],
)
def test_awkward_text_never_fails(client: TestClient, headers: dict[str, str], text: str) -> None:
    for path in ("/api/v1/detect/pii", "/api/v1/detect/links"):
        body = json.dumps({"text": text})  # ASCII-escaped, so a lone surrogate travels as \\ud800
        answer = client.post(
            path, content=body, headers=headers | {"content-type": "application/json"}
        )
        assert answer.status_code == 200, (path, answer.text)


def test_over_the_limit_is_a_coded_413(small_client: TestClient, database: Database) -> None:
    add_user(database, "platform", "reviewer")
    headers = bearer(database, "platform", "detect:use")
    answer = small_client.post("/api/v1/detect/pii", json={"text": "字" * 51}, headers=headers)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "text_too_long"
    assert answer.json()["error"]["details"] == {"field": "text", "limit": 50}
    huge = small_client.post(
        "/api/v1/detect/pii",
        content=b'{"text": "' + b"a" * 20_000 + b'"}',
        headers=headers | {"content-type": "application/json"},
    )
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "body_too_large")


def test_detection_needs_the_scope(client: TestClient, database: Database) -> None:
    add_user(database, "auditor", "regulator")
    headers = bearer(database, "auditor", "ledger:read")
    answer = client.post("/api/v1/detect/pii", json={"text": "x"}, headers=headers)
    assert answer.status_code == 403


def test_malformed_json_and_missing_text_are_coded_422(
    client: TestClient, headers: dict[str, str]
) -> None:
    json_headers = headers | {"content-type": "application/json"}
    malformed = client.post("/api/v1/detect/pii", content=b"{not json", headers=json_headers)
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "invalid_input")
    missing = client.post("/api/v1/detect/pii", json={"txt": "x"}, headers=headers)
    assert missing.json()["error"]["details"]["problems"][0]["field"] == "text"


def test_name_check_over_http(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post("/api/v1/detect/names", json={"name": "人民曰报官方"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "verdict": "refuse",
        "reasons": [
            {
                "code": "impersonates_protected_name",
                "kind": "media",
                "matched": "人民日报",
                "field": "name",
                "span": [0, 4],
                "variants": ["shape"],
            }
        ],
    }
    review = client.post(
        "/api/v1/detect/names", json={"name": "小林", "bio": "执业律师"}, headers=headers
    )
    assert review.json()["verdict"] == "review"
    allow = client.post("/api/v1/detect/names", json={"name": "一只柠檬"}, headers=headers)
    assert allow.json() == {"verdict": "allow", "reasons": []}


def test_name_check_limits_apply_to_name_and_bio(
    small_client: TestClient, database: Database
) -> None:
    add_user(database, "platform", "reviewer")
    headers = bearer(database, "platform", "detect:use")
    answer = small_client.post(
        "/api/v1/detect/names", json={"name": "x", "bio": "字" * 51}, headers=headers
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["details"]["field"] == "bio"


def test_scan_finds_variant_spellings_and_links(
    client: TestClient, headers: dict[str, str]
) -> None:
    text = "这个含泪轉讓的门票，还有人 肉 搜 索，加vx：abc_12345"
    answer = client.post("/api/v1/detect/scan", json={"text": text}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(h["term"], h["kind"], h["variants"]) for h in body["hits"]] == [
        ("含泪转让", "fraud", ["traditional"]),
        ("人肉搜索", "doxxing", ["noise"]),
    ]
    assert body["hits"][1]["span"] == [12, 19]
    assert [link["kind"] for link in body["links"]] == ["wechat"]


def test_scan_with_one_lexicon_and_an_unknown_one(
    client: TestClient, headers: dict[str, str]
) -> None:
    named = client.post(
        "/api/v1/detect/scan", json={"text": "赌博", "lexicon": "demo-harmful"}, headers=headers
    )
    assert named.json()["hits"][0]["term"] == "赌博"
    unknown = client.post(
        "/api/v1/detect/scan", json={"text": "x", "lexicon": "nope"}, headers=headers
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "lexicon_not_found")
