"""WS-3 限时办结: the worker flags a case as its time limit nears, and escalates it once the
limit has passed without a decision; each once, whatever runs how often."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from qinglang.actor import ANONYMOUS, Actor
from qinglang.auth import users
from qinglang.cases.escalation import escalate_passed, warn_near
from qinglang.cases.models import Case
from qinglang.cli.worker import platform_adapter, run_due_timers, run_round
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.disposal import review
from qinglang.disposal.rereview import reopen_before_expiry
from qinglang.disposal.review import Finding, ProposedMeasure
from qinglang.disposal.rules import DisposalRules
from qinglang.intake.channels import Channel
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.reports import Intake
from qinglang.intake.setup import build_intake
from qinglang.intake.submission import SubmissionIn, parse
from qinglang.ledger import LedgerEvent
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from tests.measuresutil import entries, order, record
from tests.reporting import CREDIT_CODE, png, preliminary_for

FORM = "test-form"
WORKER = Actor.system("test-worker")
OPERATOR = Actor.operator("root")
LEAD = timedelta(hours=24)
FACTS_CLEAR = {
    "facts_clear": Finding(True, "原文与官方通报对照，内容系捏造"),
    "evidence_sufficient": Finding(True, "辟谣公告与检测报告齐全"),
    "grounds_sufficient": Finding(True, "举报理由充分"),
}


@pytest.fixture
def intake(database: Database, settings: Settings) -> Intake:
    seed_demo_platform(database, actor=Actor.system("test"))
    return build_intake(database, settings)


def _evidence(intake: Intake) -> str:
    item = upload_evidence(
        intake.database,
        actor=ANONYMOUS,
        store=intake.snapshots.store,
        source=io.BytesIO(png()),
        filename="licence.png",
        limit=10_000_000,
        owner=f"form:{FORM}",
    )
    return item.id


def submit(intake: Intake, *, post: int = 1, complete: bool = True) -> dict[str, Any]:
    """A report on demo post ``post`` (rumour, 7 working days); incomplete: no evidence."""
    evidence = [{"id": _evidence(intake), "type": "business_licence"}]
    if complete:
        evidence.append({"id": _evidence(intake), "type": preliminary_for("rumour")})
    data = {
        "reporter": {"kind": "enterprise", "name": "王经理", "email": "wang@example.cn"},
        "right_holder": {"name": "示例科技有限公司", "credit_code": CREDIT_CODE},
        "category": "rumour",
        "subtype": "product_quality_defamation",
        "statement": "该文章捏造我公司产品质量问题，与事实不符。",
        "targets": [{"url": f"https://demo.example.cn/demo-site/posts/{post}"}],
        "evidence": evidence if complete else [],
        "declaration": {"accepted": True, "version": "2023-08"},
    }
    return intake.submit(
        actor=ANONYMOUS, submission=parse(SubmissionIn, data), form=FORM, channel=Channel.WEB_FORM
    )


def case_of(database: Database, case_id: int) -> Case:
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.get(Case, case_id)
        assert found is not None
        return found


def due_of(database: Database, case_id: int) -> datetime:
    due = case_of(database, case_id).due_at
    assert due is not None
    return due


def payloads(database: Database, event: LedgerEvent, case_id: int) -> list[dict[str, Any]]:
    return [e.data for e in entries(database, event) if e.subject_id == str(case_id)]


def reviewer(database: Database, name: str = "li") -> Actor:
    user = users.create_user(
        database,
        actor=OPERATOR,
        username=name,
        password="correct horse battery",
        roles=["reviewer"],
    )
    return users.actor_for(user)


def decide(database: Database, settings: Settings, intake: Intake, case_id: int) -> None:
    """A reviewer claims the case, records clear facts and decides to remove the post."""
    li = reviewer(database)
    claimed = review.claim(database, actor=li, case_id=case_id)
    assessed, _ = review.assess(
        database,
        actor=li,
        packs=intake.packs,
        case_id=case_id,
        version=claimed.version,
        facts=FACTS_CLEAR,
        conditions={},
        grading=None,
    )
    proposal = review.propose(
        database,
        actor=li,
        packs=intake.packs,
        adapter=DemoPlatform(database, settings.base_url),
        case_id=case_id,
        version=assessed.version,
        measures=[ProposedMeasure(code="remove")],
        reason="",
        rules=DisposalRules(),
    )
    assert proposal.status == "decided"


def test_a_case_is_warned_once_as_its_deadline_nears(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    due = due_of(database, case_id)
    clock.set(due - LEAD - timedelta(minutes=1))
    assert warn_near(database, actor=WORKER, warn_lead=LEAD) == []
    assert run_due_timers(database, settings) == 0
    clock.set(due - LEAD + timedelta(minutes=1))
    assert run_due_timers(database, settings) == 1
    assert run_due_timers(database, settings) == 0
    assert warn_near(database, actor=WORKER, warn_lead=LEAD) == []
    (near,) = payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, case_id)
    assert near["due_at"] == due.isoformat()
    assert near["working_days"] == 7
    assert near["left_seconds"] == int((LEAD - timedelta(minutes=1)).total_seconds())
    case = case_of(database, case_id)
    assert case.deadline_warned_at == clock.now()
    assert case.escalated_at is None
    assert payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id) == []


def test_the_warning_lead_comes_from_the_settings(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    clock.set(due_of(database, case_id) - timedelta(hours=47))
    assert run_due_timers(database, settings) == 0
    wider = settings.model_copy(update={"deadline_warn_hours": 48})
    assert run_due_timers(database, wider) == 1
    assert len(payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, case_id)) == 1


def test_a_case_is_escalated_once_after_its_deadline_passes_and_keeps_its_claim(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    due = due_of(database, case_id)
    clock.set(due - timedelta(hours=1))
    assert warn_near(database, actor=WORKER) == [case_id]
    clock.set(due)
    assert escalate_passed(database, actor=WORKER) == []  # due this instant: not passed yet
    li = reviewer(database)
    claimed = review.claim(database, actor=li, case_id=case_id)
    clock.set(due + timedelta(seconds=1))
    done = run_round(database, settings, platform_adapter(database, settings), worker="w")
    assert (done.warned_cases, done.escalated_cases) == (0, 1)
    assert "0 case(s) near their time limit, 1 case(s) escalated past it" in done.describe()
    assert escalate_passed(database, actor=WORKER) == []
    assert run_due_timers(database, settings) == 0
    (passed,) = payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id)
    assert passed["due_at"] == due.isoformat()
    assert passed["warned"] is True
    assert passed["claimed_by"] == li.user_id
    assert claimed.claim_expires_at is not None
    assert passed["claim_expires_at"] == claimed.claim_expires_at.isoformat()
    case = case_of(database, case_id)
    assert case.escalated_at == clock.now()
    assert (case.claimed_by, case.claim_expires_at) == (li.user_id, claimed.claim_expires_at)
    assert case.version == claimed.version  # the reviewer's work goes on undisturbed
    assert len(payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, case_id)) == 1


def test_a_case_found_past_its_deadline_is_escalated_without_a_warning(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    clock.set(due_of(database, case_id) + timedelta(days=2))
    assert warn_near(database, actor=WORKER) == []
    assert escalate_passed(database, actor=WORKER) == [case_id]
    (passed,) = payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id)
    assert (passed["warned"], passed["claimed_by"]) == (False, None)
    assert passed["overdue_seconds"] == 2 * 86400


def test_a_decided_case_is_never_escalated(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    decided = submit(intake, post=1)["case_id"]
    waiting = submit(intake, post=2)["case_id"]
    decide(database, settings, intake, decided)
    assert case_of(database, decided).status == "decided"
    clock.set(due_of(database, decided) - timedelta(hours=2))
    assert run_due_timers(database, settings) == 1  # only the undecided one is warned
    clock.set(due_of(database, decided) + timedelta(days=30))
    assert escalate_passed(database, actor=WORKER) == [waiting]
    assert run_due_timers(database, settings) == 0
    assert payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, decided) == []
    assert payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, decided) == []
    case = case_of(database, decided)
    assert (case.deadline_warned_at, case.escalated_at) == (None, None)


def test_a_paused_case_is_never_warned(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    answer = submit(intake, complete=False)
    assert answer["status"] == "needs_supplement"
    case_id = answer["case_id"]
    case = case_of(database, case_id)
    assert (case.status, case.due_at) == ("awaiting_supplement", None)
    for days in (1, 7, 10, 14):  # the supplement window is 15 calendar days
        clock.set(case.opened_at + timedelta(days=days))
        assert warn_near(database, actor=WORKER) == []
        assert escalate_passed(database, actor=WORKER) == []
        run_due_timers(database, settings)
    assert payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, case_id) == []
    assert payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id) == []


def test_a_case_limited_in_hours_is_warned_with_a_quarter_of_its_limit_left(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    in_hours = submit(intake, post=1)["case_id"]
    in_days = submit(intake, post=2)["case_id"]
    start = clock.now()
    with database.unit_of_work() as uow:  # the rapid channel's limit (GD-1), set by hand here
        uow.session.execute(
            update(Case)
            .where(Case.id == in_hours)
            .values(hours=8, due_at=start + timedelta(hours=8))
        )
    clock.set(start + timedelta(hours=5, minutes=59))
    assert warn_near(database, actor=WORKER, warn_lead=LEAD) == []  # 2 h 1 min left
    clock.set(start + timedelta(hours=6))
    assert warn_near(database, actor=WORKER, warn_lead=LEAD) == [in_hours]
    (near,) = payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, in_hours)
    assert (near["hours"], near["left_seconds"]) == (8, 2 * 3600)
    clock.set(start + timedelta(hours=8, seconds=1))
    assert escalate_passed(database, actor=WORKER) == [in_hours]
    assert payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, in_days) == []


def test_a_case_waiting_for_sign_off_is_escalated_too(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    with database.unit_of_work() as uow:
        uow.session.execute(
            update(Case).where(Case.id == case_id).values(status="pending_approval")
        )
    clock.set(due_of(database, case_id) + timedelta(minutes=1))
    assert escalate_passed(database, actor=WORKER) == [case_id]
    (passed,) = payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id)
    assert passed["status"] == "pending_approval"


def test_a_case_reopened_with_a_new_deadline_is_warned_and_escalated_again(
    intake: Intake, database: Database, settings: Settings, clock: FixedClock
) -> None:
    case_id = submit(intake)["case_id"]
    first_due = due_of(database, case_id)
    clock.set(first_due - timedelta(hours=3))
    assert warn_near(database, actor=WORKER) == [case_id]
    decide(database, settings, intake, case_id)
    record(database, case_id, [order("make_private_time_limited", "post:1", days=5)])
    assert reopen_before_expiry(database, actor=WORKER, within=timedelta(days=6)) == [case_id]
    reopened = case_of(database, case_id)
    assert reopened.status == "open"
    second_due = due_of(database, case_id)
    assert second_due > first_due
    clock.set(second_due - timedelta(hours=30))
    assert warn_near(database, actor=WORKER) == []  # the old warning does not count, nor fire
    clock.set(second_due - timedelta(hours=20))
    assert warn_near(database, actor=WORKER) == [case_id]
    assert warn_near(database, actor=WORKER) == []
    clock.set(second_due + timedelta(seconds=1))
    assert escalate_passed(database, actor=WORKER) == [case_id]
    assert escalate_passed(database, actor=WORKER) == []
    near = payloads(database, LedgerEvent.CASE_DEADLINE_NEAR, case_id)
    assert [n["due_at"] for n in near] == [first_due.isoformat(), second_due.isoformat()]
    (passed,) = payloads(database, LedgerEvent.CASE_DEADLINE_PASSED, case_id)
    assert (passed["due_at"], passed["warned"]) == (second_due.isoformat(), True)


def test_several_workers_record_each_escalation_once(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    case_ids = [submit(intake, post=post)["case_id"] for post in (1, 2, 3)]
    clock.set(due_of(database, case_ids[0]) + timedelta(hours=1))
    got: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait()
            got.extend(escalate_passed(database, actor=WORKER, limit=1))
            got.extend(escalate_passed(database, actor=WORKER))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(got) == sorted(case_ids)
    escalated = [e.subject_id for e in entries(database, LedgerEvent.CASE_DEADLINE_PASSED)]
    assert sorted(escalated) == sorted(str(c) for c in case_ids)
    with database.unit_of_work(read_only=True) as uow:
        marks = uow.session.scalars(select(Case.escalated_at).where(Case.id.in_(case_ids)))
        assert all(mark is not None for mark in marks)
