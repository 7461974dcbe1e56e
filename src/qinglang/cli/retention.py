"""``qinglang retention purge``: remove what has expired and is not held (WS-28)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from qinglang.cli.context import open_database, operator, out
from qinglang.intake.store import EvidenceStore
from qinglang.oversight.retention import PurgeResult, purge
from qinglang.settings import load_settings

app = typer.Typer(help="Retention of records (WS-28: at least 180 days).", no_args_is_help=True)


def describe(result: PurgeResult) -> str:
    verb = "would remove" if result.dry_run else "removed"
    counts = result.as_dict()["counts"]
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"
    ledger = (
        f"; ledger entries {result.ledger_first}..{result.ledger_last}"
        if result.ledger_first is not None
        else ""
    )
    return f"retention (older than {result.cutoff:%Y-%m-%d %H:%M %Z}): {verb} {parts}{ledger}"


@app.command("purge")
def purge_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Remove nothing; say what would go")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Remove expired, unheld records and the ledger's expired leading entries."""
    settings = load_settings()
    result = purge(
        open_database(settings),
        actor=operator(),
        retention_days=settings.retention_days,
        store=EvidenceStore(settings.evidence_dir),
        dry_run=dry_run,
    )
    if json_output:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        out.print(describe(result))
