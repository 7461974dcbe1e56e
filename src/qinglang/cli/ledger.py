"""``qinglang ledger``: verify the chain."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from qinglang import ledger
from qinglang.cli.context import open_database, out

app = typer.Typer(help="The work ledger (WS-28).", no_args_is_help=True)
EXIT_BROKEN = 4


@app.command("verify")
def verify(
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Walk the whole chain; name the first broken entry. Exit 4 when broken."""
    result = ledger.verify(open_database())
    if json_output:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    elif result.broken is None:
        out.print(
            f"ledger: {result.checked} entries verified; the chain is unbroken; "
            f"head {result.last_hash}"
        )
    else:
        out.print(
            f"ledger: BROKEN at entry {result.broken.seq} ({result.broken.reason}): "
            f"{result.broken.detail}; {result.checked} entries before it verified"
        )
    if result.broken is not None:
        raise typer.Exit(EXIT_BROKEN)
