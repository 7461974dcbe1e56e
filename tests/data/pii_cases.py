"""Generated personal data for the PII finder's quality check, with invalid twins.

* resident IDs: a county-level division code in use today (python-stdnum's
  ``cn/loc`` data, no year range), a birth date between 1930 and 2014, a
  sequence number and the GB 11643 check digit; the twin has another check
  character.
* mobile numbers: an allocated CN prefix and 8 random digits.
* bank cards: a real issuer BIN, random digits and the Luhn digit; the twin
  has another last digit.

Everything comes from a seeded ``random.Random``, so a failing case can be
regenerated from the seed the test prints.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from stdnum import luhn, numdb
from stdnum.cn import ric

#: Mobile prefixes allocated to China Mobile, Unicom, Telecom and Broadnet.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "147", "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "192", "193", "195", "196", "197", "198", "199",
)  # fmt: skip

#: (BIN, length): debit and credit cards of Chinese banks under each scheme.
CARD_BINS = (
    ("622202", 19),  # ICBC, UnionPay
    ("621226", 19),  # ICBC, UnionPay
    ("622848", 19),  # Agricultural Bank, UnionPay
    ("621700", 19),  # China Construction Bank, UnionPay
    ("622588", 16),  # China Merchants Bank, UnionPay
    ("625965", 16),  # UnionPay credit
    ("436742", 19),  # China Construction Bank, Visa
    ("427020", 16),  # ICBC, Visa
    ("518710", 16),  # China Merchants Bank, Mastercard
    ("222300", 16),  # Mastercard 2-series
    ("356833", 16),  # Bank of China, JCB
)

_FIRST_BIRTH = date(1930, 1, 1)
_BIRTH_DAYS = (date(2014, 12, 31) - _FIRST_BIRTH).days
_CHECK_CHARS = "0123456789X"


@cache
def region_codes() -> tuple[str, ...]:
    """County-level division codes in use today, from stdnum's own data."""
    codes = []
    for _length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        for _clength, clow, chigh, cprops, _grandchildren in children:
            name = cprops.get("county", "")
            single = low == high and clow == chigh and not clow.endswith("00")
            in_use_today = name[:1] != "[" and "," not in name and "辖" not in name
            if single and in_use_today:
                codes.append(low + clow)
    return tuple(codes)


def resident_id(rng: random.Random) -> str:
    born = _FIRST_BIRTH + timedelta(days=rng.randrange(_BIRTH_DAYS))
    body = f"{rng.choice(region_codes())}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_id(number: str, rng: random.Random) -> str:
    return number[:-1] + rng.choice(_CHECK_CHARS.replace(number[-1], ""))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def bank_card(rng: random.Random) -> str:
    bin_, length = rng.choice(CARD_BINS)
    body = bin_ + "".join(rng.choice("0123456789") for _ in range(length - len(bin_) - 1))
    return body + luhn.calc_check_digit(body)


def wrong_luhn(number: str, rng: random.Random) -> str:
    return number[:-1] + str((int(number[-1]) + rng.randrange(1, 10)) % 10)


@dataclass(frozen=True)
class Generated:
    resident_ids: tuple[str, ...]
    bad_resident_ids: tuple[str, ...]
    mobiles: tuple[str, ...]
    bank_cards: tuple[str, ...]
    bad_bank_cards: tuple[str, ...]


def generate(seed: int, count: int) -> Generated:
    rng = random.Random(seed)
    ids = tuple(resident_id(rng) for _ in range(count))
    cards = tuple(bank_card(rng) for _ in range(count))
    return Generated(
        resident_ids=ids,
        bad_resident_ids=tuple(wrong_check_id(n, rng) for n in ids),
        mobiles=tuple(mobile(rng) for _ in range(count)),
        bank_cards=cards,
        bad_bank_cards=tuple(wrong_luhn(n, rng) for n in cards),
    )
