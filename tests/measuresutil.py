"""Helpers for the measure and outbox tests: a case, demo content, adapters that misbehave."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.cases.models import Case
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEntry, LedgerEvent
from qinglang.measures import MeasureOrder, record_measures
from qinglang.measures.models import Measure, OutboxMessage
from qinglang.platform.adapter import (
    MeasureMessage,
    MeasureReceipt,
    PlatformAdapter,
    PlatformUnavailable,
    Snapshot,
)
from qinglang.platform.models import PlatformAccount, PlatformPost

REVIEWER = Actor.system("test-reviewer")
BASIS = ({"id": "WS-20", "article": "第二十条"},)


def make_case(database: Database) -> int:
    with database.unit_of_work() as uow:
        case = Case(
            status="open",
            pack="cac-ws-2023",
            category="rumour",
            subtype="product_quality_defamation",
            zone="general",
            campaign=None,
            channel="web",
            working_days=7,
            opened_at=uow.clock.now(),
            due_at=uow.clock.now() + timedelta(days=9),
            due_provisional=False,
            report_count=1,
            duplicate_count=0,
        )
        uow.session.add(case)
        uow.session.flush()
        return case.id


def make_content(
    database: Database, *, posts: int = 1, handle: str = "alice"
) -> tuple[int, list[int]]:
    """A demo-platform account and ``posts`` public posts of it."""
    with database.unit_of_work() as uow:
        now = uow.clock.now()
        account = PlatformAccount(
            handle=handle,
            display_name=f"{handle}的账号",
            avatar_text=handle[:2],
            bio="一个测试账号",
            subject_kind="person",
            subject_name="测试用户",
            follower_count=1200,
            status="active",
            created_at=now - timedelta(days=30),
        )
        uow.session.add(account)
        uow.session.flush()
        ids = []
        for n in range(posts):
            post = PlatformPost(
                account_id=account.id,
                title=f"第{n}篇",
                body="某公司产品质量问题严重",
                visibility="public",
                labels=[],
                distribution="normal",
                created_at=now - timedelta(hours=n + 1),
            )
            uow.session.add(post)
            uow.session.flush()
            ids.append(post.id)
        return account.id, ids


def order(code: str, target: str, **params: Any) -> MeasureOrder:
    on = "account" if target.startswith("account:") else "content"
    return MeasureOrder(code=code, on=on, target=target, params=params, basis=BASIS)


def record(database: Database, case_id: int, orders: Sequence[MeasureOrder]) -> list[int]:
    with database.unit_of_work() as uow:
        return [m.id for m in record_measures(uow, actor=REVIEWER, case_id=case_id, orders=orders)]


def measure(database: Database, measure_id: int) -> Measure:
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.get(Measure, measure_id)
        assert found is not None
        return found


def message_of(database: Database, measure_id: int) -> OutboxMessage:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.measure_id == measure_id)
        ).one()


def entries(database: Database, event: LedgerEvent) -> list[LedgerEntry]:
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.event == event.value)
                .order_by(LedgerEntry.seq)
            )
        )


class CountingAdapter:
    """Wraps an adapter: counts every call by message id, and fails while ``down()`` says so.

    ``down`` returns an exception to raise (the platform is down) or None (it answers).
    """

    def __init__(
        self,
        inner: PlatformAdapter,
        *,
        down: Callable[[MeasureMessage], Exception | None] | None = None,
        on_apply: Callable[[MeasureMessage], None] | None = None,
    ) -> None:
        self.inner = inner
        self.down = down
        self.on_apply = on_apply
        self.calls: Counter[str] = Counter()
        self.applied: Counter[str] = Counter()  # calls that reached the platform and were new
        self.in_flight: set[str] = set()
        self.overlaps = 0
        self._lock = threading.Lock()

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        return self.inner.fetch_snapshot(locator=locator)

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        with self._lock:
            self.calls[message.message_id] += 1
            if message.message_id in self.in_flight:
                self.overlaps += 1
            self.in_flight.add(message.message_id)
        try:
            if self.on_apply is not None:
                self.on_apply(message)
            failure = self.down(message) if self.down is not None else None
            if failure is not None:
                raise failure
            receipt = self.inner.apply_measure(message=message)
            if not receipt.duplicate:
                with self._lock:
                    self.applied[message.message_id] += 1
            return receipt
        finally:
            with self._lock:
                self.in_flight.discard(message.message_id)


class NoopPlatform:
    """A platform that acknowledges everything at once (the bench's and tests' baseline)."""

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        raise PlatformUnavailable("no snapshots here")

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        return MeasureReceipt(
            message_id=message.message_id, applied=True, duplicate=False, effect="noted"
        )
