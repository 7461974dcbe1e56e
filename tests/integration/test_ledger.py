"""The ledger core on both databases: chaining, atomicity, concurrency, append-only, tampering."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qinglang import ledger
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.ledger import GENESIS_HASH, LedgerEvent, Subject, SubjectType
from qinglang.ledger.chain import entry_hash
from tests.ledgerutil import WRITER, bypass_triggers, flip_byte_in_file, write


def test_append_chains_entries_in_order(database: Database, clock: FixedClock) -> None:
    first = write(database, {"n": 1, "text": "华锦科技 举报"})
    clock.advance(timedelta(seconds=5))
    second = write(database, {"n": 2})

    entries = sorted(ledger.recent_entries(database, limit=10), key=lambda e: e.seq)
    assert [e.seq for e in entries] == [first, second] == [1, 2]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].actor == "system:test-writer"
    assert entries[0].data == {"n": 1, "text": "华锦科技 举报"}
    assert entries[1].at - entries[0].at == timedelta(seconds=5)
    e = entries[1]
    assert e.hash == entry_hash(
        e.seq, e.recorded_at, e.actor, e.event, e.subject_type, e.subject_id, e.prev_hash, e.payload
    )
    result = ledger.verify(database)
    assert result.ok
    assert (result.checked, result.first_seq, result.last_seq) == (2, 1, 2)
    assert result.last_hash == e.hash


def test_an_entry_exists_only_if_its_change_commits(database: Database) -> None:
    write(database, {"n": 1})

    def failing_change() -> None:
        with database.unit_of_work() as uow:
            ledger.append(
                uow,
                actor=WRITER,
                event=LedgerEvent.DEMO_DATA_SEEDED,
                subject=Subject(type=SubjectType.SYSTEM, id="1"),
                payload={"n": 2},
            )
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        failing_change()
    assert [e.seq for e in ledger.recent_entries(database)] == [1]
    assert write(database, {"n": 3}) == 2
    assert ledger.verify(database).ok


def test_empty_ledger_verifies(database: Database) -> None:
    result = ledger.verify(database)
    assert result.ok
    assert (result.checked, result.last_seq, result.last_hash) == (0, None, GENESIS_HASH)


def test_concurrent_writers_make_one_unbroken_chain(database: Database) -> None:
    writers, per_writer = 10, 1_000
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                write(database, {"writer": writer, "i": i}, subject_id=str(writer))
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    result = ledger.verify(database)
    assert result.ok, result.broken
    assert result.checked == writers * per_writer
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT payload FROM ledger_entries ORDER BY seq")).all()
    seen: dict[int, list[int]] = {}
    for (payload,) in rows:
        body = json.loads(payload)
        seen.setdefault(body["writer"], []).append(body["i"])
    # Every writer's entries are all there, in the order that writer made them.
    assert seen == {w: list(range(per_writer)) for w in range(writers)}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET payload = '{}' WHERE seq = 1",
        "UPDATE ledger_entries SET hash = prev_hash",
        "DELETE FROM ledger_entries WHERE seq = 2",
        "DELETE FROM ledger_entries",
    ],
)
def test_database_refuses_update_and_delete(database: Database, statement: str) -> None:
    write(database, {"n": 1})
    write(database, {"n": 2})
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text(statement))
    assert ledger.verify(database).checked == 2


def test_postgres_refuses_truncate(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    write(database, {"n": 1})
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("TRUNCATE ledger_entries"))
    assert ledger.verify(database).checked == 1


def test_verify_names_the_entry_whose_bytes_changed(database: Database) -> None:
    for n in range(1, 8):
        write(database, {"n": n, "note": f"entry-{n}-marker-QWERTYUIOP"})
    if database.dialect == "sqlite":
        flip_byte_in_file(database, b"entry-5-marker-QWERTYUIOP")
    else:
        bypass_triggers(
            database,
            "UPDATE ledger_entries SET payload = replace(payload, 'QWERTY', 'RWERTY') "
            "WHERE seq = 5",
        )
    result = ledger.verify(database)
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (5, "hash_mismatch")
    assert result.checked == 4


def test_verify_names_a_removed_entry(database: Database) -> None:
    for n in range(1, 6):
        write(database, {"n": n})
    bypass_triggers(database, "DELETE FROM ledger_entries WHERE seq = 3")
    result = ledger.verify(database)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (4, "sequence_gap")


def test_verify_names_a_rewritten_chain_link(database: Database) -> None:
    for n in range(1, 6):
        write(database, {"n": n})
    # A forger recomputes entry 3's hash after editing it: entry 4 no longer points at it.
    with database.engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT seq, recorded_at, actor, event, subject_type, subject_id, prev_hash "
                "FROM ledger_entries WHERE seq = 3"
            )
        ).one()
    forged_payload = '{"n":300}'
    forged_hash = entry_hash(*row[:6], row[6], forged_payload)
    bypass_triggers(
        database,
        f"UPDATE ledger_entries SET payload = '{forged_payload}', hash = '{forged_hash}' "
        "WHERE seq = 3",
    )
    result = ledger.verify(database)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (4, "prev_hash_mismatch")


def test_verify_checks_chunk_by_chunk(database: Database) -> None:
    for n in range(25):
        write(
            database,
            {
                "n": n,
                "pct": "100% 真实 %s %d 😀",
                "text": "含\\反斜杠 and 'quotes' \"双引号\" \u2028",
            },
        )
    result = ledger.verify(database, chunk=7)
    assert result.ok
    assert (result.checked, result.last_seq) == (25, 25)


def test_a_break_in_a_later_chunk_is_named_exactly(database: Database) -> None:
    for n in range(1, 31):
        write(database, {"n": n, "note": f"n{n:02d}-POIUYTREWQ"})
    bypass_triggers(
        database,
        "UPDATE ledger_entries SET payload = replace(payload, 'POIU', 'POIV') WHERE seq = 23",
    )
    result = ledger.verify(database, chunk=5)
    assert result.broken is not None
    assert (result.broken.seq, result.checked, result.last_seq) == (23, 22, 22)


def test_parallel_verification_agrees_with_the_serial_walk(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qinglang.ledger import verification as verify_module

    for n in range(1, 41):
        write(database, {"n": n, "note": f"p{n:02d}-LKJHGFDSA"})
    monkeypatch.setattr(verify_module, "PARALLEL_FROM", 1)
    assert verify_module._may_fork(40, 2), "this test must run the forked path"
    good = ledger.verify(database, chunk=6, workers=2)
    assert (good.ok, good.checked, good.last_hash) == (True, 40, ledger.verify(database).last_hash)

    bypass_triggers(
        database,
        "UPDATE ledger_entries SET payload = replace(payload, 'LKJ', 'LKK') WHERE seq = 29",
    )
    broken = ledger.verify(database, chunk=6, workers=2)
    assert broken.broken is not None
    assert (broken.broken.seq, broken.broken.reason, broken.checked) == (29, "hash_mismatch", 28)
