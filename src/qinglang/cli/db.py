"""``qinglang db``: migrate the database and show where it stands."""

from __future__ import annotations

import typer

from qinglang.cli.context import open_database, out
from qinglang.db.engine import describe_url
from qinglang.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="The database: migrations and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every migration not yet applied (SQLite or PostgreSQL)."""
    database = open_database(require_migrated=False)
    upgrade(database)
    out.print(f"{describe_url(database.engine.url)}: at revision {current_revision(database)}")


@app.command("status")
def status_command() -> None:
    """Show the database, its revision and the newest revision available."""
    database = open_database(require_migrated=False)
    current, head = current_revision(database), head_revision(database)
    out.print(f"database: {describe_url(database.engine.url)}")
    out.print(f"revision: {current or '(empty)'}; newest: {head}")
    if current != head:
        out.print("run `qinglang db upgrade`")
        raise typer.Exit(1)
