"""Workflow benchmark: policy-engine evaluations per second, and outbox deliveries per second.

1. The engine: ``qinglang.policy.engine.evaluate`` over the mix of every facts file in
   ``tests/data/facts/`` (all clauses of WS-18 and WS-20 to WS-25, graded and not, and
   the facts that support no measure), round-robin, already parsed; beside it, parsing
   the same files (``case_facts_from_json``) as a baseline of plain Python work.
2. The outbox, on PostgreSQL (a scratch database created, migrated and dropped in this
   run; skipped with a note if the server does not answer): ``--measures`` measures are
   recorded (the rate is printed), then delivered by one worker and by two worker
   **processes** (``multiprocessing``, spawn; each its own engine and connections, timed
   from a barrier after start-up), each looping ``deliver_due(batch=50)`` until nothing
   is due. Against the demo platform (each delivery is a platform transaction with its
   own ledger entry, then the receipt's transaction with another) and against a no-op
   adapter that acknowledges at once (claim and receipt only), so that the ratio shows
   the adapter's cost. Measures are four content measures over 200 demo posts.

Figures only; nothing fails on time.

    .venv/bin/python bench/workflow.py [--evaluations 20000] [--measures 2000]
                                       [--postgres-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qinglang.actor import Actor
from qinglang.cases.models import Case
from qinglang.db.engine import Database, create_engine_for
from qinglang.db.migrate import upgrade
from qinglang.measures import MeasureOrder, deliver_due, record_measures
from qinglang.measures.outbox import pending_count
from qinglang.platform.adapter import (
    MeasureMessage,
    MeasureReceipt,
    PlatformAdapter,
    PlatformUnavailable,
    Snapshot,
)
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformAccount, PlatformPost
from qinglang.policy import evaluate, load_packs
from qinglang.policy.facts import case_facts_from_json
from qinglang.settings import Settings

FACTS = Path(__file__).resolve().parents[1] / "tests" / "data" / "facts"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACTOR = Actor.system("bench")
CODES = ("remove", "dispute_label", "reduce_distribution", "rumour_label")
POSTS = 200
BATCH = 50
RECORD_CHUNK = 50


class NoopPlatform:
    """Acknowledges every measure at once: the outbox's own cost, without a platform."""

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        raise PlatformUnavailable("the no-op platform has no snapshots")

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        return MeasureReceipt(
            message_id=message.message_id, applied=True, duplicate=False, effect="noted"
        )


# -- the engine --------------------------------------------------------------------------


def bench_engine(evaluations: int) -> None:
    pack = load_packs()["cac-ws-2023"]
    raw = [json.loads(p.read_text("utf-8")) for p in sorted(FACTS.glob("*.json"))]
    facts = [case_facts_from_json(r) for r in raw]
    for case in facts:  # warm up; and every file must evaluate
        evaluate(pack, case)
    began = time.perf_counter()
    for i in range(evaluations):
        evaluate(pack, facts[i % len(facts)])
    engine_rate = evaluations / (time.perf_counter() - began)
    began = time.perf_counter()
    for i in range(evaluations):
        case_facts_from_json(raw[i % len(raw)])
    parse_rate = evaluations / (time.perf_counter() - began)
    print(f"facts files in the mix:                     {len(facts):10d}")
    print(f"engine evaluations:                         {engine_rate:10,.0f} /s")
    print(f"baseline: parsing the same facts:           {parse_rate:10,.0f} /s")
    print(f"ratio evaluate / parse:                     {engine_rate / parse_rate:10.2f}")


# -- the outbox --------------------------------------------------------------------------


def _settings(url: str, workdir: Path) -> Settings:
    return Settings(
        mode="test",
        database_url=url,
        data_dir=workdir,
        secret_key="bench-secret-0123456789-0123456789-0123",  # type: ignore[arg-type]
        db_pool_size=4,
    )


def _open(url: str, workdir: Path) -> Database:
    return Database(engine=create_engine_for(_settings(url, workdir)))


def _seed(database: Database) -> tuple[int, list[int]]:
    with database.unit_of_work() as uow:
        now = uow.clock.now()
        account = PlatformAccount(
            handle="bench",
            display_name="压测账号",
            avatar_text="压",
            bio="",
            subject_kind="person",
            subject_name="压测",
            follower_count=10,
            status="active",
            created_at=now - timedelta(days=30),
        )
        uow.session.add(account)
        uow.session.flush()
        posts = [
            PlatformPost(
                account_id=account.id,
                title=f"第{n}篇",
                body="某公司产品质量问题严重",
                visibility="public",
                labels=[],
                distribution="normal",
                created_at=now - timedelta(hours=n + 1),
            )
            for n in range(POSTS)
        ]
        uow.session.add_all(posts)
        case = Case(
            status="open",
            pack="cac-ws-2023",
            category="rumour",
            subtype="product_quality_defamation",
            zone="general",
            campaign=None,
            channel="web",
            working_days=7,
            opened_at=now,
            due_at=now + timedelta(days=9),
            due_provisional=False,
            report_count=1,
            duplicate_count=0,
        )
        uow.session.add(case)
        uow.session.flush()
        return case.id, [p.id for p in posts]


def _record(database: Database, case_id: int, posts: list[int], count: int) -> float:
    """Record ``count`` measures, ``RECORD_CHUNK`` per decision; measures per second."""
    basis = [{"id": "WS-20", "article": "第二十条"}]
    began = time.perf_counter()
    for start in range(0, count, RECORD_CHUNK):
        orders = [
            MeasureOrder(
                code=CODES[n % len(CODES)],
                on="content",
                target=f"post:{posts[n % len(posts)]}",
                basis=basis,
            )
            for n in range(start, min(count, start + RECORD_CHUNK))
        ]
        with database.unit_of_work() as uow:
            record_measures(uow, actor=ACTOR, case_id=case_id, orders=orders)
    return count / (time.perf_counter() - began)


def _worker(url: str, workdir: str, kind: str, name: str, barrier: Any, results: Any) -> None:
    database = _open(url, Path(workdir))
    adapter: PlatformAdapter = (
        DemoPlatform(database, "http://bench.example") if kind == "demo" else NoopPlatform()
    )
    with database.engine.connect():  # a warm connection before the clock starts
        pass
    barrier.wait()
    delivered = 0
    while True:
        done = deliver_due(database, adapter, worker=name, batch=BATCH)
        delivered += done.delivered
        if done.claimed == 0:
            break
    results.put((delivered, time.monotonic()))
    database.dispose()


def _deliver(url: str, workdir: Path, kind: str, workers: int) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(
            target=_worker, args=(url, str(workdir), kind, f"bench-{i}", barrier, results)
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    began = time.monotonic()
    finished = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    delivered = sum(n for n, _ in finished)
    return delivered / (max(t for _, t in finished) - began), delivered


def _postgres_admin(url_text: str) -> URL | None:
    url = make_url(url_text)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except OperationalError as exc:
        print(f"PostgreSQL at {url.render_as_string()} does not answer ({exc.orig}); skipped")
        return None
    return url


def bench_outbox(admin_url: URL, measures: int) -> None:
    name = f"qinglang_bench_workflow_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory(prefix="qinglang-bench-") as workdir:
            database = _open(url, Path(workdir))
            upgrade(database)
            case_id, posts = _seed(database)
            print(f"outbox on PostgreSQL, {measures:,} measures a run, batch {BATCH}:")
            rates: dict[tuple[str, int], float] = {}
            for kind in ("demo", "noop"):
                for workers in (1, 2):
                    recorded = _record(database, case_id, posts, measures)
                    rate, delivered = _deliver(url, Path(workdir), kind, workers)
                    if delivered != measures or pending_count(database):
                        raise SystemExit(f"{kind}/{workers}: delivered {delivered} of {measures}")
                    rates[kind, workers] = rate
                    label = "demo platform" if kind == "demo" else "no-op adapter"
                    print(
                        f"  {label}, {workers} worker process(es): {rate:10,.0f} deliveries/s"
                        f"   (recording them: {recorded:,.0f} measures/s)"
                    )
            for workers in (1, 2):
                ratio = rates["demo", workers] / rates["noop", workers]
                print(f"  ratio demo / no-op, {workers} worker(s):       {ratio:10.2f}")
            for kind in ("demo", "noop"):
                scale = rates[kind, 2] / rates[kind, 1]
                print(f"  ratio 2 workers / 1, {kind:<4}:              {scale:10.2f}")
            database.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--evaluations", type=int, default=20_000)
    parser.add_argument("--measures", type=int, default=2_000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("QINGLANG_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="an administrative URL; a scratch database is created beside its database",
    )
    args = parser.parse_args()
    bench_engine(args.evaluations)
    admin_url = _postgres_admin(args.postgres_url)
    if admin_url is not None:
        bench_outbox(admin_url, args.measures)


if __name__ == "__main__":
    main()
