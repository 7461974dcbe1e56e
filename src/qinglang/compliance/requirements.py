"""The requirement IDs of the spec, parsed from the project's copy of ``spec/README.md``.

A requirement is a row of a Markdown table whose first cell is an ID such as
``WS-3`` or ``SM-13``. A table whose header names an ``article`` column (the WS
table) gives each of its requirements the article; the others have none. The
last column is the requirement's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SPEC_PATH = Path(__file__).parent / "spec" / "README.md"

_ID = re.compile(r"^(?P<family>[A-Z]{2})-(?P<number>[1-9][0-9]*)$")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One obligation of the spec: ``id`` is e.g. ``WS-28``, ``family`` is ``WS``."""

    id: str
    family: str
    article: str | None
    text: str


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1):
        return None
    return [cell.strip() for cell in stripped[1:-1].split("|")]


def _is_separator(cells: Sequence[str]) -> bool:
    return all(_SEPARATOR_CELL.match(cell) for cell in cells)


def parse_requirements(text: str, *, source: str = "spec/README.md") -> tuple[Requirement, ...]:
    """Every requirement row of ``text``, in document order.

    Raises ``ValueError`` (naming ``source`` and the line) on a duplicated ID or a
    requirement row whose cells do not match its table's header.
    """
    requirements: list[Requirement] = []
    seen: dict[str, int] = {}
    header: list[str] | None = None
    previous: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        cells = _cells(line)
        if cells is None:
            header = previous = None
            continue
        if previous is not None and _is_separator(cells):
            header = [cell.lower() for cell in previous]
        previous = cells
        match = _ID.match(cells[0])
        if match is None:
            continue
        if header is None or len(cells) != len(header):
            raise ValueError(
                f"{source}:{number}: row {cells[0]} has {len(cells)} cells, "
                f"its table's header has {len(header or [])}"
            )
        if cells[0] in seen:
            raise ValueError(
                f"{source}:{number}: {cells[0]} is already defined on line {seen[cells[0]]}"
            )
        seen[cells[0]] = number
        article = cells[header.index("article")] if "article" in header else None
        requirements.append(
            Requirement(id=cells[0], family=match["family"], article=article, text=cells[-1])
        )
    return tuple(requirements)


def load_requirements(path: Path = SPEC_PATH) -> tuple[Requirement, ...]:
    """The requirements of the spec copy at ``path`` (the packaged copy by default)."""
    return parse_requirements(path.read_text(encoding="utf-8"), source=str(path))
