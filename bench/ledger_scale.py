"""Ledger at scale (issue 7): a million cases and their entries in PostgreSQL, then figures.

Loads ``--cases`` cases (default 1,000,000) into a fresh PostgreSQL database with
``COPY`` (not the ORM), one measure each, and three ledger entries a case
(``case_opened``, ``measure_recorded``, ``case_decided``) whose hashes are built with
``qinglang.ledger.chain`` so the chain verifies. The cases are spread over the year
before 2026-11-24, a third of them in a campaign. Then, in the same run, it prints:

* the fold of the loaded ledger into the statistics rollups
  (``qinglang.oversight.rollups.fold_ledger``, entries/s), before anything is timed;
* ``SELECT count(*) FROM cases`` (best of 3), the baseline;
* the dashboard's statistics query, ``qinglang.oversight.statistics.campaign_statistics``
  for one campaign over the whole year (best of 3; it reads the rollups, after checking
  the ledger for entries not folded yet), and its ratio to the ``count(*)`` (issue
  target < 2); left out, and said so, if that function is not there;
* export speed (entries/s through ``export_bundle``) for the last month and the whole
  range, and verify-export speed (entries/s through ``check_bundle``) for each.

Only the cases, measures and ledger tables are loaded (no reports, evidence or
objections), so the statistics figure covers the case and measure parts at scale.
Figures only; nothing fails on time. Loopback only; the database is dropped at the end.

    .venv/bin/python bench/ledger_scale.py [--cases 1000000] [--admin-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from qinglang.actor import Actor
from qinglang.db.engine import Database, create_database
from qinglang.db.migrate import upgrade
from qinglang.ledger.chain import GENESIS_HASH, canonical_json, encode, format_time
from qinglang.oversight import signing
from qinglang.oversight.bundle_check import check_bundle
from qinglang.oversight.exports import export_bundle
from qinglang.settings import load_settings

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "qinglang_bench_scale"
SECRET = "bench-scale-secret-0123456789-0123456789"
ACTOR = Actor.operator("bench")
END = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
CAMPAIGNS = ("2023-business-environment", "2023-asian-games", "2023-minors-summer")
CATEGORIES = (("rumour", "fabricated_facts"), ("insult", "abuse"), ("privacy", "doxxing"))
BATCH = 50_000
FOLD_BATCH = 20_000
CASE_COLUMNS = (
    "id, status, pack, category, subtype, zone, campaign, channel, working_days, opened_at, "
    "due_at, due_provisional, report_count, duplicate_count, closed_at, version, grade, "
    "decided_at, priority, involves_minor"
)
MEASURE_COLUMNS = (
    'id, case_id, code, "on", target, params, basis, status, decided_by, starts_at, applied_at'
)
LEDGER_COLUMNS = (
    "seq, recorded_at, actor, event, subject_type, subject_id, payload, prev_hash, hash"
)


def fresh_database(admin: str) -> str:
    engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DB}"')
    engine.dispose()
    return make_url(admin).set(database=BENCH_DB).render_as_string(hide_password=False)


def drop_database(admin: str) -> None:
    engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    engine.dispose()


def _pg(at: datetime) -> str:
    return at.isoformat()


def load(dsn: str, cases: int) -> tuple[float, int]:
    """COPY the cases, their measures and entries in; (seconds, entries)."""
    began = time.perf_counter()
    step = YEAR / cases
    start = END - YEAR
    prev = GENESIS_HASH
    seq = 0
    sha256 = hashlib.sha256
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        for lo in range(1, cases + 1, BATCH):
            hi = min(cases, lo + BATCH - 1)
            case_rows: list[str] = []
            measure_rows: list[str] = []
            entry_rows: list[str] = []
            for n in range(lo, hi + 1):
                opened = start + step * n
                decided = opened + timedelta(hours=20)
                campaign = CAMPAIGNS[n % 3] if n % 3 == 0 else None
                category, subtype = CATEGORIES[n % 3]
                case_rows.append(
                    "\t".join(
                        (
                            str(n),
                            "decided",
                            "cac-ws-2023",
                            category,
                            subtype,
                            "enterprise_zone",
                            campaign or "\\N",
                            "api",
                            "7",
                            _pg(opened),
                            _pg(opened + timedelta(days=9)),
                            "f",
                            "1",
                            "0",
                            "\\N",
                            "3",
                            "general",
                            _pg(decided),
                            "0",
                            "f",
                        )
                    )
                )
                measure_rows.append(
                    "\t".join(
                        (
                            str(n),
                            str(n),
                            "remove",
                            "content",
                            f"post:{n}",
                            "{}",
                            '[{"id": "WS-20", "article": "第二十条"}]',
                            "applied",
                            "user:reviewer",
                            _pg(decided),
                            _pg(decided + timedelta(minutes=1)),
                        )
                    )
                )
                for at, event, kind, ident, payload in (
                    (
                        opened,
                        "case_opened",
                        "case",
                        str(n),
                        {"category": category, "campaign": campaign},
                    ),
                    (decided, "measure_recorded", "measure", str(n), {"case": n, "code": "remove"}),
                    (
                        decided,
                        "case_decided",
                        "case",
                        str(n),
                        {"measures": [n], "grade": "general"},
                    ),
                ):
                    seq += 1
                    recorded = format_time(at)
                    body = canonical_json(payload)
                    digest = sha256(
                        encode(seq, recorded, "user:reviewer", event, kind, ident, prev, body)
                    ).hexdigest()
                    entry_rows.append(
                        "\t".join(
                            (
                                str(seq),
                                recorded,
                                "user:reviewer",
                                event,
                                kind,
                                ident,
                                body.replace("\\", "\\\\"),
                                prev,
                                digest,
                            )
                        )
                    )
                    prev = digest
            for table, columns, rows in (
                ("cases", CASE_COLUMNS, case_rows),
                ("measures", MEASURE_COLUMNS, measure_rows),
                ("ledger_entries", LEDGER_COLUMNS, entry_rows),
            ):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("\n".join(rows) + "\n")
            connection.commit()
        for table in ("cases", "measures"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        connection.commit()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - began, seq


def best_of(times: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(times):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


def count_cases(database: Database) -> None:
    with database.engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM cases").scalar_one()


def export_and_verify(
    database: Database, settings: Any, label: str, start: date, end: date, work: Path
) -> None:
    out = work / f"export-{label}"
    began = time.perf_counter()
    manifest = export_bundle(
        database, settings=settings, actor=ACTOR, start=start, end=end, out=out
    )
    exporting = time.perf_counter() - began
    entries = manifest["counts"]["entries"]
    public = signing.public_key_pem(settings)
    assert public is not None
    began = time.perf_counter()
    result = check_bundle(out, public_key_pem=public)
    checking = time.perf_counter() - began
    if not result.ok:
        raise SystemExit(f"the {label} export did not verify: {result.problem}")
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(
        f"export, {label + ':':<12} {entries:10,d} entries  {entries / exporting:10,.0f} entries/s"
        f"  ({exporting:.1f} s, {size:,.0f} MB)"
    )
    print(
        f"verify-export, {label + ':':<5} {entries:10,d} entries  {entries / checking:10,.0f} "
        f"entries/s  ({checking:.1f} s)"
    )


def statistics_function() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("qinglang.oversight.statistics")
    except ImportError:
        return None
    found = getattr(module, "campaign_statistics", None)
    return found if callable(found) else None


def fold_function() -> Callable[..., int] | None:
    try:
        module = importlib.import_module("qinglang.oversight.rollups")
    except ImportError:
        return None
    found = getattr(module, "fold_ledger", None)
    return found if callable(found) else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"ledger at scale: {args.cases:,} cases, PostgreSQL (load {load_avg})")
    url = fresh_database(args.admin_url)
    try:
        with tempfile.TemporaryDirectory(prefix="qinglang-bench-scale-") as workdir:
            work = Path(workdir)
            settings = load_settings(database_url=url, data_dir=work, secret_key=SECRET)
            database = create_database(settings)
            upgrade(database)
            dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            seconds, entries = load(dsn, args.cases)
            print(
                f"loaded {args.cases:,} cases, measures and {entries:,} entries in {seconds:.1f} s"
            )
            fold = fold_function()
            if fold is not None:
                began = time.perf_counter()
                folded = fold(database, batch=FOLD_BATCH)
                took = time.perf_counter() - began
                print(
                    f"fold into the statistics rollups: {folded:10,d} entries  "
                    f"{folded / took:10,.0f} entries/s  ({took:.1f} s)"
                )
            baseline = best_of(3, lambda: count_cases(database))
            print(f"count(*) over cases (best of 3):    {baseline * 1000:10.1f} ms")
            statistics = statistics_function()
            if statistics is None:
                print(
                    "statistics query: qinglang.oversight.statistics.campaign_statistics "
                    "is not there; not measured"
                )
            else:

                def dashboard() -> None:
                    statistics(
                        database,
                        actor=ACTOR,
                        campaign=CAMPAIGNS[0],
                        start=(END - YEAR).date(),
                        end=END.date(),
                    )

                took = best_of(3, dashboard)
                ratio = took / baseline
                print(
                    f"statistics, one campaign, a year:  {took * 1000:10.1f} ms  (ratio to "
                    f"count(*) {ratio:.2f}; target < 2: {'met' if ratio < 2 else 'NOT met'})"
                )
            signing.create_key(database, settings=settings, actor=ACTOR)
            month_end = END.date()
            export_and_verify(
                database, settings, "a month", month_end - timedelta(days=29), month_end, work
            )
            export_and_verify(
                database, settings, "everything", (END - YEAR).date(), month_end, work
            )
            database.dispose()
    finally:
        drop_database(args.admin_url)


if __name__ == "__main__":
    main()
