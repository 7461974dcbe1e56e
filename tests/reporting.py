"""Building report submissions for tests: a complete one, and the pieces to break it."""

from __future__ import annotations

import io
import itertools
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from qinglang.policy.loader import load_packs

PACK = load_packs()["cac-ws-2023"]
CREDIT_CODE = "91110000600037341L"  # a valid check digit (stdnum.cn.uscc)
_colours = itertools.count(1)


def png() -> bytes:
    """A small PNG whose bytes differ on every call (each upload is its own file)."""
    n = next(_colours)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (n % 256, (n // 256) % 256, 7)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client: TestClient, headers: dict[str, str], name: str = "licence.png") -> str:
    answer = client.post(
        "/api/v1/evidence", files={"file": (name, png(), "image/png")}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    evidence_id: str = answer.json()["id"]
    return evidence_id


def preliminary_for(category: str) -> str | None:
    """An evidence type the category accepts as preliminary evidence (None: identity only)."""
    found = PACK.category(category)
    assert found is not None
    return found.evidence[0] if found.evidence_rule.value == "listed_types" else None


def submission(
    client: TestClient,
    headers: dict[str, str],
    *,
    category: str = "rumour",
    subtype: str | None = None,
    evidence_types: tuple[str, ...] | None = None,
    url: str = "https://news.example.cn/a/1",
    **fields: Any,
) -> dict[str, Any]:
    """A complete report of ``category``; ``fields`` override top-level fields."""
    found = PACK.category(category)
    assert found is not None
    if evidence_types is None:
        extra = preliminary_for(category)
        evidence_types = ("business_licence",) + ((extra,) if extra else ())
    body: dict[str, Any] = {
        "reporter": {"kind": "enterprise", "name": "王经理", "phone": "13800138000"},
        "right_holder": {"name": "示例科技有限公司", "credit_code": CREDIT_CODE},
        "category": category,
        "subtype": subtype or found.subtypes[0].code,
        "statement": "该文章捏造我公司产品质量问题，与事实不符。",
        "targets": [{"url": url}],
        "evidence": [{"id": upload(client, headers), "type": t} for t in evidence_types],
        "declaration": {"accepted": True, "version": "2023-08"},
    }
    body.update(fields)
    return body
