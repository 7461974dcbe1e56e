"""WS-3: when a case's time limit counts as near, or passed (the worker's rule, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qinglang.cases.escalation import deadline_state, is_current
from qinglang.errors import ConfigurationError
from qinglang.settings import load_settings

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("left", "hours", "lead", "expected"),
    [
        # limited in working days (hours None): near when less than the lead is left
        (timedelta(hours=25), None, DAY, None),
        (DAY, None, DAY, None),  # exactly the lead left: not yet "less than"
        (DAY - timedelta(seconds=1), None, DAY, "near"),
        (timedelta(hours=1), None, DAY, "near"),
        (timedelta(0), None, DAY, "near"),  # due this instant: not passed yet
        (-timedelta(microseconds=1), None, DAY, "passed"),
        (-timedelta(days=3), None, DAY, "passed"),
        (timedelta(hours=47), None, timedelta(hours=48), "near"),  # the lead is a setting
        (timedelta(hours=47), None, timedelta(hours=12), None),
        # limited in hours: near when a quarter of the limit or less is left; the lead is moot
        (timedelta(hours=6, seconds=1), 24, DAY, None),
        (timedelta(hours=6), 24, DAY, "near"),
        (timedelta(hours=2), 24, DAY, "near"),
        (timedelta(hours=2, seconds=1), 8, DAY, None),
        (timedelta(hours=2), 8, DAY, "near"),
        (timedelta(minutes=15), 1, DAY, "near"),
        (timedelta(minutes=16), 1, DAY, None),
        (-timedelta(seconds=1), 8, DAY, "passed"),
    ],
)
def test_near_and_passed(
    left: timedelta, hours: int | None, lead: timedelta, expected: str | None
) -> None:
    assert deadline_state(due_at=NOW + left, now=NOW, hours=hours, warn_lead=lead) == expected


def test_a_paused_case_has_no_deadline_state() -> None:
    assert deadline_state(due_at=None, now=NOW, hours=None, warn_lead=DAY) is None
    assert deadline_state(due_at=None, now=NOW, hours=8, warn_lead=DAY) is None


@pytest.mark.parametrize(
    ("mark", "decided_at", "expected"),
    [
        (None, None, False),
        (NOW, None, True),
        (None, NOW, False),
        (NOW, NOW - DAY, True),  # warned after the last decision: this round's
        (NOW - DAY, NOW, False),  # warned before the case was decided, then reopened
    ],
)
def test_a_mark_counts_for_the_current_round_only(
    mark: datetime | None, decided_at: datetime | None, expected: bool
) -> None:
    assert is_current(mark, decided_at) is expected


@pytest.mark.parametrize(("value", "hours"), [(None, 24), ("48", 48), ("1", 1)])
def test_the_warning_lead_is_a_setting(
    value: str | None, hours: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QINGLANG_CONFIG", raising=False)
    if value is None:
        monkeypatch.delenv("QINGLANG_DEADLINE_WARN_HOURS", raising=False)
    else:
        monkeypatch.setenv("QINGLANG_DEADLINE_WARN_HOURS", value)
    assert load_settings().deadline_warn_hours == hours


@pytest.mark.parametrize("value", ["0", "-1", "soon", "721"])
def test_a_warning_lead_that_is_not_positive_hours_stops_start_up(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QINGLANG_CONFIG", raising=False)
    monkeypatch.setenv("QINGLANG_DEADLINE_WARN_HOURS", value)
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    assert "QINGLANG_DEADLINE_WARN_HOURS" in str(refused.value)
