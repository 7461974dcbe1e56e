"""Intake through the service: snapshots, time limits, channels, zones, reporter accounts."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from qinglang.actor import ANONYMOUS, Actor
from qinglang.auth.users import actor_for, find_user
from qinglang.cases.models import Case
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import Conflict, InvalidInput, PermissionDenied
from qinglang.intake import followups, reporter_accounts
from qinglang.intake.channels import Channel
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.models import Evidence, ReportEvidence
from qinglang.intake.reporter_accounts import AccountRequest
from qinglang.intake.reports import Intake
from qinglang.intake.setup import build_intake
from qinglang.intake.submission import SubmissionIn, parse
from qinglang.ledger import LedgerEntry
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from tests.reporting import CREDIT_CODE, png

FORM = "test-form"
SYSTEM = Actor.system("test")


@pytest.fixture
def intake(database: Database, settings: Settings) -> Intake:
    return build_intake(database, settings)


def evidence(intake: Intake, owner: str = f"form:{FORM}") -> str:
    item = upload_evidence(
        intake.database,
        actor=ANONYMOUS,
        store=intake.snapshots.store,
        source=io.BytesIO(png()),
        filename="licence.png",
        limit=10_000_000,
        owner=owner,
    )
    return item.id


def body(intake: Intake, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reporter": {"kind": "enterprise", "name": "王经理", "email": "wang@example.cn"},
        "right_holder": {"name": "示例科技有限公司", "credit_code": CREDIT_CODE},
        "category": "insult",
        "subtype": "abuse",
        "statement": "辱骂我公司。",
        "targets": [{"url": "https://bbs.example.cn/t/9"}],
        "evidence": [{"id": evidence(intake), "type": "business_licence"}],
        "declaration": {"accepted": True, "version": "2023-08"},
    }
    data.update(fields)
    return data


def submit(intake: Intake, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
    kw.setdefault("channel", Channel.WEB_FORM)
    return intake.submit(actor=ANONYMOUS, submission=parse(SubmissionIn, data), form=FORM, **kw)


def events(database: Database, subject_id: str) -> list[LedgerEntry]:
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.subject_id == subject_id)
                .order_by(LedgerEntry.seq)
            )
        )


def test_a_snapshot_of_the_reported_post_is_kept_as_evidence(
    intake: Intake, database: Database
) -> None:
    seed_demo_platform(database, actor=SYSTEM)
    answer = submit(
        intake,
        body(intake, targets=[{"url": "http://127.0.0.1:8000/demo-site/posts/1"}]),
    )
    assert answer["status"] == "accepted"
    taken = [e for e in events(database, answer["tracking_no"]) if e.event == "snapshot_taken"]
    assert len(taken) == 1
    with database.unit_of_work(read_only=True) as uow:
        link = uow.session.scalars(
            select(ReportEvidence).where(ReportEvidence.type == "content_snapshot")
        ).one()
        item = uow.session.get(Evidence, link.evidence_id)
        assert item is not None
    with intake.snapshots.store.open(item.sha256) as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == item.sha256
    assert b'"kind":"post"' in data
    assert item.sha256 in taken[0].payload


def test_an_unknown_post_is_recorded_as_a_failed_snapshot_and_the_report_goes_on(
    intake: Intake, database: Database
) -> None:
    seed_demo_platform(database, actor=SYSTEM)
    answer = submit(intake, body(intake, targets=[{"content_id": "999999"}]))
    assert answer["status"] == "accepted"
    failed = [e for e in events(database, answer["tracking_no"]) if e.event == "snapshot_failed"]
    assert len(failed) == 1
    assert "target_not_found" in failed[0].payload


def test_the_demo_page_address_and_the_content_id_are_one_target(
    intake: Intake, database: Database
) -> None:
    seed_demo_platform(database, actor=SYSTEM)
    first = submit(intake, body(intake, targets=[{"content_id": "2"}]))
    other = body(
        intake,
        targets=[{"url": "https://demo.example.cn/demo-site/posts/2"}],
        right_holder={"name": "另一家公司"},
        reporter={"kind": "individual", "name": "赵先生", "phone": "13900139000"},
    )
    second = submit(intake, other)
    assert second["case_id"] == first["case_id"]


@pytest.mark.parametrize(
    ("category", "subtype", "channel", "days"),
    [
        ("insult", "abuse", Channel.WEB_FORM, 7),
        ("privacy_leak", "contact_details", Channel.WEB_FORM, 2),
        ("impersonation", "account_identity", Channel.WEB_FORM, 5),
        ("insult", "abuse", Channel.REGULATOR_TRANSFER, 3),
        ("interference", "extortion", Channel.WEB_FORM, 10),
    ],
)
def test_the_case_time_limit_comes_from_the_pack_in_working_days(
    category: str,
    subtype: str,
    channel: Channel,
    days: int,
    intake: Intake,
    database: Database,
) -> None:
    types = ["business_licence"]
    if category == "interference":
        types.append("authority_document")
    data = body(
        intake,
        category=category,
        subtype=subtype,
        evidence=[{"id": evidence(intake), "type": t} for t in types],
        regulator_reference="网信转〔2026〕118号",
    )
    answer = submit(intake, data, channel=channel)
    with database.unit_of_work(read_only=True) as uow:
        case = uow.session.get(Case, answer["case_id"])
        assert case is not None
    assert case.working_days == days
    assert case.due_at is not None
    assert case.due_at > case.opened_at


def test_a_regulator_transfer_keeps_its_reference(intake: Intake, database: Database) -> None:
    data = body(intake, regulator_reference="网信转〔2026〕118号")
    answer = submit(intake, data, channel=Channel.REGULATOR_TRANSFER)
    received = events(database, answer["tracking_no"])[0]
    assert received.event == "report_received"
    assert "网信转〔2026〕118号" in received.payload
    without = body(intake)
    with pytest.raises(InvalidInput) as refused:
        submit(intake, without, channel=Channel.REGULATOR_TRANSFER)
    assert refused.value.code == "regulator_reference_required"


def test_a_campaign_zone_takes_reports_in_its_period_only(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    campaign = next(iter(intake.campaigns.values()))
    with pytest.raises(Conflict):
        submit(intake, body(intake, zone=campaign.zone_code))
    from datetime import datetime
    from zoneinfo import ZoneInfo

    clock.set(datetime.combine(campaign.starts, datetime.min.time(), ZoneInfo("Asia/Shanghai")))
    answer = submit(intake, body(intake, zone=campaign.zone_code))
    assert answer["status"] == "accepted"
    state = followups.staff_view(intake, actor=SYSTEM, tracking_no=answer["tracking_no"])
    assert state["campaign"] == campaign.id


def test_nothing_is_stored_when_the_transaction_fails(intake: Intake, database: Database) -> None:
    data = body(intake)
    data["evidence"].append({"id": "f" * 32, "type": "official_debunk"})
    before = len(events(database, "x"))
    with pytest.raises(InvalidInput):
        submit(intake, data)
    with database.unit_of_work(read_only=True) as uow:
        assert uow.session.scalars(select(Case)).first() is None
    assert len(events(database, "x")) == before


def test_a_verified_reporter_account_needs_no_licence_again(
    intake: Intake, database: Database, settings: Settings
) -> None:
    request = AccountRequest(
        username="shili-keji",
        password="a long enough password",
        kind="enterprise",
        right_holder_name="示例科技有限公司",
        credit_code=CREDIT_CODE,
        contact_name="王经理",
        contact_phone="13800138000",
        contact_email=None,
        identity_evidence_id=evidence(intake, owner="form:register"),
        identity_type="business_licence",
    )
    account = reporter_accounts.request_account(
        database, actor=ANONYMOUS, request=request, pack=intake.pack, owner="form:register"
    )
    assert account.status == "pending"
    user = find_user(database, actor=SYSTEM, username="shili-keji")
    assert user is not None
    reporter = actor_for(user)
    data = body(intake, evidence=[])
    pending = intake.submit(actor=reporter, submission=parse(SubmissionIn, data))
    assert [m["item"] for m in pending["missing"]] == ["right_holder_proof", "preliminary_evidence"]

    with pytest.raises(PermissionDenied):
        reporter_accounts.decide_account(
            database, actor=reporter, account_id=account.id, verify=True
        )
    reporter_accounts.decide_account(database, actor=SYSTEM, account_id=account.id, verify=True)
    data = body(intake, evidence=[], targets=[{"url": "https://bbs.example.cn/t/10"}])
    accepted = intake.submit(actor=reporter, submission=parse(SubmissionIn, data))
    assert accepted["status"] == "accepted"
    lines = reporter_accounts.reports_of(database, account_id=account.id)
    assert [line.tracking_no for line in lines] == [accepted["tracking_no"], pending["tracking_no"]]
    with pytest.raises(Conflict):
        reporter_accounts.decide_account(
            database, actor=SYSTEM, account_id=account.id, verify=False, note="x"
        )


def test_a_rejection_needs_a_reason(intake: Intake, database: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        reporter_accounts.decide_account(database, actor=SYSTEM, account_id=1, verify=False)
    assert refused.value.code == "reason_required"


def test_a_supplement_after_the_deadline_closes_the_report(
    intake: Intake, database: Database, clock: FixedClock
) -> None:
    answer = submit(intake, body(intake, evidence=[]))
    assert answer["status"] == "needs_supplement"
    clock.advance(timedelta(days=15, seconds=1))
    from qinglang.intake.submission import SupplementIn

    with pytest.raises(Conflict) as late:
        followups.supplement(
            intake,
            actor=ANONYMOUS,
            tracking_no=answer["tracking_no"],
            token=answer["access_token"],
            data=parse(SupplementIn, {"statement": "补充"}),
        )
    assert late.value.code == "supplement_deadline_passed"
    state = followups.look_up(
        intake, tracking_no=answer["tracking_no"], token=answer["access_token"]
    )
    assert state["status"] == "closed_incomplete"
