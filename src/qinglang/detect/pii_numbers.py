"""Numeric PII: resident ID numbers, bank card numbers and phone numbers.

Every function here takes *folded* text (full-width digits, letters and
punctuation already mapped one-for-one to ASCII, so indices are those of the
original text) and returns every valid candidate of its type, overlaps
included; ``qinglang.detect.pii`` decides between overlapping hits.

Candidates are found by compiled regular expressions that never use ``\\b``
(a word boundary does not exist between a digit and a Chinese character);
instead a number may not start right after a digit and may not end right
before one. Each expression sits inside a lookahead, so a candidate is tried at
every digit-group start even when an earlier, longer candidate failed its
check.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import phonenumbers
from stdnum import luhn
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from qinglang.detect.pii_model import PiiHit, PiiType

# One optional separator between digit groups: a space, a hyphen, a no-break
# space or a zero-width character (a common way to slip a number past a filter).
_SEP = "[ \\-\u00a0\u200b-\u200d\u2060\ufeff]"
_NOT_ID_CHAR = re.compile(r"[^0-9Xx]")
_NOT_DIGIT = re.compile(r"[^0-9]")

# ---------------------------------------------------------------- resident ID

_RESIDENT_ID = re.compile(
    rf"(?<![0-9])(?=([0-9]{{6}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{4}}{_SEP}?[0-9]{{3}}"
    r"(?:[0-9](?![0-9])|[Xx](?![0-9A-Za-z]))))"
)
_EARLIEST_BIRTH_YEAR = 1900


@cache
def _region_existed(code: str, year: int) -> bool:
    """Whether the 6-digit division code existed in ``year`` (stdnum's cn/loc data)."""
    try:
        ric.get_birth_place(f"{code}{year:04d}01010000")
    except ValidationError:
        return False
    return True


def _birth_date(number: str) -> datetime.date | None:
    try:
        return ric.get_birth_date(number)
    except ValidationError:
        return None


def is_id_shaped(number: str) -> bool:
    """An 18-character number whose region code and birth date are real.

    Such a number is never reported as a bank card, whatever its check digit:
    a resident ID with a typo is still an ID, not a card.
    """
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    born = _birth_date(number)
    return (
        born is not None
        and born.year >= _EARLIEST_BIRTH_YEAR
        and _region_existed(number[:6], born.year)
    )


def is_resident_id(number: str) -> bool:
    """GB 11643: 17 digits, a real division code and birth date, the ISO 7064 check."""
    return (
        is_id_shaped(number)
        and number[-1] in "0123456789X"
        and ric.calc_check_digit(number) == number[-1]
    )


def mask_resident_id(number: str) -> str:
    """Keep the 6-digit region code and the last 4 characters: ``110105********123X``."""
    return number[:6] + "*" * 8 + number[-4:]


def find_resident_ids(folded: str) -> Iterator[PiiHit]:
    for match in _RESIDENT_ID.finditer(folded):
        raw = match.group(1)
        value = _NOT_ID_CHAR.sub("", raw).upper()
        if is_resident_id(value):
            start = match.start(1)
            yield PiiHit(
                PiiType.RESIDENT_ID, (start, start + len(raw)), mask_resident_id(value), value
            )


# ---------------------------------------------------------------- bank cards


@dataclass(frozen=True, slots=True)
class CardRange:
    """Card numbers whose leading digits lie in ``low..high`` and have one of ``lengths``."""

    scheme: str
    low: str
    high: str
    lengths: frozenset[int]

    def covers(self, number: str) -> bool:
        head = number[: len(self.low)]
        return len(number) in self.lengths and self.low <= head <= self.high


_LONG = frozenset({16, 17, 18, 19})

#: Issuer identification ranges the finder accepts. Chinese banks issue almost
#: all their cards under UnionPay (62), Visa (4) or Mastercard (51-55, 2221-2720).
CARD_RANGES: tuple[CardRange, ...] = (
    CardRange("unionpay", "62", "62", _LONG),
    CardRange("visa", "4", "4", frozenset({16, 19})),
    CardRange("mastercard", "51", "55", frozenset({16})),
    CardRange("mastercard", "2221", "2720", frozenset({16})),
    CardRange("amex", "34", "34", frozenset({15})),
    CardRange("amex", "37", "37", frozenset({15})),
    CardRange("jcb", "3528", "3589", _LONG),
    CardRange("discover", "6011", "6011", _LONG),
    CardRange("discover", "644", "649", _LONG),
    CardRange("discover", "65", "65", _LONG),
)

_BANK_CARD = re.compile(
    r"(?<![0-9])(?=("
    rf"[0-9]{{4}}(?:{_SEP}?[0-9]{{4}}){{3}}(?:{_SEP}?[0-9]{{1,3}})?"  # 16-19, groups of 4
    rf"|[0-9]{{6}}{_SEP}[0-9]{{10,13}}"  # 6 + the rest
    rf"|[0-9]{{4}}{_SEP}?[0-9]{{6}}{_SEP}?[0-9]{{5}}"  # 15, Amex 4-6-5
    r")(?![0-9Xx]))"  # 17 digits and an X are an ID (with a wrong check digit), not a card
)


def card_scheme(number: str) -> str | None:
    """The scheme of a card number with a known issuer range and a valid Luhn digit."""
    for card_range in CARD_RANGES:
        if card_range.covers(number):
            return card_range.scheme if luhn.is_valid(number) else None
    return None


def is_bank_card(number: str) -> bool:
    return number.isascii() and number.isdigit() and card_scheme(number) is not None


def mask_bank_card(number: str) -> str:
    """Keep the 6-digit issuer number and the last 4 digits: ``622202*********0123``."""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def find_bank_cards(folded: str) -> Iterator[PiiHit]:
    for match in _BANK_CARD.finditer(folded):
        raw = match.group(1)
        value = _NOT_DIGIT.sub("", raw)
        if is_bank_card(value) and not is_id_shaped(value):
            start = match.start(1)
            yield PiiHit(PiiType.BANK_CARD, (start, start + len(raw)), mask_bank_card(value), value)


# ---------------------------------------------------------------- phones

_CC = rf"(?:(?:\+|00)86{_SEP}?|\(\+?86\){_SEP}?)"
_MOBILE = (
    rf"1[3-9][0-9](?:{_SEP}?[0-9]{{4}}){{2}}"  # 13800138000, 138 0013 8000
    rf"|1[3-9][0-9]{{2}}{_SEP}[0-9]{{4}}{_SEP}[0-9]{{3}}"  # 1380 0138 000
)
_LOCAL = rf"[0-9]{{3,4}}{_SEP}?[0-9]{{4}}"
_PHONE = re.compile(
    r"(?<![0-9+])(?=("
    rf"(?P<cc>{_CC})?(?:{_MOBILE})"
    rf"|(?P<cci>{_CC})\(?0?[1-9][0-9]{{1,2}}\)?{_SEP}?{_LOCAL}"
    rf"|(?:\(0[1-9][0-9]{{1,2}}\)|0[1-9][0-9]{{1,2}}){_SEP}?{_LOCAL}"
    r")(?![0-9]))"
)


@cache
def _mobile_pattern() -> re.Pattern[str]:
    """CN mobile ranges from libphonenumber's metadata, the test ``is_valid_number`` uses."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    desc = metadata.mobile if metadata is not None else None
    pattern = desc.national_number_pattern if desc is not None else None
    if not pattern:
        raise RuntimeError("phonenumbers has no mobile number pattern for region CN")
    return re.compile(pattern)


def _mask_mobile(national: str) -> str:
    return national[:3] + "****" + national[-4:]


def _mask_fixed(number: phonenumbers.PhoneNumber) -> str:
    national = str(number.national_number)
    area = phonenumbers.length_of_geographical_area_code(number)
    subscriber = national[area:]
    hidden = "*" * (len(subscriber) - 4) + subscriber[-4:]
    return f"0{national[:area]}-{hidden}" if area else hidden


def phone_value(digits: str, *, international: bool) -> tuple[str, str] | None:
    """``(E.164 value, masked)`` for a CN number, or None when it is not valid.

    ``digits`` are the number's digits after any +86 / 0086 prefix when
    ``international``, else as dialled inside China (area codes with their 0).
    Mobile numbers are checked against libphonenumber's CN mobile ranges
    directly (fast: a text may hold thousands); other numbers go through
    ``phonenumbers.parse`` and ``is_valid_number``.
    """
    national = digits.lstrip("0") if international else digits
    if len(national) == 11 and national[0] == "1" and _mobile_pattern().fullmatch(national):
        return "+86" + national, _mask_mobile(national)
    try:
        number = phonenumbers.parse("+86" + national if international else digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return e164, _mask_mobile(str(number.national_number))
    return e164, _mask_fixed(number)


def find_phones(folded: str) -> Iterator[PiiHit]:
    for match in _PHONE.finditer(folded):
        raw = match.group(1)
        prefix = match.group("cc") or match.group("cci") or ""
        digits = _NOT_DIGIT.sub("", raw[len(prefix) :])
        found = phone_value(digits, international=bool(prefix))
        if found is not None:
            start = match.start(1)
            yield PiiHit(PiiType.PHONE, (start, start + len(raw)), found[1], found[0])
