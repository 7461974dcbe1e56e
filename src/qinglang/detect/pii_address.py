"""Street addresses: a real division name, then a road or estate and a number.

The rule is conservative on purpose (a false address hides ordinary text):

1. An *anchor* is a house number (``88号``, ``12-3号``) or a building number
   (``3栋``, ``5幢``, ``2号楼``); ``号码`` is not a house number.
2. Right before a house number the text must end in a road (``…路``, ``…街``,
   ``…道``, ``…巷``, ``…里``, ``…胡同``, ``…大道``, ``…123弄``); right before a
   building number, in an estate (``…小区``, ``…花园``, ``…大厦``, ``…村`` …).
3. The unbroken run of Chinese characters and digits before that road or
   estate must contain a division name that exists: a province, prefecture or
   county from python-stdnum's ``cn/loc`` data (the table ``stdnum.cn.ric``
   validates ID region codes with), or a province / prefecture short name
   (``北京``, ``深圳``), at least one of them a full name with its ending
   (省/市/区/县/旗/盟/州). The address starts at the first such name.
4. After the anchor, building, unit, floor and room parts are taken in that
   order (``3号楼2单元501室``).

Masking keeps the leading chain of known division names and replaces every
other character with ``*``: ``北京市朝阳区建国路88号`` → ``北京市朝阳区******``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from stdnum import numdb

from qinglang.detect.pii_model import PiiHit, PiiType

_FULL_NAME_ENDINGS = tuple("省市区县旗盟州區")
_PROVINCE_ENDINGS = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_LOOKBACK = 40  # characters before an anchor searched for the division chain

_ANCHOR = re.compile(r"[0-9]{1,5}(?:-[0-9]{1,5})?(?:(?P<house>号)(?![码楼])|栋|幢|号楼)")
_ROAD_END = re.compile(r"(?:[\u3400-\u9fff0-9][路街道巷里]|胡同|大道|[0-9]弄)\Z")
_ESTATE_END = re.compile(
    r"(?:[\u3400-\u9fff0-9](?:小区|花园|公寓|大厦|新村|家园|广场|[苑园村院城]))\Z"
)
_RUN = re.compile(r"[\u3400-\u9fff0-9]+\Z")
_TAIL = re.compile(
    r"院?"
    r"(?:(?:[\u3400-\u9fff0-9]{1,12}?(?:小区|花园|公寓|大厦|新村|家园))?[0-9]{1,4}(?:栋|幢|号楼|座))?"
    r"(?:[0-9]{1,3}单元)?"
    r"(?:[0-9]{1,3}[层楼])?"
    r"(?:[0-9]{1,5}(?:室|房)|(?<=[栋幢座元层楼])[0-9]{3,5}(?![0-9]))?"
)


@dataclass(frozen=True, slots=True)
class DivisionNames:
    """Division names from stdnum's ``cn/loc``: full names and short names."""

    full: frozenset[str]
    short: frozenset[str]
    longest: int
    first_chars: frozenset[str]

    def longest_at(self, text: str, start: int, end: int) -> tuple[int, bool] | None:
        """Length of the longest name at ``text[start:]`` ending by ``end``, and if it is full."""
        for length in range(min(self.longest, end - start), 1, -1):
            piece = text[start : start + length]
            if piece in self.full:
                return length, True
            if piece in self.short:
                return length, False
        return None


def _short_name(name: str) -> str:
    for ending in _PROVINCE_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            return name[: -len(ending)]
    return ""


def _clean(name: str) -> str:
    """``[1992-]东丽区`` → ``东丽区``: stdnum marks the years a name was in use."""
    return name.rsplit("]", 1)[-1].strip()


@cache
def division_names() -> DivisionNames:
    """Read stdnum's ``cn/loc`` once, on first use, and check what was read."""
    full: set[str] = set()
    short: set[str] = set()
    provinces = 0
    for _length, _low, _high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        if province:
            provinces += 1
            full.add(province)
            short.add(_short_name(province))
        for _clen, low, _chigh, cprops, _grandchildren in children:
            for name in map(_clean, cprops.get("county", "").split(",")):
                if name.endswith(_FULL_NAME_ENDINGS) and "辖" not in name and len(name) >= 2:
                    full.add(name)
                    if low.endswith("00"):  # a prefecture-level division
                        short.add(_short_name(name))
    short.discard("")
    short -= full
    if provinces < 30 or len(full) < 2000:
        raise RuntimeError(
            f"stdnum cn/loc: expected >= 30 provinces and >= 2000 division names, "
            f"read {provinces} and {len(full)}"
        )
    names = full | short
    bad = sorted(n for n in names if not re.fullmatch(r"[\u3400-\u9fff]+", n))
    if bad:
        raise RuntimeError(f"stdnum cn/loc: names with non-Chinese characters: {bad[:5]}")
    return DivisionNames(
        full=frozenset(full),
        short=frozenset(short),
        longest=max(map(len, names)),
        first_chars=frozenset(n[0] for n in names),
    )


def _division_chain(folded: str, start: int, end: int) -> tuple[int, int] | None:
    """``(chain start, chain end)`` of known names in ``folded[start:end]``, or None.

    The chain starts at the first known name; it must hold a full name and leave
    at least two characters (a road or estate) after it.
    """
    names = division_names()
    for first in range(start, end - 2):
        if folded[first] not in names.first_chars:
            continue
        position, seen_full = first, False
        while (found := names.longest_at(folded, position, end - 2)) is not None:
            position += found[0]
            seen_full = seen_full or found[1]
        if position > first and seen_full:
            return first, position
    return None


def find_addresses(folded: str) -> Iterator[PiiHit]:
    covered = previous = 0
    for anchor in _ANCHOR.finditer(folded):
        before, after = anchor.span()
        if before < covered:
            continue
        # The division chain lies between this number and the one before it.
        window, previous = max(previous, before - _LOOKBACK), after
        place_end = _ROAD_END if anchor.group("house") else _ESTATE_END
        if not place_end.search(folded, max(window, before - 3), before):
            continue
        run = _RUN.search(folded, window, before)
        if run is None:
            continue
        chain = _division_chain(folded, run.start(), before)
        if chain is None:
            continue
        tail = _TAIL.match(folded, anchor.end())
        end = tail.end() if tail else anchor.end()
        start, keep = chain
        covered = end
        value = folded[start:end]
        yield PiiHit(
            PiiType.ADDRESS, (start, end), value[: keep - start] + "*" * (end - keep), value
        )
