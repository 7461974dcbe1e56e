"""The statistics counted from the rows by one query per figure (the reference the
rollups are checked against, see :mod:`qinglang.oversight.statistics` for what each figure
means).

Each figure is one query over an index on its time column (migration 0011): the cases'
decisions are read from ``ix_cases_decided_at`` alone, medians by ``percentile_cont`` on
PostgreSQL and by ``ORDER BY … LIMIT 2 OFFSET n/2`` on SQLite. That still reads every row
of the period: at a million cases a year's figures take seconds, which is why requests
are answered from the rollups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, case, cast, func, select, text
from sqlalchemy.orm import Session

from qinglang.cases.models import Case, Objection
from qinglang.intake.models import Report, ReporterStanding
from qinglang.measures.models import Measure
from qinglang.oversight.rollup_contributions import (
    CLOSED,
    FOLLOWERS_CLEARED,
    MUTED_OR_DEMONETISED,
)
from qinglang.oversight.statistics import REVERSALS, Period
from qinglang.platform.adapter import ACCOUNT_MEASURES, LABEL_MEASURES


def _seconds(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _median(
    session: Session, dialect: str, value: ColumnElement[float], where: Sequence[Any], joins: Any
) -> float | None:
    """The median of ``value`` over the rows ``where`` selects (None if there are none)."""
    if dialect == "postgresql":
        query: Select[Any] = select(func.percentile_cont(0.5).within_group(value))
        found = session.scalar(joins(query).where(*where))
        return None if found is None else round(float(found), 3)
    count = session.scalar(joins(select(func.count())).where(*where)) or 0
    if count == 0:
        return None
    middle = list(
        session.scalars(
            joins(select(value))
            .where(*where)
            .order_by(value)
            .limit(2 - count % 2)
            .offset((count - 1) // 2)
        )
    )
    return round(sum(float(v) for v in middle) / len(middle), 3)


def _no_join(query: Select[Any]) -> Select[Any]:
    return query


def _case_join(campaign: str | None, column: Any) -> Any:
    """Restrict a query on measures or objections to one campaign's cases."""
    if campaign is None:
        return _no_join

    def join(query: Select[Any]) -> Select[Any]:
        return query.join(Case, Case.id == column).where(Case.campaign == campaign)

    return join


def _report_figures(
    session: Session, dialect: str, campaign: str | None, period: Period
) -> dict[str, Any]:
    scope = [] if campaign is None else [Report.campaign == campaign]
    received = session.scalar(
        select(func.count())
        .select_from(Report)
        .where(Report.received_at >= period.since, Report.received_at < period.until, *scope)
    )
    accepted_where = [
        Report.accepted_at >= period.since,
        Report.accepted_at < period.until,
        *scope,
    ]
    accepted = session.scalar(select(func.count()).select_from(Report).where(*accepted_where))
    median = _median(
        session,
        dialect,
        _seconds(dialect, Report.accepted_at, Report.received_at),
        accepted_where,
        lambda q: q.select_from(Report),
    )
    join = _case_join(campaign, Measure.case_id)
    refused = session.scalar(
        join(select(func.count()).select_from(Measure)).where(
            Measure.code == "refuse_report",
            Measure.starts_at >= period.since,
            Measure.starts_at < period.until,
        )
    )
    reporters = select(func.count()).select_from(ReporterStanding)
    if campaign is not None:
        reporters = reporters.where(
            select(Report.id)
            .where(Report.reporter_key == ReporterStanding.reporter_key, *scope)
            .exists()
        )
    reporters_refused = session.scalar(
        reporters.where(
            ReporterStanding.level == "refused",
            ReporterStanding.updated_at >= period.since,
            ReporterStanding.updated_at < period.until,
        )
    )
    return {
        "reports_received": received or 0,
        "reports_accepted": accepted or 0,
        "reports_refused_malicious": refused or 0,
        "reporters_refused": reporters_refused or 0,
        "median_seconds_to_acceptance": median,
    }


def _case_figures(
    session: Session, dialect: str, campaign: str | None, period: Period
) -> dict[str, Any]:
    where = [Case.decided_at >= period.since, Case.decided_at < period.until]
    if campaign is not None:
        where.append(Case.campaign == campaign)
    within = case((Case.due_at.is_(None) | (Case.decided_at <= Case.due_at), 1), else_=0)
    decided, in_time = session.execute(
        select(func.count(), func.coalesce(func.sum(within), 0)).select_from(Case).where(*where)
    ).one()
    median = _median(
        session,
        dialect,
        _seconds(dialect, Case.decided_at, Case.opened_at),
        where,
        lambda q: q.select_from(Case),
    )
    return {
        "cases_decided": int(decided),
        "decided_within_deadline": int(in_time),
        "share_within_deadline": round(int(in_time) / int(decided), 4) if decided else None,
        "median_seconds_to_decision": median,
    }


def _distinct(codes: Sequence[str]) -> ColumnElement[int]:
    return func.count(func.distinct(case((Measure.code.in_(codes), Measure.target))))


def _measure_figures(
    session: Session, dialect: str, campaign: str | None, period: Period
) -> dict[str, Any]:
    join = _case_join(campaign, Measure.case_id)
    where = [Measure.applied_at >= period.since, Measure.applied_at < period.until]
    by_kind = {
        code: int(n)
        for code, n in session.execute(
            join(select(Measure.code, func.count()).select_from(Measure))
            .where(*where)
            .group_by(Measure.code)
            .order_by(Measure.code)
        )
    }
    row = session.execute(
        join(
            select(
                _distinct(("remove",)),
                _distinct(LABEL_MEASURES),
                _distinct(sorted(ACCOUNT_MEASURES)),
                _distinct(CLOSED),
                _distinct(MUTED_OR_DEMONETISED),
                _distinct(FOLLOWERS_CLEARED),
            ).select_from(Measure)
        ).where(*where)
    ).one()
    by_category_query = (
        select(Case.category, func.count())
        .select_from(Measure)
        .join(Case, Case.id == Measure.case_id)
        .where(*where)
    )
    if campaign is not None:
        by_category_query = by_category_query.where(Case.campaign == campaign)
    by_category = {
        category: int(n)
        for category, n in session.execute(
            by_category_query.group_by(Case.category).order_by(Case.category)
        )
    }
    median = _median(
        session,
        dialect,
        _seconds(dialect, Measure.applied_at, Measure.starts_at),
        where,
        lambda q: join(q.select_from(Measure)),
    )
    return {
        "items_removed": int(row[0]),
        "content_labelled": int(row[1]),
        "accounts_handled": int(row[2]),
        "accounts_closed": int(row[3]),
        "accounts_muted_or_demonetised": int(row[4]),
        "followers_cleared": int(row[5]),
        "measures_applied": sum(by_kind.values()),
        "measures_by_kind": by_kind,
        "measures_by_category": by_category,
        "median_seconds_to_action": median,
    }


def _objection_figures(session: Session, campaign: str | None, period: Period) -> dict[str, Any]:
    join = _case_join(campaign, Objection.case_id)
    received = session.scalar(
        join(select(func.count()).select_from(Objection)).where(
            Objection.received_at >= period.since, Objection.received_at < period.until
        )
    )
    outcomes = {
        str(outcome): int(n)
        for outcome, n in session.execute(
            join(select(Objection.outcome, func.count()).select_from(Objection))
            .where(Objection.decided_at >= period.since, Objection.decided_at < period.until)
            .group_by(Objection.outcome)
        )
    }
    return {
        "objections_received": received or 0,
        "objections_decided": sum(outcomes.values()),
        "reversals": sum(outcomes.get(o, 0) for o in REVERSALS),
        "reversals_by_outcome": {o: outcomes.get(o, 0) for o in REVERSALS},
    }


def exact_figures(session: Session, *, campaign: str | None, period: Period) -> dict[str, Any]:
    """Every figure of ``period`` (checked) counted from the rows, in the caller's session."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # a million rows' medians sort in memory, not on disk
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    return {
        "campaign": campaign,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "time_zone": "Asia/Shanghai",
        **_report_figures(session, dialect, campaign, period),
        **_case_figures(session, dialect, campaign, period),
        **_measure_figures(session, dialect, campaign, period),
        **_objection_figures(session, campaign, period),
    }


def _china_day(dialect: str, column: Any) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.date(column, "+8 hours")  # China keeps no summer time


def exact_daily(session: Session, *, campaign: str | None, period: Period) -> list[dict[str, Any]]:
    """Per China-time day of ``period``: reports received and cases decided."""
    days = {
        (period.start + timedelta(days=i)).isoformat(): {"received": 0, "decided": 0}
        for i in range(period.days)
    }
    dialect = session.get_bind().dialect.name
    for key, column, scope in (
        ("received", Report.received_at, Report.campaign),
        ("decided", Case.decided_at, Case.campaign),
    ):
        day = _china_day(dialect, column)
        query = (
            select(day, func.count())
            .where(column >= period.since, column < period.until)
            .group_by(day)
        )
        if campaign is not None:
            query = query.where(scope == campaign)
        for found, n in session.execute(query):
            if str(found) in days:
                days[str(found)][key] = int(n)
    return [{"date": d, **counts} for d, counts in days.items()]


def exact_measure_breakdown(session: Session, *, period: Period) -> list[dict[str, Any]]:
    """Measures applied in ``period`` by measure, category and campaign: how many, on how
    many distinct targets (for the periodic report's tables)."""
    rows = session.execute(
        select(
            Measure.code,
            Measure.on,
            Case.category,
            Case.campaign,
            func.count(),
            func.count(func.distinct(Measure.target)),
        )
        .join(Case, Case.id == Measure.case_id)
        .where(Measure.applied_at >= period.since, Measure.applied_at < period.until)
        .group_by(Measure.code, Measure.on, Case.category, Case.campaign)
    )
    found = [
        {
            "measure": code,
            "on": on,
            "category": category,
            "campaign": campaign,
            "measures": int(n),
            "targets": int(targets),
        }
        for code, on, category, campaign, n, targets in rows
    ]
    # NULL sorts differently on the two databases: sort here, the campaign-less first
    return sorted(found, key=lambda r: (r["on"], r["measure"], r["category"], r["campaign"] or ""))
