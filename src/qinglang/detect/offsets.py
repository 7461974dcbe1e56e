"""Pre-folding a text in C-level passes, and mapping the result back to the original lazily.

:func:`prefold` translates the text with the ``pre`` table in one pass (block by block
when a character expands) and collapses runs of a repeated non-ASCII character, keeping
only what maps the result back: where each block starts in the translated text and which
positions the collapse removed. :class:`OffsetMap` turns a position in the folded text
into the original span it came from, working out a block's detail only when a position
in it is asked for; :meth:`OffsetMap.original_span` (what a scan asks, for its hits only)
counts removed characters with ``str.count`` instead.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, pairwise

from qinglang.detect.chartables import MARK, CharTables

BLOCK = 2048
_PAIR = re.compile(r"(.)(?=\1)", re.DOTALL)


@dataclass(frozen=True)
class Prefolded:
    """A text after the ``pre`` table and collapsing repeats, with what maps it back."""

    original: str
    text: str  # what the automata see (before variant folding)
    marked: str  # after the ``pre`` table, with MARK where a character was removed
    bounds: list[int]  # original offsets where blocks start, then len(original)
    marked_starts: list[int]  # where each block starts in ``marked``
    block_starts: list[int]  # where each block starts before collapsing, then the length
    collapsed: list[int]  # for each position removed by collapsing: its index in ``text``


def _bounds(text: str, extenders: frozenset[int]) -> list[int]:
    """Block boundaries, each moved past combining marks so that they stay with their base."""
    n = len(text)
    bounds = [*range(0, n, BLOCK), n] if n else [0, 0]
    previous = 0
    for i in range(1, len(bounds) - 1):
        at = max(bounds[i], previous)
        while at < n and ord(text[at]) in extenders:
            at += 1
        bounds[i] = previous = at
    return bounds


def collapse_repeats(text: str) -> tuple[str, list[int]]:
    """``text`` with each run of a repeated non-ASCII character cut to one, and for each
    removed character the index in the result of the character that absorbed it."""
    removed = [m.start() + 1 for m in _PAIR.finditer(text) if not m.group(1).isascii()]
    if not removed:
        return text, []
    pieces = []
    kept_from = 0
    for at in removed:
        pieces.append(text[kept_from:at])
        kept_from = at + 1
    pieces.append(text[kept_from:])
    return "".join(pieces), [at - k - 1 for k, at in enumerate(removed)]


def prefold(text: str, tables: CharTables) -> Prefolded:
    """Apply the ``pre`` table and collapse repeats: C-level passes, Python per block."""
    bounds = _bounds(text, tables.extenders)
    table = tables.pre_marked
    marked = codecs.charmap_encode(text, "strict", table)[0].decode("utf-16-le")
    if len(marked) == len(text):  # no character became two or more: blocks line up
        marked_starts = bounds
    else:
        blocks = [
            codecs.charmap_encode(text[a:b], "strict", table)[0].decode("utf-16-le")
            for a, b in pairwise(bounds)
        ]
        marked_starts = [0, *accumulate(map(len, blocks))]
    block_starts = [
        0,
        *accumulate(b - a - marked.count(MARK, a, b) for a, b in pairwise(marked_starts)),
    ]
    collapsed, removed = collapse_repeats(marked.replace(MARK, ""))
    return Prefolded(text, collapsed, marked, bounds, marked_starts, block_starts, removed)


@dataclass
class _Block:
    """A block's segments between removed characters: ``kept[k]`` characters are kept up
    to the end of segment ``k``, which starts at original offset ``low + k + kept[k - 1]``
    (``low`` for the first); or, for a block with expansions, each translated character's
    span."""

    kept: list[int]
    low: int
    spans: list[tuple[int, int]] | None = None

    def starts(self) -> list[int]:
        """The original offset where each segment starts."""
        low = self.low
        return [low, *(low + k + kept for k, kept in enumerate(self.kept[:-1], 1))]


@dataclass
class OffsetMap:
    """Folded positions -> original spans. Caches per block; not shared between threads."""

    folded: Prefolded
    tables: CharTables
    _blocks: dict[int, _Block] = field(default_factory=dict)

    def uncollapsed(self, start: int, end: int) -> tuple[int, int]:
        """The range before collapsing that folded ``text[start:end]`` stands for."""
        removed = self.folded.collapsed
        if not removed:
            return start, end
        return start + bisect_right(removed, start - 1), end + bisect_right(removed, end - 1)

    def original_span(self, start: int, end: int) -> tuple[int, int, int]:
        """(``char_start``, ``char_end``, length) of the range before collapsing that folded
        ``text[start:end]`` (not empty) stands for: its original span, in one go.

        In a block without expansions it counts the removed characters with ``str.count``
        from the block's start (or from the hit's first character) instead of mapping the
        whole block."""
        folded = self.folded
        removed = folded.collapsed
        if removed:
            low, last = (
                start + bisect_right(removed, start - 1),
                end + bisect_right(removed, end - 1),
            )
        else:
            low, last = start, end
        length = last - low
        last -= 1
        block_starts = folded.block_starts
        index = bisect_right(block_starts, low) - 1
        ends_in = index if last < block_starts[index + 1] else None
        at = -1  # where the first character is in ``marked``, when it was counted
        if self._aligned(index):
            at = self._kept(folded.marked_starts[index], low - block_starts[index])
            first = folded.bounds[index] + at - folded.marked_starts[index]
        else:
            first = self._spans(index)[low - block_starts[index]][0]
        if ends_in is None:
            ends_in = bisect_right(block_starts, last) - 1
            at = -1
        if not self._aligned(ends_in):
            return first, self._spans(ends_in)[last - block_starts[ends_in]][1], length
        marked_start = folded.marked_starts[ends_in]
        if at >= 0:
            at = at if last == low else self._kept(at + 1, last - low - 1)
        else:
            at = self._kept(marked_start, last - block_starts[ends_in])
        end = folded.bounds[ends_in] + at - marked_start + 1
        original = folded.original
        extenders = self.tables.extenders
        while end < len(original) and ord(original[end]) in extenders:
            end += 1
        return first, end, length

    def _spans(self, index: int) -> list[tuple[int, int]]:
        """Each translated character's span in block ``index``, which has expansions."""
        spans = self._block(index).spans
        if spans is None:
            raise ValueError(f"block {index} has no expansions")
        return spans

    def _aligned(self, index: int) -> bool:
        """Whether block ``index`` has no expansions (``marked`` lines up with the original)."""
        bounds, marked_starts = self.folded.bounds, self.folded.marked_starts
        return marked_starts[index + 1] - marked_starts[index] == bounds[index + 1] - bounds[index]

    def _kept(self, at: int, skip: int) -> int:
        """Where in ``marked`` the first kept character at or after ``at`` is once ``skip``
        kept ones are passed over (``at`` is within a block without expansions)."""
        count = self.folded.marked.count
        at += skip
        missing = count(MARK, at - skip, at + 1)
        while missing:
            previous = at + 1
            at += missing
            missing = count(MARK, previous, at + 1)
        return at

    def run(self, index: int) -> int:
        """How many repeats were collapsed into folded character ``index`` (1 when none)."""
        removed = self.folded.collapsed
        if not removed:
            return 1
        return 1 + bisect_right(removed, index) - bisect_right(removed, index - 1)

    def _block(self, index: int) -> _Block:
        cached = self._blocks.get(index)
        if cached is None:
            folded = self.folded
            low, high = folded.bounds[index], folded.bounds[index + 1]
            marked = folded.marked[folded.marked_starts[index] : folded.marked_starts[index + 1]]
            if len(marked) == high - low:
                cached = _Block(list(accumulate(map(len, marked.split(MARK)))), low)
            else:
                cached = _Block([], low, _spans_one_by_one(folded.original, low, high, self.tables))
            self._blocks[index] = cached
        return cached

    def char_start(self, index: int) -> int:
        """Original offset of the translated (uncollapsed) character at ``index``."""
        block_index = bisect_right(self.folded.block_starts, index) - 1
        block = self._block(block_index)
        local = index - self.folded.block_starts[block_index]
        if block.spans is not None:
            return block.spans[local][0]
        # after its segment's start, which is past the characters removed before it
        return block.low + bisect_right(block.kept, local) + local

    def char_end(self, index: int) -> int:
        """Original end of the translated character at ``index``, with the combining marks
        and joiners that directly follow it."""
        block_starts = self.folded.block_starts
        block_index = bisect_right(block_starts, index) - 1
        block = self._block(block_index)
        local = index - block_starts[block_index]
        if block.spans is not None:
            return block.spans[local][1]
        end = block.low + bisect_right(block.kept, local) + local + 1
        original = self.folded.original
        while end < len(original) and ord(original[end]) in self.tables.extenders:
            end += 1
        return end

    def span(self, index: int) -> tuple[int, int, int]:
        """(start, end, run) of folded character ``index``: its original span and how many
        repeats of it were collapsed into it (1 when none)."""
        low, high = self.uncollapsed(index, index + 1)
        return self.char_start(low), self.char_end(high - 1), high - low

    def spans(self) -> list[tuple[int, int, int]]:
        """Every folded character's ``span``, for the whole text, in bulk."""
        folded = self.folded
        starts: list[int] = []
        ends: list[int] = []
        for index in range(len(folded.bounds) - 1):
            block = self._block(index)
            if block.spans is not None:
                starts.extend(start for start, _ in block.spans)
                ends.extend(end for _, end in block.spans)
                continue
            previous = 0
            for kept, start in zip(block.kept, block.starts(), strict=True):
                starts.extend(range(start, start + kept - previous))
                ends.extend(range(start + 1, start + kept - previous + 1))
                previous = kept
        original = folded.original
        for match in self.tables.extender_runs.finditer(original):
            k = bisect_left(starts, match.start() - 1)
            while k < len(starts) and starts[k] == match.start() - 1:
                ends[k] = match.end()  # marks stacked on a kept character belong to it
                k += 1
        runs = [1] * len(folded.text)
        for absorbing in folded.collapsed:
            runs[absorbing] += 1
        lows = [0, *accumulate(runs)]
        return [(starts[lows[i]], ends[lows[i + 1] - 1], run) for i, run in enumerate(runs)]


def _spans_one_by_one(text: str, low: int, high: int, tables: CharTables) -> list[tuple[int, int]]:
    """(start, end) of each translated character of a block, visiting every character."""
    spans: list[tuple[int, int]] = []
    attach = False
    for at in range(low, high):
        count = len(tables.pre_of(text[at]))
        if count == 0:
            if attach and ord(text[at]) in tables.extenders:
                spans[-1] = (spans[-1][0], at + 1)
            else:
                attach = False
            continue
        spans.extend([(at, at + 1)] * count)
        attach = True
    return spans
