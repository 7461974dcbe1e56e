"""Statistics rollups (item 8): folded from the ledger, they give the exact figures.

Every count equals the exact query's; every median is within 1 % of it (the rollups'
stated precision, see qinglang.oversight.rollups).
"""

from __future__ import annotations

import random
import statistics as stdlib_statistics
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from qinglang.actor import Actor
from qinglang.cli.worker import run_due_timers
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.measures.outbox import deliver_due
from qinglang.oversight import rollups
from qinglang.oversight.exact_statistics import exact_daily, exact_figures, exact_measure_breakdown
from qinglang.oversight.models import (
    StatisticsContribution,
    StatisticsCount,
    StatisticsDistinct,
    StatisticsDuration,
    StatisticsTargetDay,
    StatisticsWatermark,
)
from qinglang.oversight.rollup_contributions import ZERO_BUCKET, bucket_of
from qinglang.oversight.statistics import (
    Period,
    campaign_statistics,
    daily_activity,
    figures,
    histogram_median,
    measure_breakdown,
)
from qinglang.platform.demo import DemoPlatform
from qinglang.settings import Settings
from tests.api.conftest import client
from tests.api.test_cases_api import people
from tests.integration.test_statistics import (
    CAMPAIGN,
    CHINA,
    People,
    _assess,
    _case,
    _propose,
    _report,
    walked,
)

__all__ = ["client", "people", "walked"]  # fixtures used by name

SYSTEM = Actor.system("test")
MEDIANS = ("acceptance", "decision", "action")
CAMPAIGNS = (None, CAMPAIGN, "2023-business-environment")
PERIODS = [
    (date(2023, 9, 1), date(2023, 9, 30)),
    *((date(2023, 9, d), date(2023, 9, d)) for d in (1, 2, 15, 28, 30)),
    (date(2023, 9, 1), date(2023, 9, 2)),
    (date(2023, 9, 2), date(2023, 9, 28)),
    (date(2023, 9, 15), date(2023, 9, 30)),
    (date(2023, 9, 16), date(2023, 9, 30)),
    (date(2023, 8, 1), date(2023, 10, 31)),
    (date(2023, 1, 1), date(2023, 12, 31)),
    (date(2024, 1, 1), date(2024, 1, 31)),  # nothing happened
]
TABLES = (
    StatisticsCount,
    StatisticsDuration,
    StatisticsDistinct,
    StatisticsTargetDay,
    StatisticsContribution,
)


@pytest.fixture
def walked_on(
    walked: dict[str, int],
    client: TestClient,
    database: Database,
    people: People,
    clock: FixedClock,
) -> dict[str, int]:
    """The statistics walk, and E: the same account (account 1, post 17) reported in the
    Asian Games zone 09-15 09:00, decided 10:00 with remove + a 7-day mute (approved),
    applied 13:00, so the account is muted on two days of September."""
    platform = DemoPlatform(database, "http://test")
    clock.set(datetime(2023, 9, 15, 9, 0, tzinfo=CHINA))
    e = _report(client, people, 17, zone="asian_games_zone")
    clock.advance(timedelta(hours=1))
    version = _assess(client, people, e)
    proposed = _propose(
        client,
        people,
        e,
        version,
        [{"code": "remove"}, {"code": "mute", "params": {"days": 7}}],
        reason="再次发布，另行禁言七日",
    )
    assert proposed["status"] == "pending_approval", proposed
    approved = client.post(
        f"/api/v1/cases/{e}/approval",
        json={"version": _case(client, people, e)["version"], "approve": True, "note": "同意"},
        headers=people["wang"],
    )
    assert approved.status_code == 200, approved.text
    clock.advance(timedelta(hours=3))
    deliver_due(database, platform, worker="t", batch=10)
    clock.set(datetime(2023, 10, 8, 9, 0, tzinfo=CHINA))
    return walked | {"e": e}


def agree(rolled: dict[str, Any], exact: dict[str, Any]) -> None:
    assert rolled.keys() == exact.keys()
    for key, value in exact.items():
        if key.startswith("median_seconds_"):
            if value is None:
                assert rolled[key] is None, key
            else:
                assert rolled[key] == pytest.approx(value, rel=0.01, abs=0.001), key
        else:
            assert rolled[key] == value, (key, rolled[key], value)


def dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    with database.unit_of_work(read_only=True) as uow:
        found = {}
        for model in TABLES:
            table = model.__table__
            found[model.__tablename__] = sorted(
                tuple(row) for row in uow.session.execute(select(table))
            )
        return found


def seq_of(database: Database) -> int:
    with database.unit_of_work(read_only=True) as uow:
        return rollups.watermark(uow.session)


def test_the_rollups_give_the_exact_figures_for_every_period_and_campaign(
    walked_on: dict[str, int], database: Database
) -> None:
    assert rollups.pending(database)
    assert rollups.fold_ledger(database) > 0
    assert not rollups.pending(database)
    with database.unit_of_work(read_only=True) as uow:
        for start, end in PERIODS:
            period = Period(start=start, end=end)
            for campaign in CAMPAIGNS:
                rolled = figures(uow.session, campaign=campaign, period=period)
                agree(rolled, exact_figures(uow.session, campaign=campaign, period=period))
                assert exact_daily(uow.session, campaign=campaign, period=period) == (
                    daily_activity(database, actor=SYSTEM, campaign=campaign, start=start, end=end)
                )
            assert measure_breakdown(uow.session, period=period) == exact_measure_breakdown(
                uow.session, period=period
            )
        september = figures(
            uow.session, campaign=None, period=Period(date(2023, 9, 1), date(2023, 9, 30))
        )
    # one account muted on two days is one account; three posts removed are three items
    assert september["accounts_muted_or_demonetised"] == 1
    assert september["accounts_handled"] == 1
    assert september["items_removed"] == 3
    assert september["measures_by_kind"]["mute"] == 2


def test_figures_are_never_stale_the_entries_not_folded_yet_count(
    walked: dict[str, int],
    client: TestClient,
    database: Database,
    people: People,
    clock: FixedClock,
) -> None:
    rollups.fold_ledger(database)
    mark = seq_of(database)
    clock.set(datetime(2023, 9, 20, 8, 0, tzinfo=CHINA))
    _report(client, people, 6)
    assert rollups.pending(database)
    september = Period(date(2023, 9, 1), date(2023, 9, 30))
    with database.unit_of_work(read_only=True) as uow:
        rolled = figures(uow.session, campaign=None, period=september)
        agree(rolled, exact_figures(uow.session, campaign=None, period=september))
    assert rolled["reports_received"] == 5
    assert seq_of(database) == mark  # read without writing
    found = campaign_statistics(
        database, actor=SYSTEM, campaign=None, start=september.start, end=september.end
    )
    assert found["reports_received"] == 5
    assert not rollups.pending(database)  # a request folds what is new first


def test_folding_the_whole_ledger_again_changes_nothing(
    walked_on: dict[str, int], database: Database
) -> None:
    folded = rollups.fold_ledger(database)
    before = dump(database)
    assert before["statistics_counts"]
    with database.unit_of_work() as uow:
        uow.session.execute(update(StatisticsWatermark).values(seq=0))
    assert rollups.fold_ledger(database, batch=7) == folded
    assert dump(database) == before


def test_a_fold_interrupted_halfway_is_completed_by_the_rerun(
    walked_on: dict[str, int], database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = rollups.apply
    calls = 0

    def crash_on_the_third_batch(session: Any, found: rollups.Deltas) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the worker was killed")
        real(session, found)

    monkeypatch.setattr(rollups, "apply", crash_on_the_third_batch)
    with pytest.raises(RuntimeError, match="killed"):
        rollups.fold_ledger(database, batch=10)
    assert seq_of(database) == 20  # two batches kept, the third rolled back whole
    monkeypatch.setattr(rollups, "apply", real)
    rollups.fold_ledger(database, batch=10)
    assert not rollups.pending(database)
    september = Period(date(2023, 9, 1), date(2023, 9, 30))
    with database.unit_of_work(read_only=True) as uow:
        for campaign in CAMPAIGNS:
            agree(
                figures(uow.session, campaign=campaign, period=september),
                exact_figures(uow.session, campaign=campaign, period=september),
            )


def test_the_worker_folds_the_ledger(
    walked: dict[str, int], database: Database, settings: Settings
) -> None:
    assert rollups.pending(database)
    run_due_timers(database, settings)
    assert not rollups.pending(database)


def test_a_batch_of_no_entries_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="at least one entry"):
        rollups.fold_ledger(database, batch=0)


@pytest.mark.parametrize("count", [1, 2, 999, 1000])
def test_a_median_read_from_the_buckets_is_within_one_percent(count: int) -> None:
    rng = random.Random(count)
    values = [max(1, round(rng.lognormvariate(10, 3))) for _ in range(count)]  # microseconds
    buckets: dict[int, list[int]] = {}
    for us in values:
        cell = buckets.setdefault(bucket_of(us), [0, 0])
        cell[0] += 1
        cell[1] += us
    exact = stdlib_statistics.median(values) / 1e6
    assert histogram_median(buckets) == pytest.approx(exact, rel=0.01, abs=0.001)


def test_zero_durations_have_a_bucket_of_their_own() -> None:
    assert bucket_of(0) == ZERO_BUCKET
    assert histogram_median({ZERO_BUCKET: [3, 0], bucket_of(10**6): [1, 10**6]}) == 0.0
    assert histogram_median({}) is None
