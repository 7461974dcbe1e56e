"""Fixtures: every test that asks for ``database`` runs on SQLite and on PostgreSQL.

SQLite: a migrated template file is made once per session and copied per test.
PostgreSQL (when ``QINGLANG_TEST_POSTGRES_URL`` answers, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``): a migrated template database
is made once per session and each test gets its own ``CREATE DATABASE … TEMPLATE``.
With ``QINGLANG_REQUIRE_POSTGRES=1`` (as CI sets it) an unreachable server fails the
run instead of skipping the PostgreSQL half.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from qinglang.clock import FixedClock
from qinglang.db.engine import Database, create_engine_for, sqlite_checkpoint
from qinglang.db.migrate import upgrade
from qinglang.settings import Settings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_SECRET = "test-secret-key-for-the-suite-only-0123456789"
_counter = itertools.count()


def make_settings(database_url: str, data_dir: Path, **extra: object) -> Settings:
    extra.setdefault("second_review_share", 0.0)  # no random draws; the test of it sets 1.0
    return Settings(
        mode="test",
        database_url=database_url,
        data_dir=data_dir,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def _postgres_admin_url() -> URL | None:
    url = make_url(os.environ.get("QINGLANG_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError:
        if os.environ.get("QINGLANG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {url!r}")
        return None
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sqlite-template")
    path = directory / "template.db"
    settings = make_settings(f"sqlite:///{path}", directory)
    database = Database(engine=create_engine_for(settings))
    upgrade(database)
    sqlite_checkpoint(database)
    database.dispose()
    return path


class PostgresServer:
    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"qinglang_tpl_{os.getpid()}"

    def url_for(self, name: str) -> URL:
        return self.admin_url.set(database=name)

    def create(self, name: str, *, template: str | None = None) -> URL:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            clause = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer | None]:
    admin_url = _postgres_admin_url()
    if admin_url is None:
        yield None
        return
    server = PostgresServer(admin_url)
    url = server.create(server.template)
    settings = make_settings(
        url.render_as_string(hide_password=False), tmp_path_factory.mktemp("pg")
    )
    database = Database(engine=create_engine_for(settings))
    upgrade(database)
    database.dispose()
    yield server
    server.drop(server.template)
    server.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def database_url(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[str]:
    """A freshly migrated, empty database of the current backend, private to this test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qinglang.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer | None = request.getfixturevalue("postgres")
    if server is None:
        pytest.skip("PostgreSQL is not reachable (set QINGLANG_TEST_POSTGRES_URL)")
    name = f"qinglang_t_{os.getpid()}_{next(_counter)}"
    url = server.create(name, template=server.template)
    yield url.render_as_string(hide_password=False)
    server.drop(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def database(settings: Settings, clock: FixedClock) -> Iterator[Database]:
    database = Database(engine=create_engine_for(settings), clock=clock)
    yield database
    database.dispose()
