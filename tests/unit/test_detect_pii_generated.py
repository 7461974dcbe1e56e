"""The PII finder's quality bar on generated data (issue item 4).

Every valid generated resident ID, mobile number and bank card is found inside
Chinese sentences (glued, spaced, full-width, grouped), with the right span and
value; no invalid twin (wrong check digit, wrong Luhn digit) is ever reported
as an ID or a card.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers
import pytest
from stdnum import luhn
from stdnum.cn import ric

from qinglang.detect.pii import PiiType, find_pii
from qinglang.detect.pii_numbers import is_resident_id, phone_value
from tests.data.pii_cases import generate

SEED = 20231
CASES = generate(SEED, 300)
ID, PHONE, CARD = PiiType.RESIDENT_ID, PiiType.PHONE, PiiType.BANK_CARD

_FULL_WIDTH = str.maketrans("0123456789X+-", "０１２３４５６７８９Ｘ＋－")


def _grouped(value: str, pii_type: PiiType) -> str:
    """How people write the number: ID 6-8-4, mobile 3-4-4 with hyphens, card by 4."""
    if pii_type is ID:
        return f"{value[:6]} {value[6:14]} {value[14:]}"
    if pii_type is PHONE:
        return f"{value[:3]}-{value[3:7]}-{value[7:]}"
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


Layout = Callable[[str, PiiType], str]
LAYOUTS: dict[str, tuple[Layout, str]] = {
    "glued to Chinese": (lambda v, _t: v, "请联系{}谢谢"),
    "spaced": (lambda v, _t: v, "请联系 {} 谢谢"),
    "full-width": (lambda v, _t: v.translate(_FULL_WIDTH), "号码是{}哦"),
    "grouped": (_grouped, "号码：{}。"),
    "grouped full-width": (lambda v, t: _grouped(v, t).translate(_FULL_WIDTH), "号{}呢"),
    "alone": (lambda v, _t: v, "{}"),
    "in English": (lambda v, _t: v, "number: {}, thanks"),
}

VALID = {
    ID: (CASES.resident_ids, lambda v: v),
    PHONE: (CASES.mobiles, lambda v: "+86" + v),
    CARD: (CASES.bank_cards, lambda v: v),
}


def test_the_generator_makes_what_it_says() -> None:
    assert all(ric.is_valid(n) for n in CASES.resident_ids)
    assert not any(ric.is_valid(n) for n in CASES.bad_resident_ids)
    assert all(luhn.is_valid(n) for n in CASES.bank_cards)
    assert not any(luhn.is_valid(n) for n in CASES.bad_bank_cards)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n, "CN")) for n in CASES.mobiles)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("pii_type", VALID)
def test_every_valid_generated_number_is_found(pii_type: PiiType, layout: str) -> None:
    render, sentence = LAYOUTS[layout]
    values, expected_value = VALID[pii_type]
    missed = []
    for value in values:
        raw = render(value, pii_type)
        text = sentence.format(raw)
        start = text.index(raw)
        expected = [(pii_type, (start, start + len(raw)), expected_value(value))]
        found = [(h.type, h.span, h.value) for h in find_pii(text)]
        if found != expected:
            missed.append((text, found))
    assert missed == [], f"seed {SEED}: {len(missed)} missed, first: {missed[:3]}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_invalid_twin_is_reported_as_an_id_or_a_card(layout: str) -> None:
    render, sentence = LAYOUTS[layout]
    twins = [(n, ID) for n in CASES.bad_resident_ids] + [(n, CARD) for n in CASES.bad_bank_cards]
    wrong = []
    for number, pii_type in twins:
        text = sentence.format(render(number, pii_type))
        reported = [h for h in find_pii(text) if h.type in (ID, CARD)]
        if reported:
            wrong.append((text, reported))
    assert wrong == [], f"seed {SEED}: {wrong[:3]}"


def test_many_numbers_in_one_text_are_all_found() -> None:
    values = [*CASES.resident_ids[:50], *CASES.mobiles[:50], *CASES.bank_cards[:50]]
    random.Random(SEED).shuffle(values)
    text = "，".join(f"第{i}个是{v}" for i, v in enumerate(values))
    assert len(find_pii(text)) == len(values)


def test_resident_id_check_agrees_with_stdnum() -> None:
    numbers = CASES.resident_ids + CASES.bad_resident_ids
    assert [is_resident_id(n) for n in numbers] == [ric.is_valid(n) for n in numbers]


def test_fast_mobile_check_agrees_with_phonenumbers() -> None:
    rng = random.Random(SEED)
    numbers = [f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}" for _ in range(3000)]
    ours = [phone_value(n, international=False) is not None for n in numbers]
    assert ours == [_valid_for_phonenumbers(n) for n in numbers]


def _valid_for_phonenumbers(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
    except phonenumbers.NumberParseException:  # 179xx… reads as a carrier prefix
        return False
