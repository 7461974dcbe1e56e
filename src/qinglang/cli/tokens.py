"""``qinglang tokens``: issue, list and revoke API tokens for integrations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from qinglang.auth import tokens
from qinglang.auth.permissions import Permission
from qinglang.cli.context import open_database, operator, out

app = typer.Typer(
    help="API tokens (stored hashed; the secret is shown once).", no_args_is_help=True
)
SCOPES = ", ".join(p.value for p in Permission)


@app.command("create")
def create(
    user: Annotated[str, typer.Option("--user", "-u", help="Whose token")],
    name: Annotated[str, typer.Option("--name", "-n", help="What the token is for")],
    scope: Annotated[list[str], typer.Option("--scope", "-s", help=f"Repeatable: {SCOPES}")],
    expires_in_days: Annotated[int | None, typer.Option(min=1, help="Expire after N days")] = None,
) -> None:
    """Issue a token; prints the secret once."""
    database = open_database()
    expires_at = database.clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
    issued = tokens.create_token(
        database, actor=operator(), username=user, name=name, scopes=scope, expires_at=expires_at
    )
    out.print(f"token {issued.token.id} for {user} ({', '.join(issued.token.scopes)})")
    out.print("secret (shown once, store it now):")
    print(issued.secret)


@app.command("list")
def list_command(user: Annotated[str | None, typer.Option("--user", "-u")] = None) -> None:
    """List tokens (never their secrets)."""
    table = Table("id", "user", "name", "prefix", "scopes", "expires", "state")
    for token in tokens.list_tokens(open_database(), actor=operator(), username=user):
        state = "revoked" if token.revoked_at else "active"
        expires = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "-"
        table.add_row(
            str(token.id),
            token.user.username,
            token.name,
            token.prefix + "…",
            ", ".join(token.scopes),
            expires,
            state,
        )
    out.print(table)


@app.command("revoke")
def revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    token = tokens.revoke_token(open_database(), actor=operator(), token_id=token_id)
    out.print(f"revoked token {token.id} ({token.name})")
