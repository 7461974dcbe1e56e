"""The variant-aware lexicon matcher: Aho-Corasick automata over normalised text.

``Matcher.compile(lexicon)`` builds two ahocorasick-rs automata: one over the pre-folded
text (width, case, 繁->简, noise and repeats folded) for short terms, full pinyin,
initials and allow-listed phrases, and one over the variant-folded text (shape and
homophone classes too) for terms of ``min_fuzzy_length`` characters or more (see
:mod:`qinglang.detect.patterns`). ``scan(text)`` folds the text in C-level passes, runs
both automata, and checks each candidate against its term: it maps the candidate back to
the original text, refuses one that is missing a repeat the term has or (for a term with
ASCII letters at an edge, pinyin and initials) that is glued to further ASCII letters, and
names every variant the text needed to become the term.

Overlaps: ``scan`` reports every hit, overlapping ones included (a term inside a longer
term hits too), except a hit that lies within an allow-listed phrase found in the same
text. Each distinct (term, kind, tags, span) is reported once, in text order.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick_rs

from qinglang.detect.chartables import CharTables, default_char_tables
from qinglang.detect.lexicon import Lexicon, Term
from qinglang.detect.offsets import OffsetMap, prefold
from qinglang.detect.patterns import FormOptions, PreparedTerm, prepare, searched_forms
from qinglang.detect.variants import VariantKind

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ALLOW = -1
_EXACT = (VariantKind.EXACT,)


@dataclass(frozen=True)
class Hit:
    """A lexicon term found in a text: ``span`` is [start, end) in the original text;
    ``variants`` are sorted, ``(exact,)`` when the text had the term as it is."""

    term: str
    kind: str
    tags: tuple[str, ...]
    span: tuple[int, int]
    variants: tuple[VariantKind, ...]


@dataclass(frozen=True)
class _Owner:
    term: int  # index into the matcher's terms, or _ALLOW
    via: VariantKind | None  # PINYIN or INITIALS; None for the term's own characters


class _Automaton:
    """ahocorasick-rs over UTF-16-LE bytes (faster than its ``str`` API); offsets in characters."""

    def __init__(
        self, patterns: dict[str, list[_Owner]], implementation: ahocorasick_rs.Implementation
    ) -> None:
        self.owners = [tuple(dict.fromkeys(owners)) for owners in patterns.values()]
        self.patterns = len(patterns)
        self._ac = ahocorasick_rs.BytesAhoCorasick(
            [p.encode("utf-16-le") for p in patterns], implementation=implementation
        )

    def find(self, data: bytes, length: int) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) in characters of every match in ``data`` (UTF-16-LE
        of a text of ``length`` characters), overlapping ones included."""
        found = self._ac.find_matches_as_indexes(data, overlapping=True)
        if len(data) == 2 * length:
            return [(i, s >> 1, e >> 1) for i, s, e in found if not s & 1]
        # characters beyond the BMP take two UTF-16 units: count them off
        searched = data.decode("utf-16-le", "surrogatepass")
        units = [at + k for k, at in enumerate(m.start() for m in _ASTRAL.finditer(searched))]
        return [
            (i, (s >> 1) - bisect_left(units, s >> 1), (e >> 1) - bisect_left(units, e >> 1))
            for i, s, e in found
            if not s & 1
        ]


class Matcher:
    """A compiled lexicon. Build with :meth:`compile`; immutable; safe to share."""

    def __init__(
        self,
        *,
        terms: tuple[Term, ...],
        prepared: tuple[PreparedTerm, ...],
        plain: _Automaton | None,
        folded: _Automaton | None,
        tables: CharTables,
    ) -> None:
        self._terms = terms
        self._prepared = prepared
        self._plain = plain
        self._folded = folded
        self._tables = tables

    @property
    def pattern_count(self) -> int:
        return sum(a.patterns for a in (self._plain, self._folded) if a is not None)

    @classmethod
    def compile(
        cls,
        lexicon: Lexicon,
        *,
        min_initials_length: int = 4,
        allow: Iterable[str] = (),
        min_fuzzy_length: int = 3,
        min_pinyin_length: int = 2,
        tables: CharTables | None = None,
    ) -> Matcher:
        """Compile ``lexicon`` (and extra ``allow`` phrases).

        ``min_fuzzy_length``: the fewest characters a term needs to match through shape or
        homophone variants; ``min_pinyin_length`` / ``min_initials_length``: the fewest
        hanzi a term needs to match by its full pinyin / its initials.
        """
        tables = tables or default_char_tables()
        options = FormOptions(min_fuzzy_length, min_pinyin_length, min_initials_length)
        plain: dict[str, list[_Owner]] = {}
        folded: dict[str, list[_Owner]] = {}
        prepared: list[PreparedTerm] = []
        for index, term in enumerate(lexicon.terms):
            ready = prepare(term.term, tables)
            prepared.append(ready)
            for form in searched_forms(
                ready, fuzzy=term.fuzzy, pinyin=term.pinyin, options=options, tables=tables
            ):
                target = folded if form.folded else plain
                target.setdefault(form.text, []).append(_Owner(index, form.via))
        for phrase in dict.fromkeys((*lexicon.allow, *allow)):
            text = prepare(phrase, tables).pre
            if text:
                plain.setdefault(text, []).append(_Owner(_ALLOW, None))
                if folded:
                    folded.setdefault(tables.fold_text(text), []).append(_Owner(_ALLOW, None))
        return cls(
            terms=lexicon.terms,
            prepared=tuple(prepared),
            # measured: the contiguous NFA scans fastest here but for a DFA on the plain text,
            # which needs ten times the memory (670 MB for 50,000 names)
            plain=_Automaton(plain, ahocorasick_rs.Implementation.ContiguousNFA) if plain else None,
            folded=(
                _Automaton(folded, ahocorasick_rs.Implementation.ContiguousNFA) if folded else None
            ),
            tables=tables,
        )

    def scan(self, text: str) -> list[Hit]:
        """Every lexicon term in ``text`` (see the module docstring). Never raises on text."""
        tables = self._tables
        prefolded = prefold(text, tables)
        candidates: list[tuple[int, int, _Owner]] = []
        allowed: list[tuple[int, int]] = []
        for automaton, data in self._haystacks(prefolded.text):
            for index, start, end in automaton.find(data, len(prefolded.text)):
                for owner in automaton.owners[index]:
                    if owner.term == _ALLOW:
                        allowed.append((start, end))
                    else:
                        candidates.append((start, end, owner))
        if not candidates:
            return []
        inside_allowed = _Contains(allowed)
        offsets = OffsetMap(prefolded, tables)
        found: dict[tuple[int, int, int], tuple[VariantKind, ...]] = {}
        for start, end, owner in candidates:
            if allowed and inside_allowed(start, end):
                continue
            verified = self._verify(owner, start, end, prefolded.text, offsets)
            if verified is not None:
                found[(owner.term, *verified[0])] = verified[1]
        hits = [
            Hit(self._terms[term].term, self._terms[term].kind, self._terms[term].tags, span, v)
            for (term, *span_list), v in found.items()
            for span in [(span_list[0], span_list[1])]
        ]
        return sorted(set(hits), key=lambda h: (h.span[0], -h.span[1], h.term, h.kind, h.tags))

    def _haystacks(self, pre: str) -> list[tuple[_Automaton, bytes]]:
        """UTF-16 of the pre-folded text for the plain automaton, and of its variant
        folding for the folded one (straight from the table: one C-level pass)."""
        out: list[tuple[_Automaton, bytes]] = []
        if self._plain is not None:
            out.append((self._plain, pre.encode("utf-16-le")))
        if self._folded is not None:
            out.append(
                (self._folded, codecs.charmap_encode(pre, "strict", self._tables.fold_utf16)[0])
            )
        return out

    def _verify(
        self, owner: _Owner, start: int, end: int, pre: str, offsets: OffsetMap
    ) -> tuple[tuple[int, int], tuple[VariantKind, ...]] | None:
        """The original span of a candidate and its variants; None if it is not a hit.

        Works on the whole span with C-level searches; only a hit with collapsed repeats
        or folded characters is looked at character by character.
        """
        if (pre[start] < "\x80" or pre[end - 1] < "\x80") and (
            _glued(pre, start - 1, start, offsets) or _glued(pre, end - 1, end, offsets)
        ):
            return None
        prepared = self._prepared[owner.term]
        tables = self._tables
        low, high = offsets.uncollapsed(start, end)
        first, last = offsets.char_start(low), offsets.char_end(high - 1)
        kinds: set[VariantKind] = set() if owner.via is None else {owner.via}
        if owner.via is None and (high - low != end - start or prepared.repeats):
            for j, needed in enumerate(prepared.runs):
                run = offsets.span(start + j)[2]
                if run < needed:
                    return None  # the term repeats this character more often than the text
                if run > needed:
                    kinds.add(VariantKind.NOISE)
        original = offsets.folded.original
        if tables.changed_chars.search(original, first, last):
            if tables.removed.search(original, first, last):
                kinds.add(VariantKind.NOISE)  # removed characters between or on them
            if tables.width_chars.search(original, first, last):
                kinds.add(VariantKind.WIDTH)
            if tables.traditional_chars.search(original, first, last):
                kinds.add(VariantKind.TRADITIONAL)
        found = pre[start:end]
        if owner.via is None and found != prepared.pre:
            for a, b in zip(found, prepared.pre, strict=True):
                kinds |= _character_variants(a, b, tables)
        return (first, last), tuple(sorted(kinds)) if kinds else _EXACT


def _character_variants(found: str, wanted: str, tables: CharTables) -> set[VariantKind]:
    """How pre-folded ``found`` became ``wanted``: same, shape class, or homophone class
    (reached through a shape class too when either is not its shape representative)."""
    if found == wanted:
        return set()
    found_shape, wanted_shape = tables.shape_of(found), tables.shape_of(wanted)
    if found_shape == wanted_shape:
        return {VariantKind.SHAPE}
    if found_shape != found or wanted_shape != wanted:
        return {VariantKind.HOMOPHONE, VariantKind.SHAPE}
    return {VariantKind.HOMOPHONE}


def _glued(pre: str, left: int, right: int, offsets: OffsetMap) -> bool:
    """Whether a hit edge between ``left`` and ``right`` cuts through a run of ASCII letters
    that were adjacent in the original (so ``rmrb`` does not hit inside ``farmrbx``)."""
    if left < 0 or right >= len(pre):
        return False
    a, b = pre[left], pre[right]
    if not (a.isascii() and a.isalpha() and b.isascii() and b.isalpha()):
        return False
    return offsets.span(left)[1] >= offsets.span(right)[0]


class _Contains:
    """Answers "is [start, end) inside one of these intervals" with a bisect."""

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        intervals = sorted(intervals)
        self._starts = [s for s, _ in intervals]
        self._reach = list(accumulate((e for _, e in intervals), max))

    def __call__(self, start: int, end: int) -> bool:
        k = bisect_right(self._starts, start) - 1
        return k >= 0 and self._reach[k] >= end
