"""A reviewer marks evidence forged (WS-18); the reporter's record is recounted at once."""

from __future__ import annotations

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.db.engine import Database
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.intake.models import ForgedEvidence, Report, ReporterStanding, ReportEvidence
from qinglang.intake.standing import reassess
from qinglang.ledger import LedgerEvent, Subject, SubjectType


def mark_forged(
    database: Database,
    *,
    actor: Actor,
    case_id: int,
    evidence_id: str,
    reason: str,
    rules: DisposalRules,
) -> ReporterStanding | None:
    """Record that ``evidence_id`` (of a report in case ``case_id``) is forged; the
    reporter's standing after recounting."""
    require(actor, Permission.CASES_REVIEW)
    if not reason.strip():
        raise InvalidInput("say how the evidence was found forged", code="reason_required")
    with database.unit_of_work() as uow:
        found = uow.session.execute(
            select(Report)
            .join(ReportEvidence, ReportEvidence.report_id == Report.id)
            .where(ReportEvidence.evidence_id == evidence_id, Report.case_id == case_id)
        ).scalar_one_or_none()
        if found is None:
            raise NotFound("no such evidence among this case's reports", code="evidence_not_found")
        already = uow.session.scalars(
            select(ForgedEvidence.id).where(ForgedEvidence.evidence_id == evidence_id)
        ).first()
        if already is not None:
            raise Conflict("this evidence is already marked forged", code="already_marked")
        uow.session.add(
            ForgedEvidence(
                evidence_id=evidence_id,
                report_id=found.id,
                reason=reason.strip(),
                marked_by=actor.ref,
                marked_at=uow.clock.now(),
            )
        )
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.EVIDENCE_MARKED_FORGED,
            subject=Subject.of(SubjectType.EVIDENCE, evidence_id),
            payload={"case": case_id, "report": found.tracking_no, "reason": reason.strip()},
        )
        return reassess(uow, actor=actor, reporter_key=found.reporter_key, policy=rules.reporters)
