"""Which records have expired under the retention period (WS-28), and which are held.

Read-only queries for :mod:`qinglang.oversight.retention`: the rules are in its
docstring. A case expires with everything hanging off it; a report that never joined a
case by its own times; nothing held, and nothing a remaining report names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from qinglang.cases.models import (
    Case,
    CaseAssessment,
    CaseProposal,
    CaseTarget,
    Objection,
    RegulatorReview,
    SecondReview,
)
from qinglang.intake.models import (
    Report,
)
from qinglang.ledger import SubjectType
from qinglang.measures.models import UNDELIVERED_STATUSES, Measure, OutboxMessage
from qinglang.notices.models import Notice
from qinglang.platform.models import PlatformAccount, PlatformPost


@dataclass(frozen=True, slots=True)
class Held:
    """What the active holds keep, as case ids, report ids and ledger subjects."""

    cases: frozenset[int]
    reports: frozenset[int]
    ledger_subjects: frozenset[tuple[str, str]]


def held(session: Session, holds: Iterable[tuple[str, str]]) -> Held:
    cases: set[int] = set()
    reports: set[int] = set()
    subjects: set[tuple[str, str]] = set()
    accounts: set[int] = set()
    for kind, ident in holds:
        if kind == "case" and ident.isdigit():
            cases.add(int(ident))
        elif kind == "report":
            row = session.execute(
                select(Report.id, Report.case_id).where(Report.tracking_no == ident)
            ).first()
            if row is not None:
                reports.add(row[0])
                if row[1] is not None:
                    cases.add(row[1])
        elif kind == "account" and ident.isdigit():
            accounts.add(int(ident))
        elif kind == "subject":
            subjects.add((SubjectType.ACCOUNT.value, ident))
            named = or_(Report.right_holder_credit_code == ident, Report.right_holder_name == ident)
            for report_id, case_id in session.execute(
                select(Report.id, Report.case_id).where(named)
            ):
                reports.add(report_id)
                if case_id is not None:
                    cases.add(case_id)
            accounts.update(
                session.scalars(
                    select(PlatformAccount.id).where(PlatformAccount.subject_name == ident)
                )
            )
    for account in accounts:
        subjects.add((SubjectType.PLATFORM_ACCOUNT.value, str(account)))
        posts = session.scalars(select(PlatformPost.id).where(PlatformPost.account_id == account))
        keys = [f"account:{account}", *(f"content:{post}" for post in posts)]
        cases.update(
            session.scalars(select(CaseTarget.case_id).where(CaseTarget.target_key.in_(keys)))
        )
    reports.update(session.scalars(select(Report.id).where(Report.case_id.in_(cases))))
    subjects.update((SubjectType.CASE.value, str(case)) for case in cases)
    subjects.update(
        (SubjectType.REPORT.value, tracking)
        for tracking in session.scalars(select(Report.tracking_no).where(Report.id.in_(reports)))
    )
    subjects.update(
        (SubjectType.MEASURE.value, str(m))
        for m in session.scalars(select(Measure.id).where(Measure.case_id.in_(cases)))
    )
    return Held(frozenset(cases), frozenset(reports), frozenset(subjects))


def is_young(column: Any, cutoff: datetime) -> ColumnElement[bool]:
    return column >= cutoff  # type: ignore[no-any-return]


def young_cases(session: Session, ids: Collection[int], cutoff: datetime) -> set[int]:
    """Of ``ids``, the cases some record of which is younger than the cutoff (or still live)."""
    checks: list[tuple[Any, list[Any], list[ColumnElement[bool]]]] = [
        (Report.case_id, [Report.received_at, Report.accepted_at, Report.closed_at], []),
        (
            Measure.case_id,
            [Measure.starts_at, Measure.applied_at, Measure.ended_at, Measure.expires_at],
            [Measure.status.in_(UNDELIVERED_STATUSES)],
        ),
        (Notice.case_id, [Notice.created_at, Notice.sent_at], []),
        (
            Objection.case_id,
            [Objection.received_at, Objection.decided_at],
            [Objection.decided_at.is_(None)],
        ),
        (CaseAssessment.case_id, [CaseAssessment.recorded_at], []),
        (CaseProposal.case_id, [CaseProposal.proposed_at, CaseProposal.approved_at], []),
        (RegulatorReview.case_id, [RegulatorReview.sent_at, RegulatorReview.decided_at], []),
        (SecondReview.case_id, [SecondReview.drawn_at, SecondReview.reviewed_at], []),
    ]
    young: set[int] = set()
    for key, times, live in checks:
        condition = or_(*(is_young(t, cutoff) for t in times), *live)
        young.update(session.scalars(select(key).where(key.in_(ids), condition).distinct()))
    outbox = select(Measure.case_id).join(OutboxMessage, OutboxMessage.measure_id == Measure.id)
    young.update(
        session.scalars(
            outbox.where(
                Measure.case_id.in_(ids),
                or_(
                    is_young(OutboxMessage.created_at, cutoff),
                    is_young(OutboxMessage.delivered_at, cutoff),
                ),
            )
        )
    )
    return young


def expired_cases(
    session: Session, cutoff: datetime, keep: Held, limit: int, skip: set[int]
) -> list[int]:
    """Up to ``limit`` expired, unheld cases, oldest first."""
    chosen: list[int] = []
    after = 0
    while len(chosen) < limit:
        ids = list(
            session.scalars(
                select(Case.id)
                .where(
                    Case.id > after,
                    or_(Case.closed_at.is_not(None), Case.decided_at.is_not(None)),
                    Case.opened_at < cutoff,
                    or_(Case.closed_at.is_(None), Case.closed_at < cutoff),
                    or_(Case.decided_at.is_(None), Case.decided_at < cutoff),
                    or_(Case.escalated_at.is_(None), Case.escalated_at < cutoff),
                )
                .order_by(Case.id)
                .limit(limit * 2)
            )
        )
        if not ids:
            break
        after = ids[-1]
        candidates = [i for i in ids if i not in keep.cases and i not in skip]
        young = young_cases(session, candidates, cutoff)
        chosen.extend(i for i in candidates if i not in young)
    return chosen[:limit]


def expired_reports(
    session: Session, cutoff: datetime, keep: Held, limit: int, skip: set[int]
) -> list[int]:
    """Up to ``limit`` closed reports that never joined a case, all of whose times are old."""
    query = (
        select(Report.id)
        .where(
            Report.case_id.is_(None),
            Report.closed_at.is_not(None),
            Report.closed_at < cutoff,
            Report.received_at < cutoff,
            or_(Report.accepted_at.is_(None), Report.accepted_at < cutoff),
        )
        .order_by(Report.id)
    )
    ids = [
        i
        for i in session.scalars(query.limit(limit * 4))
        if i not in keep.reports and i not in skip
    ]
    return ids[:limit]


def referenced_from_outside(session: Session, report_ids: Collection[int]) -> set[int]:
    """Reports in the set that a report outside it names as its original (duplicate_of)."""
    rows = session.execute(
        select(Report.duplicate_of, Report.id).where(Report.duplicate_of.in_(report_ids))
    )
    return {o for o, report in rows if o is not None and report not in report_ids}
