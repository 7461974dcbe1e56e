"""Tracking numbers people can read and type; access tokens kept only as digests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from qinglang.errors import InvalidInput
from qinglang.intake.tracking import (
    new_access_token,
    new_tracking_no,
    parse_tracking_no,
    token_matches,
)

AT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # already 25 November in Beijing


def test_a_tracking_number_carries_the_china_date_and_reads_back() -> None:
    number = new_tracking_no(AT)
    assert number.startswith("QL-20261125-")
    assert parse_tracking_no(number) == number
    assert len({new_tracking_no(AT) for _ in range(1000)}) == 1000


def test_reading_forgives_case_spaces_and_look_alikes() -> None:
    number = new_tracking_no(AT)
    sloppy = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert parse_tracking_no(sloppy) == number


def test_every_single_character_typo_is_caught() -> None:
    number = new_tracking_no(AT)
    body_start = number.index("-", 3) + 1
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for position in range(body_start, body_start + 8):
        for replacement in alphabet:
            if replacement == number[position]:
                continue
            typo = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(InvalidInput):
                parse_tracking_no(typo)


@pytest.mark.parametrize(
    "text", ["", "QL-2026-ABC", "hello", "QL-20261124-ABCDEFGH-!", "QL-20261124-UUUUUUUU-0"]
)
def test_what_is_not_a_tracking_number(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_tracking_no(text)
    assert caught.value.code == "invalid_tracking_no"


def test_access_tokens_are_random_and_checked_against_their_digest() -> None:
    token, digest = new_access_token()
    assert len(token) >= 40
    assert token not in digest
    assert token_matches(token, digest)
    assert not token_matches(token + "x", digest)
    assert new_access_token()[0] != token
