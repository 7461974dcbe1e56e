"""`qinglang demo` starts with a case in each queue, made through the real services."""

from __future__ import annotations

from qinglang.actor import Actor
from qinglang.cli.demo_cases import seed_demo_cases
from qinglang.cli.serve import ensure_demo_users
from qinglang.db.engine import Database
from qinglang.disposal.queues import queue_counts
from qinglang.disposal.rules import DisposalRules
from qinglang.intake.setup import build_intake
from qinglang.ledger.verification import verify
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings

ADMIN = Actor.operator("root")


def test_the_demo_has_a_case_in_each_queue(database: Database, settings: Settings) -> None:
    seed_demo_platform(database, actor=Actor.system("demo-seed"))
    ensure_demo_users(database)
    intake = build_intake(database, settings)
    rules = DisposalRules.from_settings(settings, intake.rules.reporters, intake.packs)
    assert seed_demo_cases(database, settings=settings, intake=intake, rules=rules) == 4
    counts = queue_counts(database, actor=ADMIN)
    assert counts["open"] == 1  # the enterprise rumour report, for the reviewer to try
    assert counts["awaiting_supplement"] == 1  # the report without documents
    assert counts["pending_approval"] == 1  # the severe case: closing waits for an approver
    assert counts["decided"] == 1  # the first poster, handled strictly
    assert verify(database).ok
