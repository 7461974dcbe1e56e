"""``qinglang worker``: the timers and the measure outbox, round after round.

Each round closes reports whose supplement deadline passed, sends cases back to review
before 限时加私 expires, marks measures whose period ended as expired, flags cases whose
time limit nears and escalates those past it (WS-3), then delivers due measure messages
to the platform (the demo platform, or the webhook adapter when ``QINGLANG_WEBHOOK_URL``
is set) until none is due. ``serve`` and ``demo`` run the same rounds in a background
thread, so a single-process deployment needs no separate worker; a larger one runs any
number of ``qinglang worker`` processes beside it (they claim messages and cases with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, see :mod:`qinglang.measures.outbox`).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

import typer

from qinglang.actor import Actor
from qinglang.cases.escalation import escalate_passed, warn_near
from qinglang.cli.context import open_database, out
from qinglang.db.engine import Database
from qinglang.disposal.rereview import reopen_before_expiry
from qinglang.errors import DomainError
from qinglang.intake import followups
from qinglang.intake.setup import build_intake
from qinglang.intake.store import EvidenceStore
from qinglang.measures import DeliveryRound, RetryPolicy, deliver_due, expire_due
from qinglang.notices.service import Mailer, NoticeRetry, send_due
from qinglang.oversight.retention import PurgeResult, purge
from qinglang.platform.adapter import PlatformAdapter
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.webhook import WebhookPlatform
from qinglang.settings import Settings, load_settings

log = logging.getLogger("qinglang.worker")
WORKER = Actor.system("worker")
# A round drains the outbox but stops after this many batches, so timers keep their turn.
MAX_BATCHES_PER_ROUND = 20
DEFAULT_INTERVAL = 5.0


def worker_name() -> str:
    """This process, as claims name it: ``<host>-<pid>``."""
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}"


def platform_adapter(database: Database, settings: Settings) -> PlatformAdapter:
    """The webhook adapter when a webhook URL is configured, else the demo platform."""
    if settings.webhook_url is not None:
        return WebhookPlatform.from_settings(settings, clock=database.clock)
    return DemoPlatform(database, settings.base_url)


@dataclass(slots=True)
class Round:
    """What one round changed."""

    closed_reports: int = 0
    expired_measures: int = 0
    reopened_cases: int = 0
    warned_cases: int = 0
    escalated_cases: int = 0
    outbox: DeliveryRound = field(default_factory=DeliveryRound)

    @property
    def timers(self) -> int:
        return (
            self.closed_reports
            + self.expired_measures
            + self.reopened_cases
            + self.warned_cases
            + self.escalated_cases
        )

    @property
    def changes(self) -> int:
        o = self.outbox
        return self.timers + o.delivered + o.refused + o.retrying

    def describe(self) -> str:
        o = self.outbox
        return (
            f"timers: {self.timers} change(s) ({self.closed_reports} report(s) closed, "
            f"{self.expired_measures} measure(s) expired, "
            f"{self.reopened_cases} case(s) back to review before 限时加私 expires, "
            f"{self.warned_cases} case(s) near their time limit, "
            f"{self.escalated_cases} case(s) escalated past it)\n"
            f"outbox: {o.delivered} delivered ({o.duplicates} already applied), "
            f"{o.retrying} to retry, {o.refused} refused"
        )


def monthly_report(database: Database, settings: Settings) -> int | None:
    """Last month's periodic report (WS-28), once, in the first week of the month (China
    time); its id if made now. Later, ``qinglang reports generate`` makes it on demand."""
    from qinglang.cases.deadlines import CHINA
    from qinglang.oversight.periodic import generate_missing

    if database.clock.now().astimezone(CHINA).day > 7:
        return None
    report = generate_missing(database, settings=settings, actor=WORKER)
    if report is None:
        return None
    log.info("periodic report generated", extra={"period": report.period, "report": report.id})
    return report.id


def purge_daily(database: Database, settings: Settings) -> PurgeResult | None:
    """The retention purge, at most once a day: the last run's time is kept in
    ``<data_dir>/retention-last-run`` so that restarts do not repeat it."""
    mark = settings.data_dir / "retention-last-run"
    now = database.clock.now()
    try:
        last = datetime.fromisoformat(mark.read_text().strip())
    except (OSError, ValueError):
        last = None
    if last is not None and now - last < timedelta(days=1):
        return None
    result = purge(
        database,
        actor=WORKER,
        retention_days=settings.retention_days,
        store=EvidenceStore(settings.evidence_dir),
    )
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.write_text(now.isoformat())
    if result.counts:
        log.info("retention purge", extra=dict(result.counts))
    return result


def fold_statistics(database: Database) -> int:
    """Fold the ledger's new entries into the statistics rollups (item 8); how many."""
    from qinglang.oversight.rollups import fold_ledger

    folded = fold_ledger(database)
    if folded:
        log.info("statistics rollups folded", extra={"entries": folded})
    return folded


def _timers(database: Database, settings: Settings) -> Round:
    closed = followups.close_overdue(build_intake(database, settings), actor=WORKER)
    if closed:
        log.info("closed reports whose supplement deadline passed", extra={"reports": closed})
    reopened = reopen_before_expiry(database, actor=WORKER)
    if reopened:
        log.info("cases back to review before 限时加私 expires", extra={"cases": reopened})
    expired = expire_due(database, actor=WORKER)
    if expired:
        log.info("measures whose period ended", extra={"measures": expired})
    sent = send_due(
        database,
        actor=WORKER,
        mailer=mailer(settings),
        platform=platform_adapter(database, settings),
        retry=NoticeRetry.from_settings(settings),
    )
    if sent:
        log.info("notices sent or kept in the mailbox", extra={"notices": sent})
    warned = warn_near(
        database, actor=WORKER, warn_lead=timedelta(hours=settings.deadline_warn_hours)
    )
    if warned:
        log.info("cases whose time limit is near", extra={"cases": warned})
    escalated = escalate_passed(database, actor=WORKER)
    purge_daily(database, settings)
    if escalated:
        log.warning("cases escalated past their time limit", extra={"cases": escalated})
    monthly_report(database, settings)
    fold_statistics(database)
    return Round(
        closed_reports=len(closed),
        expired_measures=len(expired),
        reopened_cases=len(reopened),
        warned_cases=len(warned),
        escalated_cases=len(escalated),
    )


def mailer(settings: Settings) -> Mailer | None:
    """SMTP when configured; None keeps e-mail notices in the console's mailbox."""
    if settings.smtp_host is None:
        return None
    return Mailer(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        settings.smtp_user,
        settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        settings.smtp_starttls,
    )


def run_due_timers(database: Database, settings: Settings) -> int:
    """The timers due now, once; how many things they changed."""
    return _timers(database, settings).timers


def run_outbox(
    database: Database, settings: Settings, adapter: PlatformAdapter, *, worker: str
) -> DeliveryRound:
    """Deliver due measure messages, batch after batch, until none is due."""
    policy = RetryPolicy.from_settings(settings)
    total = DeliveryRound()
    for _ in range(MAX_BATCHES_PER_ROUND):
        batch = deliver_due(
            database, adapter, worker=worker, batch=settings.worker_batch_size, policy=policy
        )
        for name in DeliveryRound.__slots__:
            setattr(total, name, getattr(total, name) + getattr(batch, name))
        if batch.claimed < settings.worker_batch_size:
            break
    if total.claimed:
        log.info(
            "outbox round",
            extra={
                "delivered": total.delivered,
                "retrying": total.retrying,
                "refused": total.refused,
            },
        )
    return total


def run_round(
    database: Database, settings: Settings, adapter: PlatformAdapter, *, worker: str
) -> Round:
    """The timers, then the outbox."""
    done = _timers(database, settings)
    done.outbox = run_outbox(database, settings, adapter, worker=worker)
    return done


def start_in_background(
    database: Database, settings: Settings, *, interval: float = DEFAULT_INTERVAL
) -> threading.Event:
    """Run a round every ``interval`` seconds in a daemon thread; set the event to stop."""
    stop = threading.Event()
    adapter = platform_adapter(database, settings)
    name = worker_name()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                run_round(database, settings, adapter, worker=name)
            except DomainError as exc:  # e.g. the database went away: try again next time
                log.warning("worker round failed", extra={"code": exc.code})
            except Exception:  # never let the thread die: the next round may succeed
                log.exception("worker round failed")

    threading.Thread(target=loop, name="qinglang-worker", daemon=True).start()
    return stop


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one round, then exit")] = False,
    interval: Annotated[
        float, typer.Option(min=0.5, help="Seconds between rounds")
    ] = DEFAULT_INTERVAL,
) -> None:
    """Run the timers and deliver measures to the platform, every INTERVAL seconds."""
    settings = load_settings()
    database = open_database(settings)
    adapter = platform_adapter(database, settings)
    name = worker_name()
    out.print(run_round(database, settings, adapter, worker=name).describe())
    if once:
        return
    stop = threading.Event()
    try:
        while not stop.wait(interval):
            try:
                done = run_round(database, settings, adapter, worker=name)
            except DomainError as exc:
                log.warning("worker round failed", extra={"code": exc.code})
                continue
            if done.changes:
                out.print(done.describe())
    except KeyboardInterrupt:
        return
