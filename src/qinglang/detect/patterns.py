"""What each lexicon term is searched as: its folded forms, its full pinyin and its initials.

A term is first pre-folded like any text (width, case, 繁->简, noise, repeats). A term at
least ``min_fuzzy_length`` characters long that allows fuzzy matching is then searched in
the variant-folded text, as its characters' classes under their default readings and,
when pypinyin reads the term differently in context (银行: háng, not xíng), under those
readings too. Shorter terms are searched in the pre-folded text only, so that a homophone
of a one- or two-character term does not match everywhere. An all-hanzi term of at least
``min_pinyin_length`` characters is also searched as its full pinyin (ü as v and u), and,
at ``min_initials_length`` or more, as its pinyin initials; both only as whole words.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from qinglang.detect.chartables import CharTables
from qinglang.detect.offsets import OffsetMap, prefold
from qinglang.detect.variants import VariantKind


@dataclass(frozen=True)
class Searched:
    """One form of one term: ``text`` in the pre-folded (``folded=False``) or the
    variant-folded text, found ``via`` pinyin, initials, or the term's own characters."""

    text: str
    folded: bool
    via: VariantKind | None


@dataclass(frozen=True)
class PreparedTerm:
    """A term pre-folded: its characters and how many times each repeats in the term."""

    pre: str
    runs: tuple[int, ...]

    @property
    def repeats(self) -> bool:
        return any(run > 1 for run in self.runs)


def prepare(term: str, tables: CharTables) -> PreparedTerm:
    folded = prefold(term, tables)
    offsets = OffsetMap(folded, tables)
    return PreparedTerm(folded.text, tuple(offsets.span(i)[2] for i in range(len(folded.text))))


def _is_han(char: str) -> bool:
    return not char.isascii() and unicodedata.category(char) == "Lo"


def contextual_readings(text: str) -> list[str]:
    """Toneless readings of ``text``'s characters as pypinyin reads them in context."""
    from pypinyin import Style, lazy_pinyin  # imported on first compile, not at import

    return [r.lower() for r in lazy_pinyin(text, style=Style.NORMAL)]


@dataclass(frozen=True)
class FormOptions:
    min_fuzzy_length: int
    min_pinyin_length: int
    min_initials_length: int


def searched_forms(
    prepared: PreparedTerm,
    *,
    fuzzy: bool,
    pinyin: bool,
    options: FormOptions,
    tables: CharTables,
) -> list[Searched]:
    """Every form ``prepared`` is searched as (see the module docstring)."""
    text = prepared.pre
    if not text:
        return []
    all_han = all(_is_han(c) for c in text)
    readings = contextual_readings(text) if all_han and (fuzzy or pinyin) else []
    if len(readings) != len(text) or not all(r.isascii() and r.isalpha() for r in readings):
        readings = []  # a character without a reading
    forms: list[Searched] = []
    if fuzzy and len(text) >= options.min_fuzzy_length:
        default = tables.fold_text(text)
        forms.append(Searched(default, folded=True, via=None))
        if readings:
            in_context = "".join(
                tables.syllable_reps.get(reading, tables.fold_char(char))
                if tables.shape_of(char) == char
                else tables.fold_char(char)
                for char, reading in zip(text, readings, strict=True)
            )
            if in_context != default:
                forms.append(Searched(in_context, folded=True, via=None))
    else:
        forms.append(Searched(text, folded=False, via=None))
    if pinyin and readings and len(text) >= options.min_pinyin_length:
        spelled = "".join(readings)
        for spelling in dict.fromkeys((spelled, spelled.replace("v", "u"))):
            forms.append(Searched(spelling, folded=False, via=VariantKind.PINYIN))
        if len(text) >= options.min_initials_length:
            initials = "".join(r[0] for r in readings)
            forms.append(Searched(initials, folded=False, via=VariantKind.INITIALS))
    return forms
