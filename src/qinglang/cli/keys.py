"""``qinglang keys``: the Ed25519 key that signs ledger exports."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from qinglang.cli.context import err, open_database, operator, out
from qinglang.oversight import signing
from qinglang.settings import load_settings

app = typer.Typer(help="The key that signs ledger exports (Ed25519).", no_args_is_help=True)


@app.command("init")
def init(
    rotate: Annotated[
        bool,
        typer.Option("--rotate", help="Replace the key; its public key is kept beside it"),
    ] = False,
) -> None:
    """Create the signing key (mode 0600). Refuses if one exists, unless --rotate."""
    settings = load_settings()
    created = signing.create_key(
        open_database(settings), settings=settings, actor=operator(), rotate=rotate
    )
    out.print(f"signing key created at {created.path}")
    out.print(f"fingerprint (SHA-256): {created.fingerprint}")
    for path, retired in created.retired:
        out.print(f"kept for older bundles: {path} ({retired})")


@app.command("show")
def show(
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """The public key in PEM (stdout) and its SHA-256 fingerprint (stderr), so that
    ``qinglang keys show > ledger-export.pub.pem`` writes the key alone."""
    info = signing.key_info(load_settings())
    if json_output:
        body = {
            "path": str(info.path),
            "fingerprint": info.fingerprint,
            "public_key": info.public_pem,
            "retired": [{"path": str(p), "fingerprint": f} for p, f in info.retired],
        }
        print(json.dumps(body, ensure_ascii=False))
        return
    print(info.public_pem, end="")
    err.print(f"fingerprint (SHA-256): {info.fingerprint}", soft_wrap=True)
    for path, retired in info.retired:
        err.print(f"retired: {path} ({retired})", soft_wrap=True)
