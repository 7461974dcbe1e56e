"""``qinglang users``: add, list, disable and enable console users."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qinglang.auth import users
from qinglang.auth.permissions import Role
from qinglang.cli.context import open_database, operator, out

app = typer.Typer(help="Console users and their roles.", no_args_is_help=True)
ROLES = ", ".join(r.value for r in Role)


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Lower-case login name")],
    role: Annotated[list[str], typer.Option("--role", "-r", help=f"Repeatable: {ROLES}")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters"
        ),
    ],
    display_name: Annotated[str | None, typer.Option(help="Name shown in the console")] = None,
) -> None:
    """Add a user with one or more roles."""
    user = users.create_user(
        open_database(),
        actor=operator(),
        username=username,
        password=password,
        roles=role,
        display_name=display_name,
    )
    out.print(
        f"added user {user.username} (id {user.id}) with roles {', '.join(sorted(user.roles))}"
    )


@app.command("list")
def list_command() -> None:
    """List users, their roles and whether they are active."""
    table = Table("id", "username", "display name", "roles", "active", "created (UTC)")
    for user in users.list_users(open_database(), actor=operator()):
        table.add_row(
            str(user.id),
            user.username,
            user.display_name,
            ", ".join(sorted(user.roles)),
            "yes" if user.is_active else "no",
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@app.command("disable")
def disable(username: str) -> None:
    """Disable a user: their sessions and API tokens stop working at once."""
    users.set_active(open_database(), actor=operator(), username=username, active=False)
    out.print(f"disabled {username}")


@app.command("enable")
def enable(username: str) -> None:
    """Re-enable a disabled user."""
    users.set_active(open_database(), actor=operator(), username=username, active=True)
    out.print(f"enabled {username}")
