"""Ledger benchmark: appends per second, and verification speed beside raw SHA-256.

Prints figures measured in one run; never fails on time. The target (issue 2) is that
verifying reaches at least a third of the rate of ``hashlib.sha256`` over the very same
canonical bytes, at 1,000,000 entries.

    python bench/ledger.py [--entries 1000000] [--appends 3000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, create_engine_for
from qinglang.db.migrate import upgrade
from qinglang.ledger import GENESIS_HASH, LedgerEvent, Subject, SubjectType
from qinglang.ledger.chain import canonical_json, encode, format_time
from qinglang.settings import Settings

ACTOR = Actor.system("bench")
FILL_BATCH = 20_000
INSERT = text(
    "INSERT INTO ledger_entries (seq, recorded_at, actor, event, subject_type, subject_id, "
    "payload, "
    "prev_hash, hash) VALUES (:seq, :recorded_at, :actor, :event, :subject_type, :subject_id, "
    ":payload, :prev_hash, :hash)"
)


def open_database(url: str | None, workdir: Path) -> Database:
    settings = Settings(
        mode="test",
        database_url=url or f"sqlite:///{workdir / 'bench.db'}",
        data_dir=workdir,
        secret_key="bench-secret-0123456789-0123456789-0123",  # type: ignore[arg-type]
    )
    database = Database(engine=create_engine_for(settings))
    upgrade(database)
    return database


def bench_appends(database: Database, count: int, writers: int) -> float:
    """Appends per second, each in its own transaction, from ``writers`` threads."""

    def work(n: int) -> None:
        for i in range(n):
            with database.unit_of_work() as uow:
                ledger.append(
                    uow,
                    actor=ACTOR,
                    event=LedgerEvent.DEMO_DATA_SEEDED,
                    subject=Subject(type=SubjectType.CASE, id=str(i)),
                    payload={"case": i, "note": "举报受理 measure appended in a transaction"},
                )

    threads = [threading.Thread(target=work, args=(count // writers,)) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (count // writers) * writers / (time.perf_counter() - started)


def fill(database: Database, total: int) -> tuple[int, float]:
    """Extend the chain to ``total`` entries; returns (entries, seconds spent hashing raw bytes).

    The raw-hashing baseline is timed here, over exactly the canonical bytes of each entry.
    """
    with database.engine.connect() as connection:
        last = connection.execute(
            text("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        ).first()
    seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
    start_time = datetime(2026, 1, 1, tzinfo=UTC)
    hashing = 0.0
    sha256 = hashlib.sha256
    while seq < total:
        rows = []
        blobs = []
        for _ in range(min(FILL_BATCH, total - seq)):
            seq += 1
            at = format_time(start_time + timedelta(milliseconds=seq * 37))
            payload = canonical_json(
                {
                    "case": seq % 50_000,
                    "measure": "remove",
                    "basis": ["WS-20"],
                    "note": "第二十条 删除",
                }
            )
            blob = encode(
                seq,
                at,
                "user:reviewer",
                "demo_data_seeded",
                "case",
                str(seq % 50_000),
                prev,
                payload,
            )
            digest = sha256(blob).hexdigest()
            rows.append(
                {
                    "seq": seq,
                    "recorded_at": at,
                    "actor": "user:reviewer",
                    "event": "demo_data_seeded",
                    "subject_type": "case",
                    "subject_id": str(seq % 50_000),
                    "payload": payload,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            blobs.append(blob)
            prev = digest
        began = time.perf_counter()
        for blob in blobs:
            sha256(blob).hexdigest()
        hashing += time.perf_counter() - began
        with database.engine.begin() as connection:
            connection.execute(INSERT, rows)
    return seq, hashing


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=3_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qinglang-bench-") as workdir:
        database = open_database(args.database_url, Path(workdir))
        print(f"database: {database.dialect}")
        one = bench_appends(database, args.appends, writers=1)
        print(f"appends, 1 writer, one transaction each:  {one:10,.0f} /s")
        four = bench_appends(database, args.appends, writers=4)
        print(f"appends, 4 writers, one transaction each: {four:10,.0f} /s")

        # Raw hashing is timed only over the entries `fill` generates (the appends above are
        # few); verification walks the whole chain, so compare per-entry rates.
        before = ledger.verify(database).checked
        entries, hashing = fill(database, args.entries)
        raw_rate = (entries - before) / hashing
        began = time.perf_counter()
        result = ledger.verify(database)
        verifying = time.perf_counter() - began
        if not result.ok or result.checked != entries:
            raise SystemExit(f"the benchmark chain did not verify: {result}")
        verify_rate = entries / verifying
        ratio = verify_rate / raw_rate
        print(f"entries in the chain:                     {entries:10,d}")
        print(f"hashlib.sha256 over the canonical bytes:  {raw_rate:10,.0f} entries/s")
        print(
            f"ledger verify (the whole chain):          {verify_rate:10,.0f} entries/s"
            f"  ({verifying:.1f} s)"
        )
        print(
            f"ratio verify / raw hashing:               {ratio:10.2f}  (target >= 0.33: "
            f"{'met' if ratio >= 1 / 3 else 'NOT met'})"
        )
        database.dispose()


if __name__ == "__main__":
    main()
