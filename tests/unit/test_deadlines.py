"""Time limits in China's working days (WS-3): holidays, adjusted working days, pauses; and in
hours on the rapid channel (GD-1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from qinglang.cases.deadlines import CHINA, Pause, due, due_in_hours


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CHINA)


def end_of(day: str) -> datetime:
    return at(f"{day}T23:59:59.999999")


@pytest.mark.parametrize(
    ("received", "days", "due_day"),
    [
        # An ordinary week: received Monday, 3 working days -> Thursday.
        ("2025-11-03T10:00", 3, "2025-11-06"),
        # Friday + 1 -> Monday (the weekend does not count).
        ("2025-11-07T18:00", 1, "2025-11-10"),
        # National Day 2025: 1-8 October off; 30 Sep + 1 -> 9 Oct.
        ("2025-09-30T09:00", 1, "2025-10-09"),
        # Sunday 28 Sep 2025 was an adjusted working day: received Sat 27, +1 -> Sun 28.
        ("2025-09-27T12:00", 1, "2025-09-28"),
        # Saturday 11 Oct 2025 was an adjusted working day: 9, 10, 11 Oct.
        ("2025-10-08T12:00", 3, "2025-10-11"),
        # Spring Festival 2026: 15-23 Feb off, Sat 14 and Sat 28 worked.
        ("2026-02-13T09:00", 2, "2026-02-24"),
        # Late at night in Beijing (already the next day in UTC): Beijing's day counts.
        ("2025-11-03T23:30", 1, "2025-11-04"),
    ],
)
def test_working_days_follow_the_holiday_arrangement(
    received: str, days: int, due_day: str
) -> None:
    deadline = due(received_at=at(received), working_days=days)
    assert deadline.due_at == end_of(due_day)
    assert not deadline.provisional


def test_a_day_spent_waiting_for_a_supplement_does_not_count() -> None:
    # Received Mon 3 Nov; supplement awaited from Tue 10:00 to Wed 15:00:
    # Tue ends paused (not counted), Wed ends running (counted).
    pause = Pause(since=at("2025-11-04T10:00"), until=at("2025-11-05T15:00"))
    deadline = due(received_at=at("2025-11-03T10:00"), working_days=3, pauses=[pause])
    assert deadline.due_at == end_of("2025-11-07")


def test_an_open_pause_has_no_due_time_yet() -> None:
    deadline = due(
        received_at=at("2025-11-03T10:00"),
        working_days=3,
        pauses=[Pause(since=at("2025-11-04T10:00"))],
    )
    assert (deadline.due_at, deadline.paused) == (None, True)


def test_beyond_the_holiday_data_the_deadline_is_provisional() -> None:
    deadline = due(received_at=at("2026-12-30T10:00"), working_days=5)
    assert deadline.provisional
    assert deadline.due_at is not None
    assert deadline.due_at.date().year == 2027


@pytest.mark.parametrize(
    ("received_at", "days", "message"),
    [(datetime(2025, 11, 3), 3, "timezone-aware"), (at("2025-11-03T10:00"), 0, "at least one")],
)
def test_bad_arguments_are_refused(received_at: datetime, days: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        due(received_at=received_at, working_days=days)


# -- the rapid channel (GD-1): hours around the clock -----------------------------------

AT = datetime(2026, 10, 1, 9, 30, tzinfo=CHINA)  # National Day: hours still count


def test_an_hours_limit_runs_around_the_clock_on_holidays_too() -> None:
    found = due_in_hours(received_at=AT, hours=24)
    assert found.due_at == AT + timedelta(hours=24)
    assert not found.provisional
    assert not found.paused


def test_an_hours_limit_stands_still_while_paused_and_counts_overlaps_once() -> None:
    pauses = [
        Pause(since=AT + timedelta(hours=1), until=AT + timedelta(hours=4)),
        Pause(since=AT + timedelta(hours=3), until=AT + timedelta(hours=5)),  # overlaps
        Pause(since=AT + timedelta(hours=40), until=AT + timedelta(hours=50)),  # after due
    ]
    found = due_in_hours(received_at=AT, hours=12, pauses=pauses)
    assert found.due_at == AT + timedelta(hours=12 + 4)


def test_an_hours_limit_has_no_due_time_while_a_pause_is_open() -> None:
    found = due_in_hours(received_at=AT, hours=12, pauses=[Pause(since=AT)])
    assert found.due_at is None
    assert found.paused


@pytest.mark.parametrize("hours", [0, -3])
def test_an_hours_limit_is_at_least_an_hour(hours: int) -> None:
    with pytest.raises(ValueError, match="at least one hour"):
        due_in_hours(received_at=AT, hours=hours)
