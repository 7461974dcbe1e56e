"""``qinglang serve`` and ``qinglang demo`` (migrate, seed, serve, print where to look)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from qinglang.actor import Actor
from qinglang.auth import users
from qinglang.auth.permissions import Role
from qinglang.cli.context import open_database, out
from qinglang.cli.demo_cases import seed_demo_cases
from qinglang.cli.worker import start_in_background
from qinglang.db.engine import Database
from qinglang.db.migrate import upgrade
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import ConfigurationError, Conflict
from qinglang.intake.setup import build_intake
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings, load_settings
from qinglang.web.app import create_app

# Demo sign-ins: one user per role. Never created in production mode.
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("admin", "系统管理员", Role.ADMIN),
    ("reviewer", "审核员 李静", Role.REVIEWER),
    ("approver", "审批人 王强", Role.APPROVER),
    ("compliance", "合规专员 陈晓", Role.COMPLIANCE),
    ("regulator", "网信办 检查员", Role.REGULATOR),
)


def demo_password(username: str) -> str:
    return f"qinglang-{username}"


HostOption = Annotated[str | None, typer.Option(help="Interface to listen on (default: settings)")]
PortOption = Annotated[int | None, typer.Option(help="Port (default: settings)")]


def _run(settings: Settings, database: Database, host: str | None, port: int | None) -> None:
    start_in_background(database, settings)
    uvicorn.run(
        create_app(settings, database=database),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
    )


def serve(host: HostOption = None, port: PortOption = None) -> None:
    """Serve the API, the console and the demo site."""
    settings = load_settings()
    _run(settings, open_database(settings), host, port)


def ensure_demo_users(database: Database) -> list[tuple[str, str, Role]]:
    created = []
    for username, display_name, role in DEMO_USERS:
        try:
            users.create_user(
                database,
                actor=Actor.system("demo-seed"),
                username=username,
                password=demo_password(username),
                roles=[role.value],
                display_name=display_name,
            )
            created.append((username, display_name, role))
        except Conflict:
            continue
    return created


def demo(host: HostOption = None, port: PortOption = None) -> None:
    """Migrate the database, load the demo data and serve, printing the URLs and sign-ins."""
    settings = load_settings()
    if settings.is_production:
        raise ConfigurationError(
            "`qinglang demo` creates well-known passwords and refuses production mode",
            code="demo_in_production",
        )
    database = open_database(settings, require_migrated=False)
    upgrade(database)
    summary = seed_demo_platform(database, actor=Actor.system("demo-seed"))
    ensure_demo_users(database)
    base = f"http://{host or settings.host}:{port or settings.port}"
    seeded = "already there" if summary.already_seeded else "loaded"
    out.print(f"demo platform {seeded}: {summary.accounts} accounts, {summary.posts} posts")
    if not summary.already_seeded:
        intake = build_intake(database, settings)
        rules = DisposalRules.from_settings(settings, intake.rules.reporters, intake.packs)
        cases = seed_demo_cases(database, settings=settings, intake=intake, rules=rules)
        out.print(f"demo reports: {cases} submitted, two of them decided by the reviewer")
    out.print(f"Console:     {base}/console/")
    out.print(f"Demo site:   {base}/demo-site/")
    out.print(f"API docs:    {base}/api/docs")
    out.print("Demo sign-ins (username / password):")
    for username, display_name, role in DEMO_USERS:
        out.print(f"  {username:<11} / {demo_password(username):<22} {role.value} · {display_name}")
    _run(settings, database, host, port)
