"""Helpers for ledger tests: write entries, and tamper the way an attacker with access would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, sqlite_checkpoint
from qinglang.ledger import LedgerEvent, Subject, SubjectType

WRITER = Actor.system("test-writer")


def write(database: Database, payload: dict[str, Any], *, subject_id: str = "1") -> int:
    with database.unit_of_work() as uow:
        entry = ledger.append(
            uow,
            actor=WRITER,
            event=LedgerEvent.DEMO_DATA_SEEDED,
            subject=Subject(type=SubjectType.SYSTEM, id=subject_id),
            payload=payload,
        )
        return entry.seq


def bypass_triggers(database: Database, statement: str) -> None:
    """Run SQL on the ledger as someone who can switch the append-only triggers off.

    PostgreSQL: a superuser in ``session_replication_role = replica`` (triggers do not
    fire). SQLite: whoever holds the file can drop the trigger and put it back.
    """
    if database.dialect == "postgresql":
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SET session_replication_role = replica")
            connection.exec_driver_sql(statement)
            connection.exec_driver_sql("SET session_replication_role = origin")
            connection.commit()
        return
    raw = create_engine(database.engine.url).raw_connection()
    try:
        cursor = raw.cursor()
        triggers = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='ledger_entries'"
        ).fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(statement)
        for _name, sql in triggers:
            cursor.execute(sql)
        raw.commit()
    finally:
        raw.close()


def flip_byte_in_file(database: Database, marker: bytes) -> Path:
    """Change one byte of ``marker`` directly in the SQLite database file."""
    sqlite_checkpoint(database)
    database.dispose()
    path = Path(str(database.engine.url.database))
    data = bytearray(path.read_bytes())
    at = data.find(marker)
    assert at >= 0, "marker not found in the database file"
    assert data.find(marker, at + 1) < 0, "marker found twice"
    data[at] = data[at] + 1
    path.write_bytes(bytes(data))
    return path
