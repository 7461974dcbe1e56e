"""Alembic migrations, run programmatically (``qinglang db upgrade``) on either database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from qinglang.db.engine import Database, unavailable


def migrations_dir() -> Path:
    """``migrations/`` beside ``src/`` in a checkout, or ``qinglang/_migrations`` in a wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parents[1] / "migrations", package / "_migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("the Alembic migrations directory is missing from this install")


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    try:
        command.upgrade(alembic_config(database), revision)
    except DBAPIError as exc:
        if exc.connection_invalidated or "connect" in str(exc).lower():
            raise unavailable(database.engine.url, exc) from None
        raise


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(database: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()
