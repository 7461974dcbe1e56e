"""What every command needs: settings, an opened and migrated database, the operator actor."""

from __future__ import annotations

import getpass
import re

from rich.console import Console

from qinglang.actor import Actor
from qinglang.db.engine import Database, check_database, create_database, describe_url
from qinglang.db.migrate import current_revision, head_revision
from qinglang.errors import ConfigurationError
from qinglang.settings import Settings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def open_database(settings: Settings | None = None, *, require_migrated: bool = True) -> Database:
    settings = settings or load_settings()
    database = create_database(settings)
    check_database(database)
    if require_migrated and current_revision(database) != head_revision(database):
        raise ConfigurationError(
            f"the database at {describe_url(database.engine.url)} is not migrated; "
            "run `qinglang db upgrade`",
            code="database_not_migrated",
        )
    return database


def operator() -> Actor:
    """The person at this shell, as the ledger names them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor.operator(re.sub(r"[^A-Za-z0-9_.@-]", "_", name)[:64] or "unknown")
