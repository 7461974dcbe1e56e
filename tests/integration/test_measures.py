"""Measures as records: what a decision writes, what is refused, revoking, periods ending."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.ledger import LedgerEntry, LedgerEvent
from qinglang.measures import (
    MeasureOrder,
    deliver_due,
    due_soon,
    expire_due,
    mark_review_requested,
    record_measures,
    revoke_measure,
)
from qinglang.measures.models import Measure, OutboxMessage
from qinglang.measures.service import message_params
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformAccount, PlatformPost
from qinglang.platform.queries import effective_account_status, effective_visibility
from qinglang.policy import evaluate, load_packs
from qinglang.policy.facts import case_facts_from_json
from tests.measuresutil import (
    BASIS,
    REVIEWER,
    entries,
    make_case,
    make_content,
    measure,
    message_of,
    order,
    record,
)

FACTS = Path(__file__).resolve().parents[1] / "data" / "facts"
TIMER = REVIEWER


def _counts(database: Database) -> tuple[int, int, int]:
    with database.unit_of_work(read_only=True) as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Measure)) or 0,
            uow.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
            uow.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        )


def test_a_decision_records_measures_messages_and_ledger_entries(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, (post,) = make_content(database)
    ids = record(
        database,
        case_id,
        [
            order("make_private_time_limited", f"post:{post}", expires_in_days=15),
            order("mute", f"account:{account}", days=7),
            order("warn", f"account:{account}"),
            MeasureOrder(
                code="refuse_report",
                on="report",
                target="report:4",
                basis=[{"id": "WS-18", "article": "第十八条"}],
            ),
        ],
    )
    private, mute, warn, refuse = (measure(database, i) for i in ids)
    assert private.status == mute.status == warn.status == "pending"
    assert private.expires_at == clock.now() + timedelta(days=15)
    assert mute.expires_at == clock.now() + timedelta(days=7)
    assert warn.expires_at is None
    assert private.basis == list(BASIS)
    assert private.decided_by == REVIEWER.ref
    assert refuse.status == "recorded"  # Qinglang's own act: nothing to send
    with database.unit_of_work(read_only=True) as uow:
        messages = list(uow.session.scalars(select(OutboxMessage)))
    assert sorted(m.measure_id for m in messages) == sorted(ids[:3])
    assert len({m.message_id for m in messages}) == 3
    recorded = entries(database, LedgerEvent.MEASURE_RECORDED)
    assert [e.subject_id for e in recorded] == [str(i) for i in ids]
    payload = json.loads(recorded[0].payload)
    assert payload["case_id"] == case_id
    assert payload["expires_at"] == private.expires_at.isoformat()
    assert payload["message_id"] == message_of(database, ids[0]).message_id


def test_recording_rolls_back_with_the_decision(database: Database) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    before = _counts(database)

    def decide_then_fail() -> None:
        with database.unit_of_work() as uow:
            record_measures(
                uow, actor=REVIEWER, case_id=case_id, orders=[order("remove", f"post:{post}")]
            )
            raise RuntimeError("the decision failed after recording")

    with pytest.raises(RuntimeError):
        decide_then_fail()
    assert _counts(database) == before


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (MeasureOrder("delete_everything", "content", "post:1", basis=BASIS), "unknown_measure"),
        (MeasureOrder("remove", "account", "post:1", basis=BASIS), "invalid_measure"),
        (MeasureOrder("mute", "account", "post:1", {"days": 7}, BASIS), "invalid_measure"),
        (MeasureOrder("remove", "content", "somewhere", basis=BASIS), "unknown_locator"),
        (MeasureOrder("mute", "account", "account:1", basis=BASIS), "measure_needs_period"),
        (
            MeasureOrder("mute", "account", "account:1", {"permanent": True}, BASIS),
            "invalid_measure",
        ),
        (MeasureOrder("mute", "account", "account:1", {"days": 0}, BASIS), "invalid_measure"),
        (
            MeasureOrder("mute", "account", "account:1", {"days": 7, "until": "x"}, BASIS),
            "invalid_measure",
        ),
        (
            MeasureOrder(
                "mute", "account", "account:1", {"until": "2020-01-01T00:00:00+08:00"}, BASIS
            ),
            "invalid_measure",
        ),
        (
            MeasureOrder("mute", "account", "account:1", {"until": "2030-01-01"}, BASIS),
            "invalid_measure",
        ),
        (MeasureOrder("remove", "content", "post:1"), "invalid_measure"),
        (MeasureOrder("remove", "content", "post:1", {"x": [1]}, BASIS), "invalid_measure"),
        (MeasureOrder("refuse_report", "report", "post:1", basis=BASIS), "invalid_measure"),
    ],
)
def test_bad_orders_are_refused_before_anything_is_written(
    database: Database, bad: MeasureOrder, code: str
) -> None:
    case_id = make_case(database)
    before = _counts(database)
    good = order("remove", "post:1")
    with pytest.raises(InvalidInput) as caught, database.unit_of_work() as uow:
        record_measures(uow, actor=REVIEWER, case_id=case_id, orders=[good, bad])
    assert caught.value.code == code
    if code != "unknown_locator":
        assert caught.value.message.startswith("measure 2:")
    assert _counts(database) == before


def test_a_measure_for_no_case_is_not_found(database: Database) -> None:
    with pytest.raises(NotFound) as caught, database.unit_of_work() as uow:
        record_measures(uow, actor=REVIEWER, case_id=999, orders=[order("remove", "post:1")])
    assert caught.value.code == "case_not_found"


def test_the_engines_recommendation_becomes_orders(database: Database) -> None:
    facts = json.loads((FACTS / "ws21-1-critical-business-juncture.json").read_text("utf-8"))
    decision = evaluate(load_packs()["cac-ws-2023"], case_facts_from_json(facts))
    case_id = make_case(database)
    _, (post,) = make_content(database)
    orders = [MeasureOrder.of(m, target=f"post:{post}") for m in decision.measures]
    (private,) = (measure(database, i) for i in record(database, case_id, orders))
    assert private.code == "make_private_time_limited"
    assert private.basis[0]["id"] == "WS-21"
    assert private.expires_at == private.starts_at + timedelta(days=15)


def test_revoking_cancels_an_undelivered_message(database: Database) -> None:
    case_id = make_case(database)
    _, (post,) = make_content(database)
    (measure_id,) = record(database, case_id, [order("remove", f"post:{post}")])
    with database.unit_of_work() as uow:
        revoke_measure(uow, actor=REVIEWER, measure_id=measure_id, reason="objection upheld")
    assert measure(database, measure_id).status == "revoked"
    assert message_of(database, measure_id).status == "cancelled"
    assert (
        deliver_due(database, DemoPlatform(database, "http://x"), worker="w", batch=10).claimed == 0
    )
    (revoked,) = entries(database, LedgerEvent.MEASURE_REVOKED)
    assert json.loads(revoked.payload)["delivery_cancelled"] is True
    with pytest.raises(Conflict), database.unit_of_work() as uow:
        revoke_measure(uow, actor=REVIEWER, measure_id=measure_id, reason="again")
    with pytest.raises(InvalidInput), database.unit_of_work() as uow:
        revoke_measure(uow, actor=REVIEWER, measure_id=measure_id, reason="  ")


def _platform_state(database: Database, account: int, post: int) -> tuple[str, str]:
    with database.unit_of_work(read_only=True) as uow:
        now = uow.clock.now()
        a = uow.session.get(PlatformAccount, account)
        p = uow.session.get(PlatformPost, post)
        assert a is not None
        assert p is not None
        return effective_account_status(a, now), effective_visibility(p, now)


def test_periods_end_by_themselves(database: Database, clock: FixedClock) -> None:
    case_id = make_case(database)
    account, (post,) = make_content(database)
    private, mute = record(
        database,
        case_id,
        [
            order("make_private_time_limited", f"post:{post}", expires_in_days=15),
            order("mute", f"account:{account}", days=7),
        ],
    )
    deliver_due(database, DemoPlatform(database, "http://x"), worker="w", batch=10)
    assert _platform_state(database, account, post) == ("muted", "private")
    clock.advance(timedelta(days=7))
    assert expire_due(database, actor=TIMER) == [mute]
    assert _platform_state(database, account, post) == ("active", "private")
    assert measure(database, mute).status == "expired"
    clock.advance(timedelta(days=8))
    assert expire_due(database, actor=TIMER) == [private]
    assert expire_due(database, actor=TIMER) == []
    assert _platform_state(database, account, post) == ("active", "public")
    expired = entries(database, LedgerEvent.MEASURE_EXPIRED)
    assert [(e.subject_id, json.loads(e.payload)["was"]) for e in expired] == [
        (str(mute), "applied"),
        (str(private), "applied"),
    ]


def test_a_period_that_ends_before_delivery_is_never_sent(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, _ = make_content(database)
    (mute,) = record(database, case_id, [order("mute", f"account:{account}", days=1)])
    clock.advance(timedelta(days=1, seconds=1))
    assert expire_due(database, actor=TIMER) == [mute]
    assert message_of(database, mute).status == "cancelled"
    assert (
        deliver_due(database, DemoPlatform(database, "http://x"), worker="w", batch=10).claimed == 0
    )
    assert json.loads(entries(database, LedgerEvent.MEASURE_EXPIRED)[0].payload)["was"] == "pending"


def test_private_measures_come_back_to_review_before_they_expire(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, (post,) = make_content(database)
    private, _mute = record(
        database,
        case_id,
        [
            order("make_private_time_limited", f"post:{post}", expires_in_days=15),
            order("mute", f"account:{account}", days=14),
        ],
    )
    assert due_soon(database, within=timedelta(days=2)) == []
    clock.advance(timedelta(days=13, hours=1))
    (due,) = due_soon(database, within=timedelta(days=2))  # the mute is not a holding measure
    assert (due.measure_id, due.case_id, due.code) == (
        private,
        case_id,
        "make_private_time_limited",
    )
    assert due.expires_at == measure(database, private).expires_at
    with database.unit_of_work() as uow:
        assert mark_review_requested(uow, measure_id=private) is True
    with database.unit_of_work() as uow:
        assert mark_review_requested(uow, measure_id=private) is False
    assert due_soon(database, within=timedelta(days=2)) == []


def _params(database: Database, measure_id: int) -> dict[str, Any]:
    return message_params(measure(database, measure_id))


def test_the_platform_gets_the_absolute_end_of_a_period(
    database: Database, clock: FixedClock
) -> None:
    case_id = make_case(database)
    account, _ = make_content(database)
    (mute,) = record(database, case_id, [order("mute", f"account:{account}", days=7)])
    assert _params(database, mute) == {"until": (clock.now() + timedelta(days=7)).isoformat()}
