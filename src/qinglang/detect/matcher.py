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
import functools
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
        self.owners = [
            tuple((owner.term, owner.via) for owner in dict.fromkeys(owners))
            for owners in patterns.values()
        ]
        self.patterns = len(patterns)
        self._ac = ahocorasick_rs.BytesAhoCorasick(
            [p.encode("utf-16-le") for p in patterns], implementation=implementation
        )

    def find(self, data: bytes, astral: list[int] | None) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) in characters of every match in ``data`` (UTF-16-LE
        of a text), overlapping ones included; ``astral``: the indexes, in UTF-16 units,
        of the text's characters beyond the BMP (None when there are none)."""
        found = self._ac.find_matches_as_indexes(data, overlapping=True)
        if astral is None:
            return [(i, s >> 1, e >> 1) for i, s, e in found if not s & 1]
        # characters beyond the BMP take two UTF-16 units: count them off
        return [
            (i, (s >> 1) - bisect_left(astral, s >> 1), (e >> 1) - bisect_left(astral, e >> 1))
            for i, s, e in found
            if not s & 1
        ]


def _units(astral: list[int] | None) -> list[int] | None:
    """Where characters at ``astral`` (character indexes, sorted) start in UTF-16 units."""
    return None if astral is None else [at + k for k, at in enumerate(astral)]


_DFA_MAX_CHARACTERS = 20_000  # a DFA takes about 1.5 kB per character of its patterns


def _implementation(patterns: Iterable[str]) -> ahocorasick_rs.Implementation:
    """A DFA (three times faster on the plain text) when it needs 30 MB or less."""
    if sum(map(len, patterns)) <= _DFA_MAX_CHARACTERS:
        return ahocorasick_rs.Implementation.DFA
    return ahocorasick_rs.Implementation.ContiguousNFA


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
        self._repeats = [ready.repeats for ready in prepared]
        self._heads = [(term.term, term.kind, term.tags) for term in terms]

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
        if folded and tables.ascii_fixed:
            # an ASCII form is found at the same places in the variant-folded text: the
            # pinyin and initials (most of the plain forms) ride on the folded pass, and
            # what is left of the plain automaton is small enough for a fast DFA
            for text in [text for text in plain if text.isascii()]:
                folded.setdefault(text, []).extend(plain.pop(text))
        return cls(
            terms=lexicon.terms,
            prepared=tuple(prepared),
            # measured: the contiguous NFA scans fastest here but for a DFA on a small plain
            # automaton; a DFA needs ten times the memory (670 MB for 50,000 names)
            plain=_Automaton(plain, _implementation(plain)) if plain else None,
            folded=(
                _Automaton(folded, ahocorasick_rs.Implementation.ContiguousNFA) if folded else None
            ),
            tables=tables,
        )

    def scan(self, text: str) -> list[Hit]:
        """Every lexicon term in ``text`` (see the module docstring). Never raises on text."""
        prefolded = prefold(text, self._tables)
        pre = prefolded.text
        candidates: list[tuple[int, int, int, VariantKind | None]] = []
        allowed: list[tuple[int, int]] = []
        for automaton, data, astral in self._haystacks(pre):
            owners = automaton.owners
            for index, start, end in automaton.find(data, astral):
                for term, via in owners[index]:
                    if term == _ALLOW:
                        allowed.append((start, end))
                    else:
                        candidates.append((start, end, term, via))
        if not candidates:
            return []
        inside_allowed = _Contains(allowed)
        offsets = OffsetMap(prefolded, self._tables)
        verify = self._verify
        found: dict[tuple[int, int, int], int] = {}
        for start, end, term, via in candidates:
            if allowed and inside_allowed(start, end):
                continue
            verified = verify(term, via, start, end, pre, offsets)
            if verified is not None:
                found[(term, verified[0], verified[1])] = verified[2]
        # in text order, longest first, then by term: equal terms (a lexicon can list one
        # twice) leave one hit, since the same term always gets the same variants
        heads = self._heads
        kinds = _kinds_of
        return [
            Hit(*head, (first, -negative_last), kinds(mask))
            for first, negative_last, head, mask in sorted(
                {(first, -last, heads[term], mask) for (term, first, last), mask in found.items()}
            )
        ]

    def _haystacks(self, pre: str) -> list[tuple[_Automaton, bytes, list[int] | None]]:
        """UTF-16 of the pre-folded text for the plain automaton, and of its variant
        folding for the folded one (straight from the table: one C-level pass), each with
        where its characters beyond the BMP start, in UTF-16 units (None when none)."""
        out: list[tuple[_Automaton, bytes, list[int] | None]] = []
        data = pre.encode("utf-16-le")
        astral = None if len(data) == 2 * len(pre) else [m.start() for m in _ASTRAL.finditer(pre)]
        if self._plain is not None:
            out.append((self._plain, data, _units(astral)))
        if self._folded is not None:
            tables = self._tables
            fold = tables.fold_utf16
            data = codecs.charmap_encode(pre, "strict", fold)[0]
            if len(data) == 2 * len(pre):
                out.append((self._folded, data, None))
                return out
            # characters whose representative is beyond the BMP
            became = [at for at in astral or () if len(fold[ord(pre[at])]) == 4]
            if tables.fold_widening is not None:
                became = sorted((*became, *(m.start() for m in tables.fold_widening.finditer(pre))))
            out.append((self._folded, data, _units(became)))
        return out

    def _verify(
        self, term: int, via: VariantKind | None, start: int, end: int, pre: str, offsets: OffsetMap
    ) -> tuple[int, int, int] | None:
        """The original span of a candidate and its variants (a mask for :func:`_kinds_of`);
        None if it is not a hit.

        Works on the whole span with C-level searches; only a hit with collapsed repeats
        or folded characters is looked at character by character.
        """
        if (pre[start] < "\x80" or pre[end - 1] < "\x80") and (
            _glued(pre, start - 1, start, offsets) or _glued(pre, end - 1, end, offsets)
        ):
            return None
        prepared = self._prepared[term]
        tables = self._tables
        first, last, length = offsets.original_span(start, end)
        mask = 0 if via is None else _BIT[via]
        if via is None and (length != end - start or self._repeats[term]):
            for j, needed in enumerate(prepared.runs):
                run = offsets.run(start + j)
                if run < needed:
                    return None  # the term repeats this character more often than the text
                if run > needed:
                    mask |= _NOISE
        original = offsets.folded.original
        if tables.changed_chars.search(original, first, last):
            if tables.removed.search(original, first, last):
                mask |= _NOISE  # removed characters between or on them
            if tables.width_chars.search(original, first, last):
                mask |= _WIDTH
            if tables.traditional_chars.search(original, first, last):
                mask |= _TRADITIONAL
        if via is None:
            found = pre[start:end]
            wanted = prepared.pre
            if found != wanted:
                for a, b in zip(found, wanted, strict=True):
                    if a != b:
                        mask |= _character_variants(a, b, tables.shape)
        return first, last, mask


_BIT = {kind: 1 << k for k, kind in enumerate(sorted(VariantKind))}
_NOISE, _WIDTH, _TRADITIONAL = (
    _BIT[VariantKind.NOISE],
    _BIT[VariantKind.WIDTH],
    _BIT[VariantKind.TRADITIONAL],
)
_SHAPE, _HOMOPHONE = _BIT[VariantKind.SHAPE], _BIT[VariantKind.HOMOPHONE]


@functools.cache
def _kinds_of(mask: int) -> tuple[VariantKind, ...]:
    """The sorted variant kinds of a mask; ``(exact,)`` for none."""
    return tuple(kind for kind, bit in _BIT.items() if mask & bit) or _EXACT


def _character_variants(found: str, wanted: str, shape: dict[str, str]) -> int:
    """How pre-folded ``found`` became ``wanted`` (they differ), as a mask: shape class, or
    homophone class (reached through a shape class too when either is not its shape
    representative)."""
    found_shape, wanted_shape = shape.get(found, found), shape.get(wanted, wanted)
    if found_shape == wanted_shape:
        return _SHAPE
    if found_shape != found or wanted_shape != wanted:
        return _HOMOPHONE | _SHAPE
    return _HOMOPHONE


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
