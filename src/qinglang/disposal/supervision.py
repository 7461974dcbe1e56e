"""Internal supervision (WS-27): decided cases drawn at random for a second review.

A share of decisions (``QINGLANG_SECOND_REVIEW_SHARE``) is drawn as it takes effect.
A reviewer who neither proposed nor approved it records whether they agree; the
disagreements are counted for the compliance officer. Both steps are ledger entries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import Case, CaseProposal, SecondReview
from qinglang.db.engine import Database, UnitOfWork
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from qinglang.ledger import LedgerEvent


def maybe_draw(
    uow: UnitOfWork, *, actor: Actor, case: Case, proposal: CaseProposal, rules: DisposalRules
) -> SecondReview | None:
    """Draw ``case`` for a second review with probability ``rules.second_review_share``."""
    if rules.draw.random() >= rules.second_review_share:
        return None
    drawn = SecondReview(case_id=case.id, proposal_id=proposal.id, drawn_at=uow.clock.now())
    uow.session.add(drawn)
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.SECOND_REVIEW_DRAWN,
        subject=lifecycle.subject(case),
        payload={"proposal": proposal.id, "share": rules.second_review_share},
    )
    return drawn


def record(
    database: Database, *, actor: Actor, case_id: int, agrees: bool, note: str
) -> SecondReview:
    require(actor, Permission.CASES_REVIEW)
    if not agrees and not note.strip():
        raise InvalidInput("say where the decision went wrong", code="reason_required")
    with database.unit_of_work() as uow:
        review = uow.session.scalars(
            select(SecondReview).where(SecondReview.case_id == case_id).with_for_update()
        ).first()
        if review is None:
            raise NotFound(f"case {case_id} was not drawn for a second review", code="not_drawn")
        if review.agrees is not None:
            raise Conflict("this second review is already recorded", code="already_recorded")
        proposal = uow.session.get(CaseProposal, review.proposal_id)
        if proposal is not None and actor.user_id in (proposal.proposed_by, proposal.approved_by):
            raise PermissionDenied(
                "a second review is by someone who took no part in the decision",
                code="own_decision",
            )
        review.agrees = agrees
        review.note = note.strip() or None
        review.reviewed_by = actor.user_id
        review.reviewed_at = uow.clock.now()
        case = uow.session.get(Case, case_id)
        assert case is not None
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.SECOND_REVIEW_RECORDED,
            subject=lifecycle.subject(case),
            payload={"agrees": agrees, "note": review.note},
        )
        return review


def summary(database: Database, *, actor: Actor) -> dict[str, Any]:
    """How many were drawn, reviewed, and disagreed with; the pending case ids."""
    require(actor, Permission.REPORTS_READ)
    with database.unit_of_work(read_only=True) as uow:
        counts = dict(
            uow.session.execute(
                select(SecondReview.agrees, func.count()).group_by(SecondReview.agrees)
            ).all()
        )
        pending = list(
            uow.session.scalars(
                select(SecondReview.case_id)
                .where(SecondReview.agrees.is_(None))
                .order_by(SecondReview.id)
                .limit(200)
            )
        )
    agreed, disagreed = counts.get(True, 0), counts.get(False, 0)
    return {
        "drawn": agreed + disagreed + counts.get(None, 0),
        "reviewed": agreed + disagreed,
        "disagreed": disagreed,
        "disagreement_rate": round(disagreed / (agreed + disagreed), 3)
        if agreed + disagreed
        else None,
        "pending": pending,
    }
