"""Tracking numbers and access tokens for reporters (RC-1).

A tracking number reads ``QL-20261124-7K3M9P2X-J``: the day received (China time),
eight random Crockford base32 characters (40 bits), and a check character (mod 37),
so a mistyped number is caught before any look-up. Reading is forgiving: case,
spaces, and the look-alikes O/0, I/L/1 do not matter. The access token that goes
with it is 256 random bits, shown once and stored only as a SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from qinglang.errors import InvalidInput

CHINA = ZoneInfo("Asia/Shanghai")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_CHECK = _ALPHABET + "*~$=U"  # the 37 check symbols
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(r"^QL(\d{8})([0-9A-Z]{8})([0-9A-Z*~$=]{1})$")


def _check_symbol(date: str, body: str) -> str:
    value = int(date)
    for char in body:
        value = value * 32 + _ALPHABET.index(char)
    return _CHECK[value % 37]


def new_tracking_no(at: datetime) -> str:
    date = at.astimezone(CHINA).strftime("%Y%m%d")
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"QL-{date}-{body}-{_check_symbol(date, body)}"


def parse_tracking_no(text: str) -> str:
    """The canonical tracking number, or ``invalid_tracking_no`` (a typo is caught here)."""
    compact = re.sub(r"[\s\-]", "", text.upper())
    # Fold look-alikes after the QL prefix only (its L is a letter, not a one).
    match = _SHAPE.match(compact[:2] + compact[2:].translate(_FOLD))
    if match is None or any(c not in _ALPHABET for c in match.group(2)):
        raise InvalidInput("this is not a tracking number", code="invalid_tracking_no")
    date, body, check = match.groups()
    if _check_symbol(date, body) != check:
        raise InvalidInput(
            "this tracking number has a typo (its check character does not match)",
            code="invalid_tracking_no",
        )
    return f"QL-{date}-{body}-{check}"


def new_access_token() -> tuple[str, str]:
    """(token shown once to the reporter, digest to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_digest: str) -> bool:
    return hmac.compare_digest(token_digest(token), stored_digest)
