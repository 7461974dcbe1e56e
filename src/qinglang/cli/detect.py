"""``qinglang pii`` / ``scan`` / ``names check``: detection on text from stdin or arguments.

These need no database: they run the pure detection library directly.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from qinglang.cli.context import out
from qinglang.detect.pii import find_pii, mask_text
from qinglang.errors import TooLarge

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]
MAX_CHARS = 10_000_000


def read_stdin() -> str:
    """Standard input as text; undecodable bytes become U+FFFD rather than an error."""
    data = sys.stdin.buffer.read(MAX_CHARS * 4 + 1)
    if len(data) > MAX_CHARS * 4:
        raise TooLarge(f"standard input is over {MAX_CHARS * 4} bytes", code="input_too_large")
    return data.decode("utf-8", errors="replace")


def pii(json_output: JsonOption = False) -> None:
    """Find personal information in text on stdin (IDs, phones, cards, e-mail, addresses…)."""
    text = read_stdin()
    hits = find_pii(text)
    if json_output:
        payload = {"hits": [h.as_dict() for h in hits], "masked_text": mask_text(text, hits)}
        print(json.dumps(payload, ensure_ascii=False))
        return
    table = Table("type", "span", "masked")
    for hit in hits:
        table.add_row(hit.type.value, f"{hit.span[0]}–{hit.span[1]}", hit.masked)
    out.print(table if hits else "no personal information found")
