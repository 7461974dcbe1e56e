"""PostgreSQL: the ledger partitioned by month; retention drops an expired month whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.intake.store import EvidenceStore
from qinglang.ledger import LedgerEvent
from qinglang.ledger import retention as ledger_retention
from qinglang.oversight import retention
from qinglang.settings import Settings
from tests.ledgerutil import write

SYSTEM = Actor.system("test")


@pytest.fixture
def pg(database: Database) -> Database:
    if database.dialect != "postgresql":
        pytest.skip("the ledger is partitioned on PostgreSQL only")
    return database


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def ensure(database: Database) -> list[str]:
    with database.unit_of_work() as uow:
        return ledger_retention.ensure_partitions(uow)


def partitions(database: Database) -> dict[str, int]:
    """Each partition of ledger_entries (pg_inherits/pg_class) and how many rows it holds."""
    with database.engine.connect() as connection:
        names = connection.execute(
            text(
                "SELECT n.nspname || '.' || c.relname FROM pg_inherits i "
                "JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE i.inhparent = 'public.ledger_entries'::regclass AND c.relkind = 'r'"
            )
        ).scalars()
        return {
            name.partition(".")[2]: int(
                connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            )
            for name in names
        }


def exists(database: Database, table: str) -> bool:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None


def where(database: Database, seq: int) -> str:
    with database.engine.connect() as connection:
        found = connection.execute(
            text("SELECT tableoid::regclass::text FROM ledger_entries WHERE seq = :s"), {"s": seq}
        ).scalar_one()
    return str(found).rpartition(".")[2]


def test_the_ledger_has_a_partition_per_month_and_a_default(
    pg: Database, clock: FixedClock
) -> None:
    clock.set(at(2026, 11, 24))
    created = ensure(pg)
    assert {"2026-11", "2026-12", "2027-01"} >= set(created)
    found = partitions(pg)
    for month in ("2026_11", "2026_12", "2027_01"):
        assert f"ledger_entries_m{month}" in found
    assert "ledger_entries_default" in found
    assert ensure(pg) == []  # idempotent


def test_appends_cross_a_month_boundary_into_the_right_partition(
    pg: Database, clock: FixedClock
) -> None:
    clock.set(at(2026, 11, 30, 23) + timedelta(minutes=59, seconds=59))
    ensure(pg)
    november = write(pg, {"n": 1})
    clock.advance(timedelta(seconds=2))
    december = write(pg, {"n": 2})
    assert where(pg, november) == "ledger_entries_m2026_11"
    assert where(pg, december) == "ledger_entries_m2026_12"
    assert ledger.verify(pg).ok


def test_a_month_whose_entries_are_in_default_gets_no_partition(
    pg: Database, clock: FixedClock
) -> None:
    clock.set(at(2031, 3, 5))  # no partition this far ahead: the entry lands in DEFAULT
    seq = write(pg, {"n": 1})
    assert where(pg, seq) == "ledger_entries_default"
    created = ensure(pg)
    assert created == ["2031-04", "2031-05"]
    assert "ledger_entries_m2031_03" not in partitions(pg)
    clock.set(at(2031, 4, 2))
    assert where(pg, write(pg, {"n": 2})) == "ledger_entries_m2031_04"


def test_a_partition_refuses_delete_update_and_truncate(pg: Database, clock: FixedClock) -> None:
    clock.set(at(2026, 11, 24))
    ensure(pg)
    write(pg, {"n": 1})
    table = "ledger_partitions.ledger_entries_m2026_11"
    for statement in (
        f"DELETE FROM {table}",
        f"UPDATE {table} SET actor = 'x'",
        f"TRUNCATE {table}",
        "TRUNCATE ledger_entries",
        "TRUNCATE ledger_partitions.ledger_entries_default",
    ):
        with pytest.raises(DBAPIError, match="append-only"), pg.engine.begin() as connection:
            connection.execute(text(statement))
    assert partitions(pg)["ledger_entries_m2026_11"] == 1


def test_the_purge_drops_two_whole_expired_months_and_deletes_in_the_partly_expired_one(
    pg: Database, settings: Settings, clock: FixedClock
) -> None:
    clock.set(at(2026, 6, 10))
    ensure(pg)  # June, July, August
    june = [write(pg, {"m": "june", "n": n}) for n in range(3)]
    clock.set(at(2026, 7, 10))
    july = [write(pg, {"m": "july", "n": n}) for n in range(4)]
    clock.set(at(2026, 8, 10))
    early_august = write(pg, {"m": "august", "n": 0})
    clock.set(at(2026, 8, 25))
    late_august = write(pg, {"m": "august", "n": 1})
    clock.set(at(2027, 2, 15))  # cutoff 19 August 2026

    store = EvidenceStore(settings.evidence_dir)
    dry = retention.purge(pg, actor=SYSTEM, retention_days=180, store=store, dry_run=True)
    assert exists(pg, "ledger_partitions.ledger_entries_m2026_06")  # rolled back
    assert partitions(pg)["ledger_entries_m2026_07"] == len(july)

    done = retention.purge(pg, actor=SYSTEM, retention_days=180, store=store)

    assert done.counts["ledger_entries"] == len(june) + len(july) + 1
    assert done.counts == dry.counts
    assert not exists(pg, "ledger_partitions.ledger_entries_m2026_06")
    assert not exists(pg, "ledger_partitions.ledger_entries_m2026_07")
    found = partitions(pg)
    assert found["ledger_entries_m2026_08"] == 1  # the young August entry
    assert where(pg, late_august) == "ledger_entries_m2026_08"
    assert early_august < late_august
    checkpoints = [
        e.data["ledger"]
        for e in ledger.recent_entries(pg, limit=10)
        if e.event == LedgerEvent.RETENTION_PURGED.value and "ledger" in e.data
    ]
    assert sorted(c.get("partition_dropped", "") for c in checkpoints) == [
        "",
        "2026-06",
        "2026-07",
    ]
    verified = ledger.verify(pg)
    assert verified.ok, verified
    assert verified.first_seq == late_august
