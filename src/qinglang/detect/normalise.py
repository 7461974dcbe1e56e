"""Normalising a text for matching, with a map from each folded character back to the original.

``normalise(text)`` applies, in order: NFKC (full-width, circled and styled forms; accents
off Latin letters; digits of any script as ASCII), case folding, traditional -> simplified
per character, removal of noise (everything that is not a letter or digit: spaces,
punctuation, symbols and emoji, zero-width and format characters, combining marks),
collapsing of a repeated non-ASCII character, and, unless ``fold_variants=False``,
folding each character into its shape class and then its homophone class.

Any ``str`` is accepted (lone surrogates, unassigned code points, 1 MB of combining marks):
normalising never raises.
"""

from __future__ import annotations

from dataclasses import dataclass

from qinglang.detect.chartables import CharTables, default_char_tables
from qinglang.detect.offsets import OffsetMap, prefold
from qinglang.detect.variants import VariantKind


@dataclass(frozen=True)
class Normalised:
    """A normalised text; ``spans[i]`` is the [start, end) of the original that ``text[i]``
    came from (a collapsed run, or a character with the combining marks stacked on it,
    maps to the whole of it; removed noise between characters belongs to no character).
    ``kinds[i]`` says which folds changed ``text[i]``: empty when none did."""

    text: str
    spans: tuple[tuple[int, int], ...]
    kinds: tuple[frozenset[VariantKind], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covered by normalised ``text[start:end]``."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"[{start}, {end}) is not within the normalised text")
        if start == end:
            at = self.spans[start][0] if start < len(self.spans) else self._end()
            return at, at
        return self.spans[start][0], self.spans[end - 1][1]

    def _end(self) -> int:
        return self.spans[-1][1] if self.spans else 0


def char_kinds(
    original: str, span: tuple[int, int, int], char: str, tables: CharTables, fold: bool
) -> frozenset[VariantKind]:
    """What changed one character: ``char`` (pre-folded) came from ``original[span]``."""
    start, end, run = span
    kinds: set[VariantKind] = set()
    source = original[start:end]
    if run > 1 or end - start > run:
        kinds.add(VariantKind.NOISE)
    if any(ord(c) in tables.width for c in source):
        kinds.add(VariantKind.WIDTH)
    if any(ord(c) in tables.traditional for c in source):
        kinds.add(VariantKind.TRADITIONAL)
    if fold:
        shape = tables.shape_of(char)
        if shape != char:
            kinds.add(VariantKind.SHAPE)
        if tables.homophone.get(shape, shape) != shape:
            kinds.add(VariantKind.HOMOPHONE)
    return frozenset(kinds)


def normalise(
    text: str, *, fold_variants: bool = True, tables: CharTables | None = None
) -> Normalised:
    """Normalise ``text`` (see the module docstring); ``tables`` default to the package's."""
    tables = tables or default_char_tables()
    folded = prefold(text, tables)
    spans = OffsetMap(folded, tables).spans()
    result = tables.fold_text(folded.text) if fold_variants else folded.text
    changed = {m.start() for m in tables.width_chars.finditer(text)}
    changed.update(m.start() for m in tables.traditional_chars.finditer(text))
    unchanged: frozenset[VariantKind] = frozenset()
    kinds = tuple(
        unchanged
        if end - start == 1 and run == 1 and char == folded_char and start not in changed
        else char_kinds(text, (start, end, run), char, tables, fold_variants)
        for (start, end, run), char, folded_char in zip(spans, folded.text, result, strict=True)
    )
    return Normalised(
        text=result,
        spans=tuple((start, end) for start, end, _run in spans),
        kinds=kinds,
    )
