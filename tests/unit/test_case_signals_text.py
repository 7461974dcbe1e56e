"""The pure part of a case's signals: bounded texts, masked excerpts, hits of one text."""

from __future__ import annotations

import re

import pytest

from qinglang.detect.pii import find_pii
from qinglang.detect.registry import ProtectedName
from qinglang.detect.service import Detection
from qinglang.disposal.signal_texts import (
    MAX_TEXT_CHARS,
    bounded,
    excerpt,
    mask_range,
    snapshot_texts,
    text_signals,
)

PHONE = "13800001111"


@pytest.fixture(scope="module")
def detection() -> Detection:
    found = Detection()
    found.registry = found.registry.with_verified(
        [ProtectedName(name="华锦科技", aliases=(), category="enterprise", owner="account:7")]
    )
    return found


def test_a_short_text_is_kept_whole() -> None:
    assert bounded("你好") == ("你好", False)


def test_a_long_text_is_cut_before_a_number_that_straddles_the_limit() -> None:
    text = "说" * (MAX_TEXT_CHARS - 5) + PHONE + "。"
    kept, truncated = bounded(text)
    assert truncated is True
    assert len(kept) == MAX_TEXT_CHARS - 5  # not in the middle of the number
    assert not re.search(r"[0-9]", kept)


def test_one_long_run_of_letters_is_cut_at_the_limit() -> None:
    kept, truncated = bounded("a" * (MAX_TEXT_CHARS + 10))
    assert (len(kept), truncated) == (MAX_TEXT_CHARS, True)


def test_an_excerpt_widens_to_the_whole_number_and_masks_it() -> None:
    text = "甲" * 40 + "联系" + PHONE + "乙" * 40
    pii = find_pii(text)
    assert [h.span for h in pii] == [(42, 53)]
    # A hit just before the number: its window would cut the number in two.
    parts = excerpt(text, (40, 42), pii, context=4)
    shown = parts["before"] + parts["match"] + parts["after"]
    assert "138****1111" in shown
    assert not re.search(r"[0-9]{5}", shown)
    assert shown.startswith("…")
    assert shown.endswith("…")
    assert parts["match"] == "联系"
    assert parts["after"].startswith("138****1111")  # the number beside it, whole and masked
    # A hit inside the number takes it whole: it is never cut in two.
    inside = excerpt(text, (45, 47), pii, context=4)
    assert inside["match"] == "138****1111"
    assert mask_range(text, 45, 47, pii) == "138****1111"


def test_hits_of_one_text_have_spans_in_it_and_no_clear_personal_data(
    detection: Detection,
) -> None:
    text = "客服全是废物。加微信 " + PHONE + " 领补偿。"
    entry = text_signals(
        detection, where={"source": "report", "report": "QL-1"}, field="s", text=text
    )
    assert entry["report"] == "QL-1"
    assert entry["truncated"] is False
    by_type = {h["type"]: h for h in entry["hits"]}
    terms = {h["term"]: h for h in entry["hits"] if h["type"] == "lexicon"}
    lexicon = terms["废物"]
    assert text[slice(*lexicon["span"])] == "废物"
    assert lexicon["kind"] == "insult"
    assert lexicon["variants"] == ["exact"]
    assert by_type["pii"]["masked"] == "138****1111"
    assert text[slice(*by_type["pii"]["span"])] == PHONE
    assert by_type["link"]["kind"] == "wechat"
    assert by_type["link"]["value"] == "138****1111"  # a handle that is a phone number
    assert PHONE not in repr(entry)


def test_a_text_past_the_limit_says_it_was_truncated(detection: Detection) -> None:
    text = "说" * MAX_TEXT_CHARS + "电话" + PHONE
    entry = text_signals(detection, where={}, field="body", text=text)
    assert entry["truncated"] is True
    assert entry["length"] == len(text)
    assert entry["hits"] == []  # the number lies beyond what was read


def test_an_account_snapshot_checks_its_name_allowing_the_verified_owner(
    detection: Detection,
) -> None:
    def snapshot(ident: int) -> dict[str, object]:
        return {
            "kind": "account",
            "id": ident,
            "fetched_at": "2026-11-24T02:00:00+00:00",
            "content": {"display_name": "华锦科技", "bio": "官方客服，电话 " + PHONE},
        }

    key, account, texts = snapshot_texts(detection, evidence_id="e1", snapshot=snapshot(8))
    assert (key, account) == ("account:8", 8)
    name, bio = texts
    assert (name["field"], bio["field"]) == ("display_name", "bio")
    assert name["name_check"]["verdict"] == "refuse"
    assert [h["code"] for h in name["hits"]] == ["impersonates_protected_name"]
    assert [h["masked"] for h in bio["hits"] if h["type"] == "pii"] == ["138****1111"]
    _, _, own = snapshot_texts(detection, evidence_id="e2", snapshot=snapshot(7))
    assert own[0]["name_check"]["verdict"] == "allow"


def test_a_post_snapshot_names_its_account_and_an_unknown_one_is_skipped(
    detection: Detection,
) -> None:
    post = {
        "kind": "post",
        "id": 3,
        "content": {"title": "标题", "body": "正文", "account": {"id": 9, "display_name": "小王"}},
    }
    key, account, texts = snapshot_texts(detection, evidence_id="e", snapshot=post)
    assert (key, account) == ("content:3", 9)
    assert [t["field"] for t in texts] == ["title", "body", "account.display_name"]
    assert texts[2]["account"] == "account:9"
    assert snapshot_texts(detection, evidence_id="e", snapshot={"kind": "thing"}) == (
        None,
        None,
        [],
    )
