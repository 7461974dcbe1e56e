"""Per-character folding, compiled into tables that ``codecs.charmap_encode`` applies in C.

Two tables, built once from the variant tables and ``unicodedata``:

* ``pre``: for every code point, what it becomes before variant folding: NFKC (full-width,
  circled and styled forms), accents stripped from Latin, Greek and Cyrillic letters,
  decimal digits of any script as ASCII digits, case folding, traditional -> simplified;
  and a MARK for noise: every character that is not a letter or a digit (spaces,
  punctuation of every script, symbols and emoji, zero-width and format characters,
  combining marks, surrogates, private-use and unassigned code points). The MARKs are
  dropped after the pass; :mod:`qinglang.detect.offsets` counts them to map back.
* ``fold``: a simplified character -> the representative of its shape class, then of that
  representative's homophone class (so the shape fold wins where the two disagree: a
  member of a shape class is only a homophone of its representative's readings).

Both produce UTF-16-LE directly, which is what the automata read.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from qinglang.detect.variants import VariantTables, default_variant_tables

PLANES_WITH_TEXT = 0x40000  # planes 0-3; above them only tags, selectors and private use
UNICODE_END = 0x110000

# Characters that belong to the one before them (a grapheme extends over them): when they
# are removed as noise, the span of the character they extend covers them.
_EXTENDER_CATEGORIES = frozenset({"Mn", "Me", "Mc"})
_EXTENDER_RANGES = (
    (0x200D, 0x200D),  # zero-width joiner (emoji sequences)
    (0xFE00, 0xFE0F),  # variation selectors
    (0x1F3FB, 0x1F3FF),  # emoji skin-tone modifiers
    (0xE0020, 0xE007F),  # emoji tag characters (subdivision flags)
    (0xE0100, 0xE01EF),  # variation selectors supplement
)

MARK = "\x00"  # what ``pre`` leaves where it removes a character (offsets count them)
_MARK_UTF16 = MARK.encode("utf-16-le")


@dataclass(frozen=True)
class CharTables:
    """Compiled per-character tables. Build with :func:`build_char_tables`; read-only.

    The tables are lists indexed by code point for ``codecs.charmap_encode``, which
    applies them in one C-level pass straight to UTF-16-LE (what the automata read).
    """

    pre_marked: list[bytes]  # code point -> UTF-16-LE of what it becomes; MARK if removed
    fold_utf16: list[bytes]  # pre-folded code point -> UTF-16-LE of its representative
    fold_widening: re.Pattern[str] | None  # a BMP character whose representative is not
    ascii_fixed: bool  # the fold keeps ASCII as it is and folds nothing else into ASCII
    removed: re.Pattern[str]  # runs of characters ``pre`` removes
    expanding: re.Pattern[str]  # a character ``pre`` turns into two or more
    width_chars: re.Pattern[str]  # a character whose compatibility form differs
    traditional_chars: re.Pattern[str]  # a character traditional -> simplified changes
    changed_chars: re.Pattern[str]  # any of the three above
    extenders: frozenset[int]  # combining marks and joiners: part of the character before
    extender_runs: re.Pattern[str]
    width: frozenset[int]
    traditional: frozenset[int]
    shape: dict[str, str]  # member -> shape representative
    homophone: dict[str, str]  # character -> homophone representative
    syllable_reps: dict[str, str]  # toneless syllable -> its homophone representative

    def pre_of(self, char: str) -> str:
        """What one character becomes before variant folding ('' when removed)."""
        return self.pre_marked[ord(char)].decode("utf-16-le").replace(MARK, "")

    def shape_of(self, char: str) -> str:
        return self.shape.get(char, char)

    def fold_text(self, text: str) -> str:
        """Variant-fold a pre-folded text (shape, then homophone representative)."""
        return codecs.charmap_encode(text, "strict", self.fold_utf16)[0].decode("utf-16-le")

    def fold_char(self, char: str) -> str:
        return self.fold_text(char)


def _is_kept(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def _compatibility_form(char: str) -> str:
    form = unicodedata.normalize("NFKC", char)
    if any(unicodedata.category(c) == "Nd" and not c.isascii() for c in form):
        form = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in form)
    if all(ord(c) < 0x0530 or 0x1E00 <= ord(c) < 0x2000 for c in form):
        decomposed = unicodedata.normalize("NFKD", form)
        if any(unicodedata.combining(c) for c in decomposed):
            stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
            form = unicodedata.normalize("NFC", stripped)
    return form


def fold_one(char: str, traditional: dict[str, str]) -> tuple[str, bool, bool]:
    """(what ``char`` becomes before variant folding, width changed it, 繁->简 changed it)."""
    form = _compatibility_form(char)
    cased = unicodedata.normalize("NFKC", form.casefold())
    out = []
    changed_script = False
    for c in cased:
        if not _is_kept(c):
            continue
        simplified = traditional.get(c)
        if simplified is not None:
            changed_script = True
            c = simplified
        out.append(c)
    return "".join(out), form != char, changed_script


def _ranges(codes: Iterable[int]) -> str:
    """A regex character class body for sorted code points, as ranges."""
    parts = []
    start = previous = -2
    for code in codes:
        if code != previous + 1:
            if start >= 0:
                parts.append(_range(start, previous))
            start = code
        previous = code
    if start >= 0:
        parts.append(_range(start, previous))
    return "".join(parts)


def _range(low: int, high: int) -> str:
    return f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}"


def _char_class(codes: list[int], *, above_text_planes: bool = False) -> str:
    """A regex for one of ``codes`` (sorted; and, if ``above_text_planes``, any code point
    above plane 3) that stays fast on big sets: the BMP part compiles to a bitmap; the
    rest, a list of ranges, is only tried for characters beyond the BMP."""
    bmp = [c for c in codes if c < 0x10000]
    astral = _ranges(c for c in codes if c >= 0x10000)
    if above_text_planes:
        astral += _range(PLANES_WITH_TEXT, UNICODE_END - 1)
    options = [f"[{_ranges(bmp)}]"] if bmp else []
    if astral:
        options.append(f"(?=[\\U00010000-\\U0010ffff])[{astral}]")
    return "(?:" + "|".join(options or ["(?!)"]) + ")"


def build_char_tables(tables: VariantTables) -> CharTables:
    """Compile the tables (a fraction of a second; cache the result)."""
    traditional = dict(tables.traditional)
    pre: list[bytes] = [_MARK_UTF16] * UNICODE_END
    width: set[int] = set()
    script: set[int] = set()
    removed: list[int] = []
    expanding: list[int] = []
    outputs: set[str] = set()
    for code in range(PLANES_WITH_TEXT):
        char = chr(code)
        category = unicodedata.category(char)
        if category in ("Cn", "Co", "Cs"):
            removed.append(code)
            continue
        if (
            category[0] == "L"
            and char not in traditional
            and char == char.casefold()
            and unicodedata.is_normalized("NFKC", char)
            and _compatibility_form(char) == char
        ):
            out, changed_width, changed_script = char, False, False  # the common case
        else:
            out, changed_width, changed_script = fold_one(char, traditional)
        if not out:
            removed.append(code)
            continue
        pre[code] = out.encode("utf-16-le")
        outputs.update(out)
        if len(out) > 1:
            expanding.append(code)
        if changed_width:
            width.add(code)
        if changed_script:
            script.add(code)
    extenders = {
        code
        for code in range(PLANES_WITH_TEXT)
        if unicodedata.category(chr(code)) in _EXTENDER_CATEGORIES
    }
    for low, high in _EXTENDER_RANGES:
        extenders.update(range(low, high + 1))

    fold: dict[str, str] = {}
    for char, rep in tables.homophone.items():
        fold[char] = rep
    for member, rep in tables.shape.items():
        fold[member] = tables.homophone.get(rep, rep)
    shared: dict[str, bytes] = {}
    fold_utf16 = [b""] * PLANES_WITH_TEXT
    for char in outputs:
        target = fold.get(char, char)
        fold_utf16[ord(char)] = shared.setdefault(target, target.encode("utf-16-le"))
    widening = [c for c, out in enumerate(fold_utf16[:0x10000]) if len(out) == 4]
    return CharTables(
        pre_marked=pre,
        fold_utf16=fold_utf16,
        fold_widening=re.compile(_char_class(widening)) if widening else None,
        ascii_fixed=not any(k.isascii() or v.isascii() for k, v in fold.items()),
        removed=re.compile(_char_class(removed, above_text_planes=True) + "+"),
        expanding=re.compile(_char_class(expanding)),
        width_chars=re.compile(_char_class(sorted(width))),
        traditional_chars=re.compile(_char_class(sorted(script))),
        changed_chars=re.compile(
            _char_class(sorted({*removed, *width, *script}), above_text_planes=True)
        ),
        extenders=frozenset(extenders),
        extender_runs=re.compile(_char_class(sorted(extenders)) + "+"),
        width=frozenset(width),
        traditional=frozenset(script),
        shape=dict(tables.shape),
        homophone=dict(tables.homophone),
        syllable_reps={s: tables.homophone[c] for c, s in tables.syllable.items()},
    )


@functools.cache
def default_char_tables() -> CharTables:
    """The tables for the package's variant data, compiled once per process."""
    return build_char_tables(default_variant_tables())
