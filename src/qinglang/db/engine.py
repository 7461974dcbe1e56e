"""Engines and units of work for SQLite (embedded) and PostgreSQL (pooled).

SQLite runs in WAL mode with foreign keys on and a busy timeout. Its write
transactions start with ``BEGIN IMMEDIATE`` so that two writers never both read
and then both try to write (which SQLite would resolve by failing one of them);
read-only units of work use a deferred ``BEGIN`` and never block a writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from qinglang.clock import Clock, SystemClock
from qinglang.errors import DatabaseUnavailable
from qinglang.settings import Settings

_SQLITE_BEGIN = "qinglang_sqlite_begin"


def create_engine_for(settings: Settings) -> Engine:
    url = settings.database
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, settings, default_location=settings.database_url is None)
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
    )


def _sqlite_engine(url: URL, settings: Settings, *, default_location: bool) -> Engine:
    if url.database and url.database != ":memory:" and default_location:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    busy_ms = settings.sqlite_busy_timeout_ms
    engine = create_engine(
        url, connect_args={"timeout": busy_ms / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass
class UnitOfWork:
    """One database transaction: commits on a clean exit, rolls back on any exception.

    Repositories and helpers receive the unit of work and never commit. Work that
    must happen only once the change is durable (notices, deliveries) is queued with
    :meth:`after_commit`.
    """

    session: Session
    clock: Clock
    read_only: bool = False
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    # What a layer above keeps for the rest of this transaction (e.g. the ledger's head).
    memo: dict[str, Any] = field(default_factory=dict)
    # SQLite writers queue on this lock in-process rather than in SQLite's busy handler,
    # whose growing sleeps give long tails when several threads want to write at once.
    gate: threading.RLock | None = None

    def __enter__(self) -> Self:
        if self.gate is not None:
            self.gate.acquire()
        try:
            self.session.begin()
        except BaseException:
            if self.gate is not None:
                self.gate.release()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
            elif self.read_only:
                # Keep what was read usable after the session ends, and write nothing.
                self.session.expunge_all()
                self.session.rollback()
            else:
                self.session.commit()
        finally:
            self.session.close()
            if self.gate is not None:
                self.gate.release()
        if exc_type is None:
            for callback in self._after_commit:
                callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)


@dataclass
class Database:
    """The engine plus what every unit of work needs: a session factory and the clock."""

    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autobegin=False)
        reader = (
            self.engine.execution_options(**{_SQLITE_BEGIN: "DEFERRED"})
            if self.dialect == "sqlite"
            else self.engine
        )
        self._readers = sessionmaker(reader, expire_on_commit=False, autobegin=False)
        self._write_gate = threading.RLock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        factory = self._readers if read_only else self._sessions
        return UnitOfWork(
            session=factory(),
            clock=self.clock,
            read_only=read_only,
            gate=None if read_only else self._write_gate,
        )

    def dispose(self) -> None:
        self.engine.dispose()


def create_database(settings: Settings, *, clock: Clock | None = None) -> Database:
    return Database(engine=create_engine_for(settings), clock=clock or SystemClock())


def describe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def check_database(database: Database) -> None:
    """Connect once; raise :class:`DatabaseUnavailable` naming the setting if that fails."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise unavailable(database.engine.url, exc) from None


def unavailable(url: URL, exc: BaseException) -> DatabaseUnavailable:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return DatabaseUnavailable(
        f"QINGLANG_DATABASE_URL: cannot use the database at {describe_url(url)}: {first}"
    )


def sqlite_checkpoint(database: Database) -> None:
    """Fold SQLite's write-ahead log into the main file (for copies and backups)."""
    if database.dialect != "sqlite":
        return
    raw = database.engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    finally:
        raw.close()
