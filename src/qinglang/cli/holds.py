"""``qinglang holds``: place, release and list legal holds (WS-28)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from qinglang.cli.context import open_database, operator, out
from qinglang.errors import InvalidInput
from qinglang.oversight import holds

app = typer.Typer(help="Legal holds: keep data past retention (WS-28).", no_args_is_help=True)


@app.command("place")
def place(
    reason: Annotated[str, typer.Option("--reason", help="Why the data must be kept")],
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="[SUBJECT]", help="case:N, report:TRACKING, account:N or subject:NAME"
        ),
    ] = None,
    case: Annotated[int | None, typer.Option("--case", help="A case id")] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="A report's tracking number")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="account:N, a platform account")
    ] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="A right holder or account subject")
    ] = None,
) -> None:
    """Place a hold on one case, report, account or subject (SUBJECT, or one option)."""
    given = [
        named
        for named in (
            ref,
            f"case:{case}" if case is not None else None,
            f"report:{report}" if report is not None else None,
            (account if account.startswith("account:") else f"account:{account}")
            if account
            else None,
            f"subject:{subject}" if subject is not None else None,
        )
        if named is not None
    ]
    if len(given) != 1:
        raise InvalidInput(
            "name exactly one of SUBJECT, --case, --report, --account, --subject",
            code="invalid_input",
        )
    hold = holds.place_hold(open_database(), actor=operator(), subject=given[0], reason=reason)
    out.print(f"hold {hold.id} placed on {hold.ref}")


@app.command("release")
def release(
    hold_id: int,
    reason: Annotated[str, typer.Option("--reason", help="Why the hold ends")],
) -> None:
    """Release a hold; the data is purged once it has expired."""
    hold = holds.release_hold(open_database(), actor=operator(), hold_id=hold_id, reason=reason)
    out.print(f"hold {hold.id} on {hold.ref} released")


@app.command("list")
def list_command(
    all_: Annotated[bool, typer.Option("--all", help="Released holds too")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List active holds (all with --all)."""
    found = holds.list_holds(open_database(), actor=operator(), include_released=all_)
    if json_output:
        print(json.dumps([h.as_dict() for h in found], ensure_ascii=False))
        return
    table = Table("id", "subject", "reason", "placed", "by", "state")
    for hold in found:
        state = "active" if hold.active else f"released {hold.released_at:%Y-%m-%d}"
        table.add_row(
            str(hold.id),
            hold.ref,
            hold.reason,
            f"{hold.placed_at:%Y-%m-%d %H:%M}",
            hold.placed_by,
            state,
        )
    out.print(table)
