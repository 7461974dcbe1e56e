"""Malicious reports (WS-18): a reporter's record, and what it leads to.

Per reporter (``reporter_key``) and over a window, count the reports and the share
found unfounded — decided with no measure on content or account, or refused — and
the evidence found forged. The factors follow the EU DSA's Art. 23 (number,
proportion, gravity, intent): past the thresholds (settings) the reporter is
``warned``, then ``deprioritised`` (their cases go to the back of the queue), then
``refused`` for a period; one forged item warns at once, two refuse. Every step is a
ledger entry with the counts that led to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cases.models import Case
from qinglang.db.engine import UnitOfWork
from qinglang.errors import PermissionDenied
from qinglang.intake.models import ForgedEvidence, Report, ReporterStanding
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.measures.models import Measure

LEVELS = ("warned", "deprioritised", "refused")


@dataclass(frozen=True, slots=True)
class ReporterPolicy:
    """The platform's thresholds (settings), one standard for every reporter."""

    window: timedelta = timedelta(days=90)
    warn_reports: int = 5
    warn_share: float = 0.5
    deprioritise_reports: int = 8
    deprioritise_share: float = 0.7
    refuse_reports: int = 12
    refuse_share: float = 0.8
    refuse_days: int = 30


class ReporterRestricted(PermissionDenied):
    code = "reporter_restricted"


def check_allowed(uow: UnitOfWork, reporter_key: str) -> ReporterStanding | None:
    """The reporter's standing; :class:`ReporterRestricted` while they are refused."""
    standing = uow.session.get(ReporterStanding, reporter_key)
    if standing is None:
        return None
    now = uow.clock.now()
    if standing.level == "refused" and standing.until is not None and standing.until > now:
        why = standing.basis.get("why", "malicious reports")
        raise ReporterRestricted(
            f"reports from this reporter are refused until {standing.until.isoformat()} "
            f"(WS-18: {why})",
            details={"until": standing.until.isoformat()},
        )
    return standing


def reporter_counts(uow: UnitOfWork, reporter_key: str, since: datetime) -> dict[str, int]:
    """A reporter's reports since ``since``: made, decided, unfounded, forged (WS-18)."""
    reports = list(
        uow.session.execute(
            select(Report.id, Report.case_id, Case.status)
            .outerjoin(Case, Case.id == Report.case_id)
            .where(Report.reporter_key == reporter_key, Report.received_at >= since)
        )
    )
    decided = [(rid, cid) for rid, cid, status in reports if status == "decided"]
    case_ids = {cid for _, cid in decided}
    acted = set(
        uow.session.scalars(
            select(Measure.case_id).where(
                Measure.case_id.in_(case_ids), Measure.on.in_(("content", "account"))
            )
        )
    )
    refused = {
        int(t.removeprefix("report:"))
        for t in uow.session.scalars(
            select(Measure.target).where(
                Measure.case_id.in_(case_ids), Measure.code == "refuse_report"
            )
        )
    }
    unfounded = sum(1 for rid, cid in decided if cid not in acted or rid in refused)
    forged = (
        uow.session.scalar(
            select(func.count())
            .select_from(ForgedEvidence)
            .join(Report, Report.id == ForgedEvidence.report_id)
            .where(Report.reporter_key == reporter_key)
        )
        or 0
    )
    return {
        "reports": len(reports),
        "decided": len(decided),
        "unfounded": unfounded,
        "forged": forged,
    }


def _level(counts: dict[str, int], policy: ReporterPolicy) -> tuple[str | None, str]:
    n, bad, forged = counts["decided"], counts["unfounded"], counts["forged"]
    share = bad / n if n else 0.0
    if forged >= 2 or (n >= policy.refuse_reports and share >= policy.refuse_share):
        return "refused", "forged evidence twice" if forged >= 2 else "mostly unfounded reports"
    if n >= policy.deprioritise_reports and share >= policy.deprioritise_share:
        return "deprioritised", "a large share of unfounded reports"
    if forged >= 1 or (n >= policy.warn_reports and share >= policy.warn_share):
        return "warned", "forged evidence" if forged else "many unfounded reports"
    return None, ""


def reassess(
    uow: UnitOfWork, *, actor: Actor, reporter_key: str, policy: ReporterPolicy
) -> ReporterStanding | None:
    """Recount ``reporter_key``'s record and move their standing up if it calls for it.

    Standing only rises here; a refusal lapses at ``until``, a warning stays on record.
    """
    now = uow.clock.now()
    counts = reporter_counts(uow, reporter_key, now - policy.window)
    level, why = _level(counts, policy)
    standing = uow.session.get(ReporterStanding, reporter_key)
    current = standing.level if standing else None
    lapsed = standing is not None and standing.until is not None and standing.until <= now
    if level is None or (
        current is not None and not lapsed and LEVELS.index(level) <= LEVELS.index(current)
    ):
        return standing
    basis: dict[str, Any] = counts | {
        "share": round(counts["unfounded"] / counts["decided"], 3) if counts["decided"] else 0.0,
        "why": why,
        "window_days": policy.window.days,
    }
    until = now + timedelta(days=policy.refuse_days) if level == "refused" else None
    if standing is None:
        standing = ReporterStanding(
            reporter_key=reporter_key, level=level, until=until, basis=basis, updated_at=now
        )
        uow.session.add(standing)
    else:
        standing.level, standing.until, standing.basis, standing.updated_at = (
            level,
            until,
            basis,
            now,
        )
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.REPORTER_WARNED if level == "warned" else LedgerEvent.REPORTER_RESTRICTED,
        subject=Subject.of(SubjectType.SYSTEM, f"reporter:{reporter_key[:16]}"),
        payload={
            "reporter": reporter_key,
            "level": level,
            "until": until.isoformat() if until else None,
        }
        | basis,
    )
    return standing
