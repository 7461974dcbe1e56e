"""Units of work: one transaction, commit or roll back whole, work queued until after commit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from qinglang import ledger
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEntry, LedgerEvent, Subject, SubjectType
from tests.ledgerutil import WRITER, write

SUBJECT = Subject(type=SubjectType.SYSTEM, id="uow")


def test_after_commit_runs_only_once_the_change_is_durable(database: Database) -> None:
    seen: list[int] = []
    with database.unit_of_work() as uow:
        ledger.append(uow, actor=WRITER, event=LedgerEvent.DEMO_DATA_SEEDED, subject=SUBJECT)
        uow.after_commit(lambda: seen.append(len(ledger.recent_entries(database))))
        assert seen == []
    assert seen == [1]  # the callback saw the committed entry

    def failing() -> None:
        with database.unit_of_work() as uow:
            uow.after_commit(lambda: seen.append(-1))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        failing()
    assert seen == [1]


def test_objects_read_in_a_read_only_unit_stay_usable(database: Database) -> None:
    write(database, {"n": 1})
    with database.unit_of_work(read_only=True) as uow:
        entry = uow.session.scalars(select(LedgerEntry)).one()
    assert entry.data == {"n": 1}  # attributes loaded, nothing expired


def test_readers_are_not_blocked_by_a_writer(database: Database) -> None:
    write(database, {"n": 1})
    writer_has_lock = threading.Event()
    reader_done = threading.Event()
    counts: list[int] = []

    def writer() -> None:
        with database.unit_of_work() as uow:
            ledger.append(uow, actor=WRITER, event=LedgerEvent.DEMO_DATA_SEEDED, subject=SUBJECT)
            writer_has_lock.set()
            assert reader_done.wait(timeout=20), "the reader was blocked by the writer"

    thread = threading.Thread(target=writer)
    thread.start()
    assert writer_has_lock.wait(timeout=20)
    counts.append(len(ledger.recent_entries(database)))  # read-only: must not wait
    reader_done.set()
    thread.join()
    assert counts == [1]  # the uncommitted entry is not visible
    assert len(ledger.recent_entries(database)) == 2
