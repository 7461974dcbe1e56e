"""Alembic environment: one set of migrations for SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from qinglang.auth import models as _auth_models  # noqa: F401  (registers tables)
from qinglang.cases import models as _cases_models  # noqa: F401
from qinglang.db.base import Base
from qinglang.db.engine import create_engine_for
from qinglang.intake import models as _intake_models  # noqa: F401
from qinglang.ledger import models as _ledger_models  # noqa: F401
from qinglang.measures import models as _measures_models  # noqa: F401
from qinglang.notices import models as _notices_models  # noqa: F401
from qinglang.oversight import models as _oversight_models  # noqa: F401
from qinglang.platform import models as _platform_models  # noqa: F401
from qinglang.settings import load_settings

target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if isinstance(engine, Engine):
        return engine
    return create_engine_for(load_settings())


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `qinglang db upgrade`")
run_migrations_online()
