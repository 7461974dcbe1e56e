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
from qinglang.detect.links import find_links
from qinglang.detect.pii import find_pii, mask_text
from qinglang.detect.service import Detection, UnknownLexicon
from qinglang.errors import NotFound, TooLarge

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


names_app = typer.Typer(help="Account-name checks (SM-1).", no_args_is_help=True)


@names_app.command("check")
def names_check(
    name: Annotated[str, typer.Argument(help="The account name")],
    bio: Annotated[str | None, typer.Option(help="The account's bio")] = None,
    json_output: JsonOption = False,
) -> None:
    """Check an account name (and bio): allow, review or refuse, with reasons."""
    result = Detection().check_name(name, bio)
    if json_output:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    out.print(f"{result.verdict.value}")
    for reason in result.reasons:
        variants = ", ".join(reason.variants)
        out.print(
            f"  {reason.code}: {reason.matched} ({reason.kind}) in {reason.field} "
            f"{reason.span[0]}–{reason.span[1]} via {variants}"
        )


def scan(
    lexicon: Annotated[str | None, typer.Option(help="A lexicon's name; default: all")] = None,
    json_output: JsonOption = False,
) -> None:
    """Scan text on stdin against the lexicons, catching variant spellings, and find links."""
    detection = Detection()
    try:
        detection.scan("", lexicon=lexicon)  # an unknown lexicon is refused before reading
        hits = detection.scan(text := read_stdin(), lexicon=lexicon)
    except UnknownLexicon as exc:
        raise NotFound(str(exc), code="lexicon_not_found") from None
    links = find_links(text)
    if json_output:
        payload = {
            "hits": [
                {
                    "term": h.term,
                    "kind": h.kind,
                    "span": list(h.span),
                    "variants": [str(v) for v in h.variants],
                }
                for h in hits
            ],
            "links": [
                {
                    "kind": h.kind.value,
                    "span": list(h.span),
                    "value": h.value,
                    "obfuscated": h.obfuscated,
                }
                for h in links
            ],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return
    table = Table("term", "kind", "span", "found as", "variants")
    for hit in hits:
        table.add_row(
            hit.term,
            hit.kind,
            f"{hit.span[0]}–{hit.span[1]}",
            text[hit.span[0] : hit.span[1]],
            ", ".join(str(v) for v in hit.variants),
        )
    for link in links:
        table.add_row(
            link.value,
            f"link:{link.kind.value}",
            f"{link.span[0]}–{link.span[1]}",
            text[link.span[0] : link.span[1]],
            "obfuscated" if link.obfuscated else "",
        )
    out.print(table if hits or links else "nothing found")
