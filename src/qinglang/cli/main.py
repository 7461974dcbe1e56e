"""The ``qinglang`` command. Errors print one line ``error[code]: message`` and exit non-zero."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError

from qinglang.cli import db, detect, keys, ledger, policy, reports, serve, tokens, users
from qinglang.cli import holds as holds_cli
from qinglang.cli import retention as retention_cli
from qinglang.cli.compliance import compliance
from qinglang.cli.context import err
from qinglang.cli.worker import worker
from qinglang.errors import DomainError, exit_code_for

app = typer.Typer(
    name="qinglang",
    help="清朗 Qinglang: infringement reports, self-media governance, the work ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(ledger.app, name="ledger")
app.add_typer(policy.app, name="policy")
app.add_typer(reports.app, name="reports")
app.add_typer(reports.reporters_app, name="reporters")
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("compliance")(compliance)
app.command("worker")(worker)
app.command("pii")(detect.pii)
app.command("scan")(detect.scan)
app.add_typer(detect.names_app, name="names")
app.add_typer(holds_cli.app, name="holds")
app.add_typer(retention_cli.app, name="retention")
app.add_typer(keys.app, name="keys")


def main() -> None:
    try:
        app()
    except DomainError as exc:
        err.print(f"error[{exc.code}]: {exc.message}", markup=False, soft_wrap=True)
        sys.exit(exit_code_for(exc))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "database error"
        err.print(f"error[database_unavailable]: {reason}", markup=False, soft_wrap=True)
        sys.exit(3)
