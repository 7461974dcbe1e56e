"""The console speaks zh-CN first and English second, with no untranslated string in either."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qinglang.auth.permissions import Role
from qinglang.disposal.queues import QUEUE_STATUSES
from qinglang.ledger import LedgerEvent
from qinglang.policy.disposal import REQUIREMENTS
from qinglang.web.console.cases import CHANNELS, GRADES
from qinglang.web.console.i18n import Catalogs, negotiate, parse_choice

CONSOLE = Path(__file__).resolve().parents[2] / "src" / "qinglang" / "web" / "console"
# Codes shown through a prefixed message id: _("event:" ~ code) and the like.
CODED = {
    "role": [r.value for r in Role],
    "event": [e.value for e in LedgerEvent],
    "reason": ["hash_mismatch", "prev_hash_mismatch", "sequence_gap"],
    "notice_status": ["pending", "sent", "kept", "failed"],
    "case_status": list(QUEUE_STATUSES),
    "grade": list(GRADES),
    "requires": list(REQUIREMENTS),
    "channel": list(CHANNELS),
    "measure_status": [
        "pending",
        "retrying",
        "applied",
        "failed",
        "expired",
        "revoked",
        "recorded",
    ],
}


def used_message_ids() -> set[str]:
    found: set[str] = set()
    for path in [*CONSOLE.glob("templates/*.html"), *CONSOLE.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""_\(\s*"([^"]+)"\s*[,)]""", text))
        found |= set(re.findall(r"""_\(\s*'([^']+)'\s*[,)]""", text))
    found = {m for m in found if not m.endswith(":")}
    for prefix, codes in CODED.items():
        found |= {f"{prefix}:{code}" for code in codes}
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_console_string_is_translated(locale: str) -> None:
    catalog = Catalogs.load().messages[locale]
    missing = sorted(used_message_ids() - catalog.keys())
    assert missing == []


def test_chinese_is_really_chinese() -> None:
    catalogs = Catalogs.load()
    zh = catalogs.translator("zh_CN")
    assert zh("Sign in") == "登录"
    assert zh("Welcome, %(name)s", name="李静") == "欢迎，李静"
    assert catalogs.translator("en")("role:compliance") == "Compliance officer"
    latin_only = [
        m for m, s in catalogs.messages["zh_CN"].items() if not re.search(r"[\u4e00-\u9fff]", s)
    ]
    assert latin_only == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh_CN"),
        ("", "zh_CN"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("fr-FR,en;q=0.5", "en"),
        ("fr-FR,de;q=0.5", "zh_CN"),
        ("en;q=0.2,zh-CN;q=0.9", "zh_CN"),
        ("en;q=oops", "zh_CN"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("xx-!!", None), (None, None)],
)
def test_explicit_choice(value: str | None, expected: str | None) -> None:
    assert parse_choice(value) == expected
