"""Notice templates: every kind renders in zh-CN and English with its subject."""

from __future__ import annotations

import pytest

from qinglang.notices.service import _render

CONTEXTS = {
    "outcome": {
        "name": "王经理",
        "tracking_no": "QL-20261124-7K3M9P2X-J",
        "measures": [{"label": "删除", "target": "post:1", "basis": "WS-20 第二十条", "until": ""}],
        "reason": "",
        "track_url": "http://127.0.0.1:8000/track",
        "platform": "清朗演示平台",
    },
    "measure": {
        "what": "发布的信息",
        "measures": [{"label": "限时加私", "target": "post:1", "basis": "WS-21", "until": "x"}],
        "deadline": "2026-12-24 10:00",
        "platform": "清朗演示平台",
    },
    "objection_outcome": {"case_id": 7, "outcome": "撤销", "reason": "证据充分", "platform": "p"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_each_notice_renders_in_both_languages(kind: str, locale: str) -> None:
    subject, body = _render(kind, locale, CONTEXTS[kind])
    assert subject
    assert body.strip()
    assert "{{" not in body
    if kind == "measure":
        assert ("第二十四条" if locale == "zh-CN" else "Article 24") in body
