"""Intake benchmark: reports accepted per second over real HTTP, beside a minimal baseline.

For each database (SQLite, and PostgreSQL when it answers) the real server runs in a
child process exactly as ``qinglang serve`` runs it (``open_database`` +
``create_app``, ``uvicorn.run``'s defaults: one worker, asyncio loop, h11, no access
log) on 127.0.0.1 with an ephemeral port, and ``--clients`` threads drive it with
keep-alive stdlib ``http.client`` connections (the cheapest client at hand, so the
client's own cost spoils the baseline least). Measured, on one fresh database:

1. baseline: ``bench/baseline_app.py`` on the same stack and engine settings; each
   request posts the same JSON a report is and inserts one row in one transaction.
2. evidence uploads (``POST /api/v1/evidence``, one or two per report as the category
   needs), timed apart: not part of intake, and all made before any intake is timed.
3. intake: ``POST /api/v1/reports``, complete reports from 50 reporters in four
   categories, each naming a new URL; every tenth names the URL of an earlier request
   by another reporter and joins its case. Counted: answers 201 with ``"accepted"``.
4. ``--prior`` earlier reports loaded straight into ``reports``, ``report_targets``,
   ``cases`` and ``case_targets`` with set-based SQL (``generate_series`` on
   PostgreSQL, a recursive CTE on SQLite) — spread over the past year, two reports per
   case, cases of the last 60 days open, from 1,000 reporters that include the 50 the
   benchmark submits as. No ledger entries and no evidence rows are loaded for them.
   PostgreSQL then gets ``ANALYZE`` (as autovacuum would); SQLite gets nothing (the app
   never runs ANALYZE). Then intake is measured again; one in ten requests now names
   an open prior case's target.

Printed for each phase: requests per second, p50 and p99 latency (client-side, send
to last byte) and the server process's CPU time per request (from /proc: the clients
share the machine, so CPU time is the steadier figure when other work runs); then
intake/baseline throughput (issue target >= 0.5) and the growth of p50 from the empty
database to the loaded one, at ``--clients`` and with one client (target < 50%).
Figures only; nothing fails on time.

    .venv/bin/python bench/intake.py [--backend both] [--requests 1000] [--clients 8]
                                     [--serial 200] [--prior 1000000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from qinglang.actor import Actor
from qinglang.auth.tokens import create_token
from qinglang.auth.users import create_user
from qinglang.db.engine import Database, create_database
from qinglang.db.migrate import upgrade
from qinglang.intake import grouping
from qinglang.intake.identifiers import phone as parse_phone
from qinglang.policy.loader import load_packs
from qinglang.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline_app

SECRET = "bench-intake-secret-0123456789-0123456789"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "qinglang_bench"
PACK = load_packs()["cac-ws-2023"]
CREDIT_CODE = "91110000600037341L"
HOLDER = "示例科技有限公司"
CATEGORIES = ("rumour", "misleading", "interference", "insult")
BENCH_REPORTERS = 50
PRIOR_REPORTERS = 1000
OPEN_DAYS = 60  # prior cases opened in the last 60 days are still open
YEAR = 365 * 86400
WARMUP = 40


# -- the server, in a child process ------------------------------------------------------


def serve_child(app_name: str, database_url: str, data_dir: str) -> None:
    """Run one app as ``qinglang serve`` does; print the port once listening."""
    import uvicorn

    from qinglang.cli.context import open_database
    from qinglang.web.app import create_app

    settings = load_settings(database_url=database_url, data_dir=data_dir, secret_key=SECRET)
    if app_name == "qinglang":
        app = create_app(settings, database=open_database(settings))
    else:
        app = baseline_app.create_baseline_app(settings)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
    # TCP (as the ones it makes for ``uvicorn.run(host=…, port=…)`` do); with proto 0 every
    # response would wait out the client's delayed ACK (~40 ms) between headers and body.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_config=None, access_log=False)  # serve.py's options
    uvicorn.Server(config).run(sockets=[sock])


class Server:
    def __init__(self, app_name: str, database_url: str, data_dir: Path) -> None:
        log = (data_dir / f"{app_name}-server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", app_name, database_url, str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
            env={k: v for k, v in os.environ.items() if not k.startswith("QINGLANG_")},
        )
        log.close()
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip():
            raise SystemExit(f"the {app_name} server did not start; see {data_dir}")
        self.port = int(line)

    def cpu_seconds(self) -> float:
        """The server process's user + system CPU time so far (Linux; NaN elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# -- driving it ------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Phase:
    latencies: list[float]
    answers: list[tuple[int, bytes]]
    seconds: float

    def ok(self, test: Callable[[int, bytes], bool]) -> list[float]:
        return [lat for lat, (s, b) in zip(self.latencies, self.answers, strict=True) if test(s, b)]


class Client:
    """One keep-alive connection; reconnects once if the server closed an idle one."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def post(self, job: Job) -> tuple[int, bytes]:
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            try:
                self.connection.request("POST", job.path, body=job.body, headers=job.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def drive(port: int, jobs: Sequence[Job], clients: int) -> Phase:
    """Send ``jobs`` from ``clients`` threads at once, each taking the next job when done."""
    latencies = [0.0] * len(jobs)
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(jobs)
    lock = threading.Lock()
    position = iter(range(len(jobs)))
    ready = threading.Barrier(clients + 1)

    def work() -> None:
        client = Client(port)
        ready.wait()
        try:
            while True:
                with lock:
                    i = next(position, None)
                if i is None:
                    return
                began = time.perf_counter()
                answers[i] = client.post(jobs[i])
                latencies[i] = time.perf_counter() - began
        finally:
            client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return Phase(latencies, answers, time.perf_counter() - began)


def measure(
    server: Server, jobs: Sequence[Job], clients: int, test: Callable[[int, bytes], bool]
) -> Figures:
    """Warm up on the first ``WARMUP`` jobs, then time the rest."""
    drive(server.port, jobs[:WARMUP], clients)
    cpu = server.cpu_seconds()
    phase = drive(server.port, jobs[WARMUP:], clients)
    return Figures.of(phase, test, server.cpu_seconds() - cpu)


def created(status: int, _body: bytes) -> bool:
    return status == 201


def accepted(status: int, body: bytes) -> bool:
    return status == 201 and json.loads(body).get("status") == "accepted"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass(frozen=True)
class Figures:
    rate: float
    p50: float
    p99: float
    good: int
    total: int
    other: str
    cpu_ms: float  # server CPU per request sent

    @classmethod
    def of(cls, phase: Phase, test: Callable[[int, bytes], bool], cpu: float) -> Figures:
        good = phase.ok(test)
        other = Counter(
            f"{s} {json.loads(b).get('status') or json.loads(b).get('error', {}).get('code')}"
            if s and b.startswith(b"{")
            else str(s)
            for s, b in phase.answers
            if not test(s, b)
        )
        return cls(
            rate=len(good) / phase.seconds,
            p50=statistics.median(good) * 1000 if good else float("nan"),
            p99=percentile(good, 0.99) * 1000,
            good=len(good),
            total=len(phase.answers),
            other=", ".join(f"{k}: {v}" for k, v in other.most_common()),
            cpu_ms=cpu / len(phase.answers) * 1000,
        )

    def line(self, label: str) -> str:
        extra = f"  (not counted: {self.other})" if self.other else ""
        return (
            f"  {label:<34} {self.rate:7,.0f} /s  p50 {self.p50:6.1f} ms  "
            f"p99 {self.p99:6.1f} ms  server CPU {self.cpu_ms:5.1f} ms/req  "
            f"{self.good}/{self.total}{extra}"
        )


# -- what is sent ----------------------------------------------------------------------


def reporter_phone(index: int) -> str:
    return f"139{index:08d}"


def evidence_types(category: str) -> tuple[str, ...]:
    found = PACK.category(category)
    assert found is not None
    listed = found.evidence_rule.value == "listed_types"
    return ("business_licence",) + ((found.evidence[0],) if listed else ())


def report_body(n: int, url: str, evidence: Sequence[str], reporter: int) -> dict[str, Any]:
    category = CATEGORIES[n % len(CATEGORIES)]
    found = PACK.category(category)
    assert found is not None
    types = evidence_types(category)
    return {
        "reporter": {"kind": "enterprise", "name": "王经理", "phone": reporter_phone(reporter)},
        "right_holder": {"name": HOLDER, "credit_code": CREDIT_CODE},
        "category": category,
        "subtype": found.subtypes[n % len(found.subtypes)].code,
        "statement": f"该文章捏造我公司产品质量问题，与事实不符（第 {n} 号）。",
        "targets": [{"url": url}],
        "evidence": [{"id": e, "type": t} for e, t in zip(evidence, types, strict=True)],
        "declaration": {"accepted": True, "version": "2023-08"},
    }


def plan(tag: str, count: int, prior_cases: Sequence[int]) -> list[tuple[int, str, int]]:
    """(n, target url, reporter) per request: new URLs, every tenth an earlier one
    (another reporter's, so it joins that case) or, with ``prior_cases``, a prior case's."""
    planned: list[tuple[int, str, int]] = []
    for n in range(count):
        reporter = n % BENCH_REPORTERS
        url = f"https://news.example.cn/a/{tag}-{n}"
        if n % 10 == 9 and n >= 10:
            url = planned[n - 7][1]
        elif n % 10 == 4 and prior_cases:
            url = prior_url(prior_cases[n % len(prior_cases)])
        planned.append((n, url, reporter))
    return planned


def prior_url(case: int) -> str:
    return f"https://news.example.cn/p/{case}"


def upload_job(n: int, headers: dict[str, str]) -> Job:
    boundary = f"qinglang-bench-{n:012d}"
    content = f"营业执照（副本）示例科技有限公司 统一社会信用代码 {CREDIT_CODE} 第 {n} 份\n"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="licence-{n}.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        + content.encode("utf-8")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return Job(
        "/api/v1/evidence",
        body,
        headers | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def report_jobs(
    planned: Sequence[tuple[int, str, int]], evidence: list[str], auth: dict[str, str]
) -> list[Job]:
    jobs = []
    headers = auth | {"Content-Type": "application/json"}
    for n, url, reporter in planned:
        needed = len(evidence_types(CATEGORIES[n % len(CATEGORIES)]))
        ids, evidence[:needed] = evidence[:needed], []
        body = json.dumps(report_body(n, url, ids, reporter), ensure_ascii=False).encode()
        jobs.append(Job("/api/v1/reports", body, headers))
    return jobs


def evidence_needed(planned: Sequence[tuple[int, str, int]]) -> int:
    return sum(len(evidence_types(CATEGORIES[n % len(CATEGORIES)])) for n, _, _ in planned)


# -- loading prior reports ---------------------------------------------------------------


def prior_reporter_keys() -> list[tuple[int, str, str]]:
    """(index, reporter_key, phone) for 1,000 reporters; the first 50 are the benchmark's."""
    rows = []
    for i in range(PRIOR_REPORTERS):
        e164 = parse_phone(reporter_phone(i))
        assert e164 is not None
        key = grouping.reporter_key(
            account_id=None, right_holder=CREDIT_CODE, phone=e164, email=None
        )
        rows.append((i, key, e164))
    return rows


def prior_categories() -> list[tuple[int, str, str]]:
    rows: list[tuple[int, str, str]] = []
    for category in PACK.categories:
        for subtype in category.subtypes[:2]:
            rows.append((len(rows), category.code, subtype.code))
    return rows


REPORT_COLUMNS = (
    "id, tracking_no, access_digest, status, pack, category, subtype, channel, zone, campaign, "
    "regulator_reference, reporter_kind, reporter_name, reporter_phone, reporter_email, "
    "reporter_key, right_holder_name, right_holder_credit_code, delegated, agent_name, "
    "statement, declaration_version, declaration_accepted_at, missing, received_at, "
    "accepted_at, supplement_due_at, closed_at, case_id, duplicate_of, reporter_account_id, "
    "submitted_by"
)
CASE_COLUMNS = (
    "id, status, pack, category, subtype, zone, campaign, channel, working_days, opened_at, "
    "due_at, due_provisional, report_count, duplicate_count, closed_at"
)
# Prior report i (1..P) belongs to case (i+1)/2, whose category it has; it was received
# (P-i)*step seconds before now, so the prior reports span the past year. Loaded in
# chunks of cases [:clo, :chi] and their reports [:rlo, :rhi], one transaction each.
STATUS = (
    "CASE WHEN s.i % 20 = 0 THEN 'duplicate' WHEN s.i % 25 = 1 THEN 'needs_supplement' "
    "ELSE 'accepted' END"
)
CASE_OPEN = "(:p - 2 * c.i) * :step < :open_seconds"
URL_KEY = "CAST(:url_prefix AS TEXT) || CAST(:c0 + {} AS TEXT)"
CHUNK_CASES = 100_000


def load_statements(dialect: str) -> list[str]:
    """The chunk's INSERTs: cases, case_targets, reports, report_targets."""
    if dialect == "postgresql":
        cases = "generate_series(CAST(:clo AS bigint), CAST(:chi AS bigint)) AS c(i)"
        reports = "generate_series(CAST(:rlo AS bigint), CAST(:rhi AS bigint)) AS s(i)"
        at = "(CAST(:now AS timestamptz) - make_interval(secs => ({}) * :step))"
        plus = "(CAST(:now AS timestamptz) - make_interval(secs => ({}) * :step - {}))"
        c_prefix = r_prefix = ""
        json_empty, false = "CAST('[]' AS json)", "false"
        tracking = (
            "'QL-' || to_char({} AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' "
            "|| lpad(upper(to_hex(s.i)), 8, '0') || '-0'"
        )
        digest = "encode(sha256(convert_to('bench-' || s.i, 'UTF8')), 'hex')"
    else:
        series = (
            "WITH RECURSIVE {0}(i) AS "
            "(SELECT :{1}lo UNION ALL SELECT i + 1 FROM {0} WHERE i < :{1}hi) "
        )
        c_prefix, r_prefix = series.format("c", "c"), series.format("s", "r")
        cases, reports = "c", "s"
        at = "strftime('%Y-%m-%d %H:%M:%S', :now_epoch - ({}) * :step, 'unixepoch') || '.000000'"
        plus = (
            "strftime('%Y-%m-%d %H:%M:%S', :now_epoch - ({}) * :step + {}, 'unixepoch') "
            "|| '.000000'"
        )
        json_empty, false = "'[]'", "0"
        tracking = (
            "'QL-' || strftime('%Y%m%d', :now_epoch - (:p - s.i) * :step + 8 * 3600, "
            "'unixepoch') || '-' || printf('%08X', s.i) || '-0'{}"
        )
        digest = "lower(hex(randomblob(32)))"
    c_at, r_at = at.format(":p - 2 * c.i"), at.format(":p - s.i")
    tracking = tracking.format(r_at if dialect == "postgresql" else "")
    return [
        f"""{c_prefix}INSERT INTO cases ({CASE_COLUMNS})
        SELECT :c0 + c.i, CASE WHEN {CASE_OPEN} THEN 'open' ELSE 'closed_incomplete' END,
          'cac-ws-2023', k.category, k.subtype, 'enterprise_zone', NULL, 'api', 7, {c_at},
          CASE WHEN {CASE_OPEN} THEN {plus.format(":p - 2 * c.i", 9 * 86400)} END, {false},
          CASE WHEN c.i % 10 = 0 THEN 1 ELSE 2 END, CASE WHEN c.i % 10 = 0 THEN 1 ELSE 0 END,
          CASE WHEN NOT ({CASE_OPEN}) THEN {plus.format(":p - 2 * c.i", 30 * 86400)} END
        FROM {cases} JOIN bench_prior_categories k ON k.idx = c.i % :k""",
        f"""{c_prefix}INSERT INTO case_targets (case_id, target_key, open)
        SELECT :c0 + c.i, {URL_KEY.format("c.i")}, {CASE_OPEN} FROM {cases}""",
        f"""{r_prefix}INSERT INTO reports ({REPORT_COLUMNS})
        SELECT :r0 + s.i, {tracking}, {digest}, {STATUS},
          'cac-ws-2023', k.category, k.subtype, 'api', 'enterprise_zone', NULL, NULL,
          'enterprise', '王经理', r.phone, NULL, r.key, :holder, :credit_code, {false}, NULL,
          '该文章捏造我公司产品质量问题，与事实不符。', '2023-08', {r_at}, {json_empty},
          {r_at}, CASE WHEN {STATUS} = 'accepted' THEN {r_at} END,
          CASE WHEN {STATUS} = 'needs_supplement'
            THEN {plus.format(":p - s.i", 15 * 86400)} END,
          CASE WHEN {STATUS} = 'duplicate' THEN {r_at} END,
          :c0 + (s.i + 1) / 2, CASE WHEN {STATUS} = 'duplicate' THEN :r0 + s.i - 1 END,
          NULL, 'user:1'
        FROM {reports} JOIN bench_prior_reporters r ON r.idx = s.i % :r
        JOIN bench_prior_categories k ON k.idx = ((s.i + 1) / 2) % :k""",
        f"""{r_prefix}INSERT INTO report_targets (report_id, position, kind, given, target_key)
        SELECT :r0 + s.i, 0, 'url', {URL_KEY.format("(s.i + 1) / 2")},
          {URL_KEY.format("(s.i + 1) / 2")}
        FROM {reports}""",
    ]


def load_prior(database: Database, count: int) -> tuple[float, list[int]]:
    """Load ``count`` prior reports; (seconds, ids of open prior cases safe to join)."""
    engine = database.engine
    now = datetime.now(UTC)
    cases = (count + 1) // 2
    step = YEAR / count
    reporters, categories = prior_reporter_keys(), prior_categories()
    began = time.perf_counter()
    with engine.begin() as connection:
        c0 = connection.execute(text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one()
        r0 = connection.execute(text("SELECT coalesce(max(id), 0) FROM reports")).scalar_one()
        connection.execute(
            text(
                "CREATE TABLE bench_prior_reporters (idx INTEGER PRIMARY KEY, key TEXT, phone TEXT)"
            )
        )
        connection.execute(
            text(
                "CREATE TABLE bench_prior_categories "
                "(idx INTEGER PRIMARY KEY, category TEXT, subtype TEXT)"
            )
        )
        connection.execute(
            text("INSERT INTO bench_prior_reporters VALUES (:i, :k, :p)"),
            [{"i": i, "k": k, "p": p} for i, k, p in reporters],
        )
        connection.execute(
            text("INSERT INTO bench_prior_categories VALUES (:i, :c, :s)"),
            [{"i": i, "c": c, "s": s} for i, c, s in categories],
        )
    params: dict[str, Any] = {
        "p": count,
        "c0": c0,
        "r0": r0,
        "r": len(reporters),
        "k": len(categories),
        "step": step,
        "open_seconds": OPEN_DAYS * 86400,
        "now": now,
        "now_epoch": now.timestamp(),
        "holder": HOLDER,
        "credit_code": CREDIT_CODE,
        "url_prefix": prior_url(0)[:-1],
    }
    statements = [text(s) for s in load_statements(database.dialect)]
    for clo in range(1, cases + 1, CHUNK_CASES):
        chi = min(cases, clo + CHUNK_CASES - 1)
        chunk = params | {"clo": clo, "chi": chi, "rlo": 2 * clo - 1, "rhi": min(count, 2 * chi)}
        with engine.begin() as connection:
            if database.dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA cache_size = -200000")
            for statement in statements:
                connection.execute(statement, chunk)
            if database.dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA cache_size = -2000")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_prior_reporters"))
        connection.execute(text("DROP TABLE bench_prior_categories"))
        if database.dialect == "postgresql":
            for table in ("cases", "reports"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    if database.dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    seconds = time.perf_counter() - began
    # Open cases whose two reporters are not among the benchmark's (so no duplicate).
    safe = [
        c0 + c
        for c in range(cases, 0, -1)
        if (count - 2 * c) * step < OPEN_DAYS * 86400 - 86400
        and (2 * c - 1) % PRIOR_REPORTERS >= BENCH_REPORTERS
        and (2 * c) % PRIOR_REPORTERS >= BENCH_REPORTERS
    ]
    return seconds, safe[:5000]


# -- one backend ------------------------------------------------------------------------


def prepare(database_url: str, data_dir: Path) -> tuple[Database, dict[str, str]]:
    settings = load_settings(database_url=database_url, data_dir=data_dir, secret_key=SECRET)
    database = create_database(settings)
    upgrade(database)
    baseline_app.create_table(database.engine)
    operator = Actor.operator("bench")
    create_user(
        database,
        actor=operator,
        username="bench-intake",
        password="bench-intake-password-0123",
        roles=("reviewer",),
    )
    token = create_token(
        database,
        actor=operator,
        username="bench-intake",
        name="intake benchmark",
        scopes=("reports:submit",),
    )
    return database, {"Authorization": f"Bearer {token.secret}"}


def upload_all(server: Server, count: int, clients: int, auth: dict[str, str]) -> list[str]:
    cpu = server.cpu_seconds()
    phase = drive(server.port, [upload_job(n, auth) for n in range(count)], clients)
    figures = Figures.of(phase, created, server.cpu_seconds() - cpu)
    print(figures.line("evidence uploads (not in intake)"))
    if figures.good != count:
        raise SystemExit("evidence uploads failed; see the server log")
    return [json.loads(body)["id"] for _, body in phase.answers]


def run_backend(name: str, database_url: str, args: argparse.Namespace, work: Path) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{name}  ({args.requests} requests per phase, {args.clients} clients; load {load})")
    database, auth = prepare(database_url, work)
    phases = {
        tag: plan(tag, WARMUP + count, prior)
        for tag, count, prior in (("empty", args.requests, ()), ("empty1", args.serial, ()))
    }

    baseline = Server("baseline", database_url, work)
    try:
        jobs = [
            Job("/baseline", job.body, {"Content-Type": "application/json"})
            for job in report_jobs(
                phases["empty"], ["0" * 32] * evidence_needed(phases["empty"]), auth
            )
        ]
        base = measure(baseline, jobs, args.clients, created)
        print(base.line("baseline: insert one row"))
    finally:
        baseline.stop()

    server = Server("qinglang", database_url, work)
    try:
        needed = sum(evidence_needed(p) for p in phases.values())
        needed += evidence_needed(plan("loaded", WARMUP + args.requests, (1,)))
        needed += evidence_needed(plan("loaded1", WARMUP + args.serial, (1,)))
        evidence = upload_all(server, needed, args.clients, auth)

        def intake(planned: list[tuple[int, str, int]], clients: int, label: str) -> Figures:
            figures = measure(server, report_jobs(planned, evidence, auth), clients, accepted)
            print(figures.line(label))
            return figures

        empty = intake(phases["empty"], args.clients, "intake: accepted reports")
        print(
            f"  ratio intake / baseline:           {empty.rate / base.rate:7.2f}  (target >= 0.5; "
            f"server CPU per request {empty.cpu_ms / base.cpu_ms:.1f}x the baseline's)"
        )
        empty1 = intake(phases["empty1"], 1, "intake, 1 client")
        if args.prior:
            seconds, prior_cases = load_prior(database, args.prior)
            print(
                f"  loaded {args.prior:,} prior reports ({(args.prior + 1) // 2:,} cases, no "
                f"ledger or evidence rows) in {seconds:.1f} s"
            )
            loaded = intake(
                plan("loaded", WARMUP + args.requests, prior_cases[0::2]),
                args.clients,
                f"intake after {args.prior:,} prior",
            )
            loaded1 = intake(
                plan("loaded1", WARMUP + args.serial, prior_cases[1::2]),
                1,
                "intake, 1 client, after",
            )
            for label, before, after in (
                (f"{args.clients} clients", empty, loaded),
                ("1 client", empty1, loaded1),
            ):
                growth = (after.p50 / before.p50 - 1) * 100
                print(
                    f"  p50 growth, empty -> {args.prior:,} prior, {label + ':':<11} "
                    f"{growth:+6.1f} %  (target < 50 %)"
                )
    finally:
        server.stop()
        database.dispose()


def postgres_url(admin: str) -> URL | None:
    url = make_url(admin)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DB}"')
        engine.dispose()
    except OperationalError as exc:
        print(f"\npostgresql: skipped, not reachable at {admin}: {str(exc.orig).strip()[:120]}")
        return None
    return url.set(database=BENCH_DB)


def drop_postgres(admin: str) -> None:
    engine = create_engine(make_url(admin), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    engine.dispose()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve_child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=1000, help="per timed phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--serial", type=int, default=200, help="requests with one client")
    parser.add_argument("--prior", type=int, default=1_000_000, help="0: skip the growth test")
    parser.add_argument("--postgres-url", default=ADMIN_URL, help="an admin connection")
    args = parser.parse_args()
    print(
        f"intake benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        "uvicorn in a child process (1 worker), clients in this process"
    )
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="qinglang-bench-") as work:
            run_backend("sqlite", f"sqlite:///{work}/bench.db", args, Path(work))
    if args.backend in ("postgresql", "both"):
        url = postgres_url(args.postgres_url)
        if url is not None:
            try:
                with tempfile.TemporaryDirectory(prefix="qinglang-bench-") as work:
                    run_backend(
                        "postgresql", url.render_as_string(hide_password=False), args, Path(work)
                    )
            finally:
                drop_postgres(args.postgres_url)


if __name__ == "__main__":
    main()
