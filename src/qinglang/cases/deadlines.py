"""Time limits (限时办结, WS-3) counted in China's working days, or in hours (GD-1).

Pure: no database. Working days follow the State Council's holiday arrangement
(public holidays off, adjusted weekend working days on) through the
``chinese-calendar`` package. For a year it has no data for yet, Monday to Friday
are taken as working days and the deadline is marked *provisional*; it becomes firm
once the package carries that year's arrangement (published each November or so).

Counting: the day a case is received does not count; each following working day
counts unless the case was waiting for a supplement (补正) at the end of that day
(24:00 China time). The case is due at the end of its last counted working day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

CHINA = ZoneInfo("Asia/Shanghai")
_MAX_DAYS = 3660  # a guard: no time limit runs for ten years


@dataclass(frozen=True, slots=True)
class Pause:
    """A stretch in which the clock stops (a supplement awaited); ``until`` None: still paused."""

    since: datetime
    until: datetime | None = None

    def covers(self, instant: datetime) -> bool:
        return self.since <= instant and (self.until is None or instant < self.until)


@dataclass(frozen=True, slots=True)
class Deadline:
    due_at: datetime | None  # None while paused with no end in sight
    provisional: bool  # some counted day lies in a year without holiday data
    paused: bool = False


def is_working_day(day: date) -> tuple[bool, bool]:
    """(working, known): ``known`` is False when the year has no holiday data yet."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def due(
    *,
    received_at: datetime,
    working_days: int,
    pauses: Sequence[Pause] = (),
    zone: ZoneInfo = CHINA,
) -> Deadline:
    """When a case received at ``received_at`` with a limit of ``working_days`` falls due."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if working_days < 1:
        raise ValueError("a time limit is at least one working day")
    if any(p.until is None for p in pauses):
        return Deadline(due_at=None, provisional=False, paused=True)
    day = received_at.astimezone(zone).date()
    counted = 0
    provisional = False
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        working, known = is_working_day(day)
        if not working:
            continue
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        if any(p.covers(end_of_day - timedelta(microseconds=1)) for p in pauses):
            continue
        provisional = provisional or not known
        counted += 1
        if counted == working_days:
            return Deadline(due_at=end_of_day - timedelta(microseconds=1), provisional=provisional)
    raise ValueError("the time limit does not end within ten years")


def due_in_hours(*, received_at: datetime, hours: int, pauses: Sequence[Pause] = ()) -> Deadline:
    """When a case on a rapid channel (GD-1), limited in hours around the clock, falls due.

    The clock runs every hour, holidays included, and stands still while paused: the
    due time moves on by each pause's length (overlapping pauses counted once).
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if hours < 1:
        raise ValueError("a time limit is at least one hour")
    if any(p.until is None for p in pauses):
        return Deadline(due_at=None, provisional=False, paused=True)
    due_at = received_at + timedelta(hours=hours)
    counted = received_at  # time up to here is accounted for
    for pause in sorted(pauses, key=lambda p: p.since):
        assert pause.until is not None
        start = max(pause.since, counted)
        if start >= due_at:
            break  # a pause after the deadline does not move it
        if pause.until > start:
            due_at += pause.until - start
            counted = pause.until
    return Deadline(due_at=due_at, provisional=False)
