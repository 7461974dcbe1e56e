"""Charts as SVG text, drawn on the server: bars, a daily line, a share bar.

Pure functions: values in, SVG out. Every label is escaped; each chart is
``role="img"`` with a ``<title>`` and ``aria-label`` (and a ``<desc>`` stating the
figures, for a screen reader); colours keep at least 4.5:1 against white; the font is
the reader's own sans-serif (no script, no web font).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#1a1a1a"  # text: 17:1 on white
MUTED = "#595959"  # axes and notes: 7:1
BAR = "#1d4f91"  # 8.6:1
SECOND = "#a3400b"  # 6.1:1
GRID = "#d0d0d0"
FONT = 'font-family="sans-serif"'


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _frame(title: str, width: int, height: int, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_e(title)}">'
        f"<title>{_e(title)}</title><desc>{_e(desc)}</desc>{body}</svg>"
    )


def _empty(title: str, width: int, note: str) -> str:
    body = (
        f'<text x="{width // 2}" y="40" text-anchor="middle" {FONT} font-size="14" '
        f'fill="{MUTED}">{_e(note)}</text>'
    )
    return _frame(title, width, 64, note, body)


def bar_chart(
    title: str,
    items: Sequence[tuple[str, int]],
    *,
    empty: str = "No data",
    width: int = 560,
) -> str:
    """Horizontal bars, one per ``(label, value)``, longest scaled to the width."""
    if not items or all(value == 0 for _, value in items):
        return _empty(title, width, empty)
    row, top, label_w, value_w = 26, 8, 200, 56
    height = top * 2 + row * len(items)
    span = width - label_w - value_w
    largest = max(value for _, value in items)
    parts: list[str] = []
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = round(span * value / largest) if largest else 0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" {FONT} font-size="13" '
            f'fill="{INK}">{_e(label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{max(length, 1)}" height="{row - 8}" '
            f'fill="{BAR}"><title>{_e(label)}: {value}</title></rect>'
            f'<text x="{label_w + length + 6}" y="{y + 17}" {FONT} font-size="13" '
            f'fill="{INK}">{value}</text>'
        )
    desc = "; ".join(f"{label}: {value}" for label, value in items)
    return _frame(title, width, height, desc, "".join(parts))


def line_chart(
    title: str,
    days: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    empty: str = "No data",
    width: int = 560,
) -> str:
    """One line per ``(name, values)`` over ``days`` (values align with days)."""
    if not days or all(v == 0 for _, values in series for v in values):
        return _empty(title, width, empty)
    height, left, right, top, bottom = 220, 40, 16, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max(max(values, default=0) for _, values in series) or 1
    step = plot_w / max(len(days) - 1, 1)
    colours = (BAR, SECOND)
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{MUTED}"/>'
        f'<line x1="{left}" y1="{top}" x2="{left + plot_w}" y2="{top}" stroke="{GRID}"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" {FONT} font-size="12" '
        f'fill="{MUTED}">{largest}</text>'
        f'<text x="{left - 6}" y="{top + plot_h + 4}" text-anchor="end" {FONT} '
        f'font-size="12" fill="{MUTED}">0</text>'
        f'<text x="{left}" y="{height - 12}" {FONT} font-size="12" fill="{MUTED}">'
        f"{_e(days[0])}</text>"
        f'<text x="{left + plot_w}" y="{height - 12}" text-anchor="end" {FONT} '
        f'font-size="12" fill="{MUTED}">{_e(days[-1])}</text>'
    ]
    for n, (name, values) in enumerate(series):
        colour = colours[n % len(colours)]
        points = " ".join(
            f"{left + i * step:.1f},{top + plot_h - plot_h * v / largest:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        x = left + n * 160
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 18}" y="16" {FONT} font-size="12" fill="{INK}">{_e(name)}</text>'
        )
    desc = "; ".join(
        f"{name}: " + ", ".join(f"{d} {v}" for d, v in zip(days, values, strict=False))
        for name, values in series
    )
    return _frame(title, width, height, desc, "".join(parts))


def share_bar(
    title: str, share: float | None, *, caption: str, empty: str = "No data", width: int = 560
) -> str:
    """A share from 0 to 1 as a filled bar with its percentage (a simple gauge)."""
    if share is None:
        return _empty(title, width, empty)
    share = min(max(share, 0.0), 1.0)
    bar_w = width - 16
    filled = round(bar_w * share)
    percent = f"{share * 100:.1f}%"
    body = (
        f'<rect x="8" y="8" width="{bar_w}" height="28" fill="#ffffff" stroke="{MUTED}"/>'
        f'<rect x="8" y="8" width="{filled}" height="28" fill="{BAR}"/>'
        f'<text x="8" y="56" {FONT} font-size="14" fill="{INK}">{_e(percent)} · '
        f"{_e(caption)}</text>"
    )
    return _frame(title, width, 66, f"{percent} {caption}", body)
