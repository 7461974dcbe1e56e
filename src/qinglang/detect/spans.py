"""Choosing among overlapping findings: one rule, used by every finder that needs it."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar


class HasSpan(Protocol):
    @property
    def span(self) -> tuple[int, int]: ...


H = TypeVar("H", bound=HasSpan)


def without_overlaps(hits: Iterable[H], *, precedence: Callable[[H], Any]) -> list[H]:
    """Keep hits by ``precedence`` (lower first), then position, then length; drop overlaps.

    The result is in text order and no two kept spans overlap.
    """
    starts: list[int] = []
    kept: list[H] = []
    for hit in sorted(hits, key=lambda h: (precedence(h), h.span[0], -h.span[1])):
        start, end = hit.span
        index = bisect.bisect_right(starts, start)
        if index and kept[index - 1].span[1] > start:
            continue
        if index < len(kept) and kept[index].span[0] < end:
            continue
        starts.insert(index, start)
        kept.insert(index, hit)
    return kept
