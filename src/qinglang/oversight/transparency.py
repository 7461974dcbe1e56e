"""Handling results by category for the public transparency page (BS-1, RC-1).

The period totals come from :func:`qinglang.oversight.statistics.figures` (one definition
of each figure for the dashboard, the periodic reports and this page); this module adds the
same figures split by category, each one grouped query over an index on its time column:
reports received (``received_at``), cases decided (``decided_at``), content removed
(distinct posts a ``remove`` measure was applied to, ``applied_at``) and accounts handled
(distinct accounts an account measure was applied to).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from qinglang.cases.models import Case
from qinglang.db.engine import Database
from qinglang.intake.models import Report
from qinglang.measures.models import Measure
from qinglang.oversight.statistics import check_period, figures
from qinglang.platform.adapter import ACCOUNT_MEASURES

FIGURES = ("reports_received", "cases_decided", "items_removed", "accounts_handled")


def public_results(database: Database, *, start: date, end: date) -> dict[str, Any]:
    """The period's totals and the same figures by category (China-time days, both included).

    Public figures: counts only, no names, no tracking numbers, no actor.
    """
    period = check_period(start, end)
    since, until = period.since, period.until
    with database.unit_of_work(read_only=True) as uow:
        session = uow.session
        totals = figures(session, campaign=None, period=period)
        received = session.execute(
            select(Report.category, func.count())
            .where(Report.received_at >= since, Report.received_at < until)
            .group_by(Report.category)
        ).all()
        decided = session.execute(
            select(Case.category, func.count())
            .where(Case.decided_at >= since, Case.decided_at < until)
            .group_by(Case.category)
        ).all()
        applied = [Measure.applied_at >= since, Measure.applied_at < until]
        removed = session.execute(
            select(Case.category, func.count(func.distinct(Measure.target)))
            .join(Case, Case.id == Measure.case_id)
            .where(Measure.code == "remove", *applied)
            .group_by(Case.category)
        ).all()
        accounts = session.execute(
            select(Case.category, func.count(func.distinct(Measure.target)))
            .join(Case, Case.id == Measure.case_id)
            .where(Measure.code.in_(sorted(ACCOUNT_MEASURES)), *applied)
            .group_by(Case.category)
        ).all()
    rows: dict[str, dict[str, int]] = {}
    for name, found in zip(FIGURES, (received, decided, removed, accounts), strict=True):
        for category, count in found:
            rows.setdefault(category, dict.fromkeys(FIGURES, 0))[name] = int(count)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "totals": {name: int(totals[name]) for name in FIGURES}
        | {"reports_accepted": int(totals["reports_accepted"])},
        "by_category": [{"category": c} | rows[c] for c in sorted(rows)],
    }
