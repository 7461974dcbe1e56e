"""``qinglang ledger``: verify the chain; export it signed, and check an export offline."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from qinglang import ledger
from qinglang.cli.context import open_database, operator, out
from qinglang.errors import InvalidInput
from qinglang.oversight.bundle_check import BundleCheck, check_bundle
from qinglang.oversight.exports import export_bundle
from qinglang.settings import load_settings

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


@app.command("export")
def export(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day")],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day")],
    out_dir: Annotated[Path, typer.Option("--out", help="A new or empty directory")],
    case: Annotated[int | None, typer.Option("--case", help="Only this case's entries")] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Only account:N's entries and its cases'")
    ] = None,
    with_files: Annotated[
        bool, typer.Option("--with-files", help="Include the evidence files")
    ] = False,
) -> None:
    """Write a signed bundle of the entries of --from..--to (both days included)."""
    settings = load_settings()
    manifest = export_bundle(
        open_database(settings),
        settings=settings,
        actor=operator(),
        start=start.date(),
        end=end.date(),
        case_id=case,
        account=account,
        with_files=with_files,
        out=out_dir,
    )
    counts, chain = manifest["counts"], manifest["chain"]
    span = (
        f"entries {chain['first_seq']}..{chain['last_seq']}"
        if chain["first_seq"] is not None
        else "no entries in the range"
    )
    out.print(
        f"export: {counts['entries']} entries ({span}), {counts['evidence']} evidence items, "
        f"{counts['files']} files written to {out_dir}; signed by "
        f"{manifest['signer']['fingerprint']}"
    )
    if not chain["linked"]:
        out.print(f"note: {chain['note']}")


@app.command("verify-export")
def verify_export(
    directory: Annotated[Path, typer.Argument(help="The bundle's directory")],
    public_key: Annotated[Path, typer.Option("--public-key", help="The signer's PEM key")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Check a bundle offline: signature, file hashes, entries, chain. Exit 4 on a problem."""
    try:
        pem = public_key.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise InvalidInput(
            f"cannot read the public key {public_key}: {exc.strerror}", code="public_key_unreadable"
        ) from None
    result = check_bundle(directory, public_key_pem=pem)
    if json_output:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        out.print(_describe(result), markup=False)
    if result.problem is not None:
        raise typer.Exit(EXIT_BROKEN)


def _describe(result: BundleCheck) -> str:
    problem = result.problem
    if problem is not None:
        where = problem.file or "the bundle"
        if problem.line is not None:
            where += f" line {problem.line}"
        return f"export: BROKEN [{problem.code}] in {where}: {problem.detail}"
    links = (
        "the chain links are unbroken"
        if result.links_checked
        else f"links not checked ({result.as_dict()['links_note']})"
    )
    return (
        f"export: sound; signature verified ({result.signer}); {result.entries} entries each "
        f"match their hash; {links}; {result.evidence} evidence items, {result.files} files "
        "match the manifest"
    )
