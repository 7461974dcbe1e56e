"""``qinglang worker``: the timers (supplement deadlines now; later 限时加私 expiry, periods).

``serve`` and ``demo`` run the same loop in a background thread, so a single-process
deployment needs no separate worker; a larger one runs ``qinglang worker`` beside it.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from qinglang.actor import Actor
from qinglang.cli.context import open_database, out
from qinglang.db.engine import Database
from qinglang.errors import DomainError
from qinglang.intake import followups
from qinglang.intake.setup import build_intake
from qinglang.settings import Settings, load_settings

log = logging.getLogger("qinglang.worker")
WORKER = Actor.system("worker")


def run_due_timers(database: Database, settings: Settings) -> int:
    """Everything due now, once; how many things it changed."""
    closed = followups.close_overdue(build_intake(database, settings), actor=WORKER)
    if closed:
        log.info("closed reports whose supplement deadline passed", extra={"reports": closed})
    return len(closed)


def start_in_background(
    database: Database, settings: Settings, *, interval: float = 60.0
) -> threading.Event:
    """Run the timers every ``interval`` seconds in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                run_due_timers(database, settings)
            except DomainError as exc:  # e.g. the database went away: try again next time
                log.warning("timers failed", extra={"code": exc.code})

    threading.Thread(target=loop, name="qinglang-timers", daemon=True).start()
    return stop


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run what is due, then exit")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between rounds")] = 60.0,
) -> None:
    """Run the timers: close reports whose supplement deadline passed, every INTERVAL s."""
    settings = load_settings()
    database = open_database(settings)
    changed = run_due_timers(database, settings)
    out.print(f"timers: {changed} change(s)")
    if once:
        return
    stop = threading.Event()
    try:
        while not stop.wait(interval):
            changed = run_due_timers(database, settings)
            if changed:
                out.print(f"timers: {changed} change(s)")
    except KeyboardInterrupt:
        return
