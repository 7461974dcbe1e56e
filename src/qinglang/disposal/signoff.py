"""Layered sign-off (WS-27) and the regulator's review (WS-25).

A second person approves or returns a proposal; no one approves their own. A case
that WS-25 sends to the regulator waits in ``pending_regulator`` until a user with the
``regulator`` role approves (the decision takes effect), rejects (the case goes back
to review) or comments (it keeps waiting).
"""

from __future__ import annotations

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import Case, CaseProposal, RegulatorReview
from qinglang.db.engine import Database, UnitOfWork
from qinglang.disposal import effect
from qinglang.disposal.review import check_version, locked_case
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import Conflict, InvalidInput, PermissionDenied
from qinglang.ledger import LedgerEvent

PENDING_APPROVAL = "pending_approval"
RETURNED = "returned"
REJECTED = "rejected"


def _proposal(uow: UnitOfWork, case: Case, status: str) -> CaseProposal:
    proposal = uow.session.scalars(
        select(CaseProposal)
        .where(CaseProposal.case_id == case.id, CaseProposal.status == status)
        .order_by(CaseProposal.id.desc())
        .limit(1)
    ).first()
    if proposal is None:
        raise Conflict(f"case {case.id} has no proposal that is {status}", code="nothing_to_sign")
    return proposal


def _back_to_review(case: Case) -> None:
    case.status = lifecycle.OPEN
    case.claimed_by = None
    case.claim_expires_at = None


def sign_off(
    database: Database,
    *,
    actor: Actor,
    case_id: int,
    version: int,
    approve: bool,
    note: str,
    rules: DisposalRules,
) -> CaseProposal:
    """Approve a proposal (it goes on to the regulator or takes effect) or return it."""
    require(actor, Permission.CASES_APPROVE)
    note = note.strip()
    if not approve and not note:
        raise InvalidInput("say why the proposal is returned", code="reason_required")
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        check_version(case, version)
        if case.status != PENDING_APPROVAL:
            raise Conflict(f"case {case_id} is {case.status}", code="not_pending_approval")
        proposal = _proposal(uow, case, PENDING_APPROVAL)
        if proposal.proposed_by == actor.user_id:
            raise PermissionDenied("no one approves their own proposal", code="own_proposal")
        proposal.approved_by = actor.user_id
        proposal.approved_at = uow.clock.now()
        proposal.approval_note = note or None
        case.version += 1
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CASE_APPROVED if approve else LedgerEvent.CASE_RETURNED,
            subject=lifecycle.subject(case),
            payload={"proposal": proposal.id, "note": note or None},
        )
        if approve:
            effect.advance(uow, actor=actor, case=case, proposal=proposal, rules=rules)
        else:
            proposal.status = RETURNED
            _back_to_review(case)
        return proposal


def regulator_review(
    database: Database,
    *,
    actor: Actor,
    case_id: int,
    verdict: str,
    note: str,
    rules: DisposalRules,
) -> RegulatorReview:
    """The regulator's answer: ``approve``, ``reject`` (with a reason) or ``comment``."""
    require(actor, Permission.REGULATOR_REVIEW)
    if verdict not in ("approve", "reject", "comment"):
        raise InvalidInput("verdict is approve, reject or comment", code="invalid_verdict")
    note = note.strip()
    if verdict != "approve" and not note:
        raise InvalidInput("write the reason or the comment", code="reason_required")
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        review = uow.session.scalars(
            select(RegulatorReview)
            .where(RegulatorReview.case_id == case.id, RegulatorReview.status == "pending")
            .order_by(RegulatorReview.id.desc())
            .limit(1)
        ).first()
        if review is None or case.status != effect.PENDING_REGULATOR:
            raise Conflict(
                f"case {case_id} awaits no regulator review", code="not_pending_regulator"
            )
        now = uow.clock.now()
        proposal = uow.session.get(CaseProposal, review.proposal_id)
        assert proposal is not None
        case.version += 1
        if verdict == "comment":
            review.comments = [
                *review.comments,
                {"by": actor.ref, "at": now.isoformat(), "text": note},
            ]
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.REGULATOR_COMMENTED,
                subject=lifecycle.subject(case),
                payload={"level": review.level, "comment": note},
            )
            return review
        review.status = "approved" if verdict == "approve" else "rejected"
        review.decided_by = actor.user_id
        review.decided_at = now
        review.note = note or None
        ledger.append(
            uow,
            actor=actor,
            event=(
                LedgerEvent.REGULATOR_REVIEW_APPROVED
                if verdict == "approve"
                else LedgerEvent.REGULATOR_REVIEW_REJECTED
            ),
            subject=lifecycle.subject(case),
            payload={"level": review.level, "proposal": proposal.id, "note": note or None},
        )
        if verdict == "approve":
            effect.advance(uow, actor=actor, case=case, proposal=proposal, rules=rules)
        else:
            proposal.status = REJECTED
            _back_to_review(case)
        return review
