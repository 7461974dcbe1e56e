"""What one row adds to the statistics rollups (see :mod:`qinglang.oversight.rollups`):
counters, duration samples and distinct-target memberships per China-time day and
campaign key (``*`` for every report, the campaign's name, ``=name`` / ``=`` for the
periodic report's breakdown by exact campaign)."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from qinglang.cases.deadlines import CHINA
from qinglang.platform.adapter import ACCOUNT_MEASURES, LABEL_MEASURES

ALL = "*"
NO_DAY = date(1, 1, 1)  # "no earlier day" in statistics_distinct.since
RATIO = 1.01
ZERO_BUCKET = -(2**31) + 1
_LOG_RATIO = math.log(RATIO)
CLOSED = ("close",)
MUTED_OR_DEMONETISED = ("mute", "suspend_monetisation", "revoke_monetisation")
FOLLOWERS_CLEARED = ("clear_all_followers", "remove_violation_followers")
GROUPS: dict[str, frozenset[str]] = {
    "items_removed": frozenset({"remove"}),
    "content_labelled": frozenset(LABEL_MEASURES),
    "accounts_handled": frozenset(ACCOUNT_MEASURES),
    "accounts_closed": frozenset(CLOSED),
    "accounts_muted_or_demonetised": frozenset(MUTED_OR_DEMONETISED),
    "followers_cleared": frozenset(FOLLOWERS_CLEARED),
}

CountKey = tuple[str, date, str, str]  # campaign, day, category, figure
DurationKey = tuple[str, str, date, int]  # campaign, figure, day, bucket
MemberKey = tuple[str, str, str, date]  # campaign, figure, target, day
DistinctKey = tuple[str, str, date, date]  # campaign, figure, day, since


def bucket_of(us: int) -> int:
    return ZERO_BUCKET if us <= 0 else math.floor(math.log(us) / _LOG_RATIO)


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def _scopes(campaign: str | None) -> tuple[str, ...]:
    return (ALL,) if campaign is None else (ALL, campaign)


@dataclass
class Contribution:
    """What one row adds: counters, duration samples, distinct memberships."""

    counts: list[CountKey] = field(default_factory=list)
    durations: list[tuple[str, str, date, int, int]] = field(default_factory=list)
    members: list[MemberKey] = field(default_factory=list)

    def count(self, campaign: str | None, at: datetime, figure: str, category: str = "") -> None:
        day = china_day(at)
        self.counts.extend((k, day, category, figure) for k in _scopes(campaign))

    def duration(
        self, campaign: str | None, figure: str, later: datetime, earlier: datetime
    ) -> None:
        us = (later - earlier) // timedelta(microseconds=1)
        day, bucket = china_day(later), bucket_of(us)
        self.durations.extend((k, figure, day, bucket, us) for k in _scopes(campaign))

    def body(self) -> str:
        if not (self.counts or self.durations or self.members):
            return ""
        return json.dumps(
            {
                "c": [[k, d.isoformat(), cat, f] for k, d, cat, f in self.counts],
                "h": [[k, f, d.isoformat(), b, us] for k, f, d, b, us in self.durations],
                "d": [[k, f, t, d.isoformat()] for k, f, t, d in self.members],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def parse(cls, body: str) -> Contribution:
        if not body:
            return cls()
        data = json.loads(body)
        day = date.fromisoformat
        return cls(
            counts=[(k, day(d), cat, f) for k, d, cat, f in data["c"]],
            durations=[(k, f, day(d), b, us) for k, f, d, b, us in data["h"]],
            members=[(k, f, t, day(d)) for k, f, t, d in data["d"]],
        )


@dataclass
class Deltas:
    """How the rollups move for a run of entries."""

    counts: Counter[CountKey] = field(default_factory=Counter)
    durations: defaultdict[DurationKey, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    members: Counter[MemberKey] = field(default_factory=Counter)
    distinct: Counter[DistinctKey] = field(default_factory=Counter)
    contributions: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, contribution: Contribution, sign: int) -> None:
        for key in contribution.counts:
            self.counts[key] += sign
        for k, f, d, b, us in contribution.durations:
            cell = self.durations[(k, f, d, b)]
            cell[0] += sign
            cell[1] += sign * us
        for member in contribution.members:
            self.members[member] += sign


# -- what a row adds ---------------------------------------------------------------------


def report_contribution(row: Any) -> Contribution:
    _, campaign, received_at, accepted_at = row
    c = Contribution()
    c.count(campaign, received_at, "reports_received")
    if accepted_at is not None:
        c.count(campaign, accepted_at, "reports_accepted")
        c.duration(campaign, "acceptance", accepted_at, received_at)
    return c


def case_contribution(row: Any) -> Contribution:
    _, campaign, _category, opened_at, due_at, decided_at = row
    c = Contribution()
    if decided_at is not None:
        c.count(campaign, decided_at, "cases_decided")
        if due_at is None or decided_at <= due_at:
            c.count(campaign, decided_at, "decided_within_deadline")
        c.duration(campaign, "decision", decided_at, opened_at)
    return c


def measure_contribution(row: Any, campaign: str | None, category: str) -> Contribution:
    _, _case_id, code, on, target, starts_at, applied_at = row
    c = Contribution()
    if code == "refuse_report":
        c.count(campaign, starts_at, "reports_refused_malicious")
    if applied_at is None:
        return c
    c.count(campaign, applied_at, f"measure:{code}", category)
    c.duration(campaign, "action", applied_at, starts_at)
    day = china_day(applied_at)
    for name, codes in GROUPS.items():
        if code in codes:
            c.members.extend((k, name, target, day) for k in _scopes(campaign))
    exactly = "=" + (campaign or "")  # the periodic report's breakdown
    c.counts.append((exactly, day, category, f"b:{code}|{on}"))
    c.members.append((exactly, f"b|{code}|{on}|{category}", target, day))
    return c


def objection_contribution(row: Any, campaign: str | None) -> Contribution:
    _, _case_id, received_at, outcome, decided_at = row
    c = Contribution()
    c.count(campaign, received_at, "objections_received")
    if decided_at is not None:
        c.count(campaign, decided_at, f"objection:{outcome}")
    return c


def standing_contribution(
    level: str, updated_at: datetime, campaigns: Iterable[str]
) -> Contribution:
    c = Contribution()
    if level == "refused":
        day = china_day(updated_at)
        c.counts.extend((k, day, "", "reporters_refused") for k in (ALL, *sorted(campaigns)))
    return c
