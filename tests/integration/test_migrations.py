"""The one set of migrations builds exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from qinglang.db.engine import Database
from qinglang.db.migrate import current_revision, head_revision, migrations_dir
from tests.models import metadata


def test_migrated_database_is_at_head(database: Database) -> None:
    assert current_revision(database) == head_revision(database)
    assert (migrations_dir() / "env.py").is_file()


def test_models_and_migrations_agree(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata())
    assert differences == []
