"""Objections (WS-24): the reported party objects, with evidence; the platform decides again.

Within the window after a decision (``objection_window_days``, the platform's choice)
the reported party — through the platform, which relays it — objects with its
statement and evidence of non-infringement; without evidence, or late, it is refused.
The case reopens as ``objection_review`` showing both sides' evidence. The outcome is
``uphold`` (the measures stand), ``modify`` (they are replaced) or ``revoke`` (they are
withdrawn and the content is restored through the platform).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import Objection
from qinglang.db.engine import Database
from qinglang.disposal import effect, telling
from qinglang.disposal.review import (
    ProposedMeasure,
    case_facts,
    check_version,
    latest_assessment,
    locked_case,
    pack_of,
)
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import Conflict, InvalidInput
from qinglang.intake.models import Evidence
from qinglang.ledger import LedgerEvent
from qinglang.measures.models import LIVE_STATUSES, Measure
from qinglang.measures.service import MeasureOrder, record_measures, revoke_measure
from qinglang.platform.adapter import PlatformAdapter
from qinglang.policy.engine import evaluate
from qinglang.policy.model import Pack

OBJECTION_REVIEW = "objection_review"
DECIDED = "decided"
OUTCOMES = {"uphold": "upheld", "modify": "modified", "revoke": "revoked"}


def object_to(
    database: Database,
    *,
    actor: Actor,
    case_id: int,
    party: str,
    statement: str,
    evidence: Sequence[str],
    window: timedelta,
) -> Objection:
    """Receive an objection to case ``case_id``'s decision."""
    require(actor, Permission.OBJECTIONS_SUBMIT)
    if not statement.strip():
        raise InvalidInput("state the grounds of the objection", code="statement_missing")
    if not evidence:
        raise InvalidInput(
            "an objection must bring evidence that the content does not infringe (WS-24)",
            code="objection_evidence_required",
        )
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        if case.status != DECIDED or case.decided_at is None:
            raise Conflict(f"case {case_id} is {case.status}", code="not_decided")
        now = uow.clock.now()
        if now > case.decided_at + window:
            raise InvalidInput(
                f"the objection window closed {window.days} days after the decision",
                code="objection_window_closed",
                details={"closed_at": (case.decided_at + window).isoformat()},
            )
        found = set(uow.session.scalars(select(Evidence.id).where(Evidence.id.in_(evidence))))
        unknown = sorted(set(evidence) - found)
        if unknown:
            raise InvalidInput(
                "unknown evidence", code="unknown_evidence", details={"evidence": unknown}
            )
        objection = Objection(
            case_id=case.id,
            party=party.strip()[:128],
            statement=statement.strip(),
            evidence=list(evidence),
            received_at=now,
            submitted_by=actor.ref,
        )
        uow.session.add(objection)
        uow.session.flush()
        case.status = OBJECTION_REVIEW
        case.version += 1
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.OBJECTION_RECEIVED,
            subject=lifecycle.subject(case),
            payload={
                "objection": objection.id,
                "party": objection.party,
                "evidence": list(evidence),
            },
        )
        return objection


def decide_objection(
    database: Database,
    *,
    actor: Actor,
    case_id: int,
    version: int,
    outcome: str,
    reason: str,
    packs: Mapping[str, Pack],
    adapter: PlatformAdapter | None,
    rules: DisposalRules,
    replacement: Sequence[ProposedMeasure] = (),
) -> Objection:
    """Uphold, modify (with ``replacement`` orders) or revoke (and restore) the decision."""
    require(actor, Permission.CASES_REVIEW)
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome is uphold, modify or revoke", code="invalid_outcome")
    if not reason.strip():
        raise InvalidInput("give the reason for the outcome", code="reason_required")
    if outcome == "modify" and not replacement:
        raise InvalidInput("a modification names the new measures", code="measures_required")
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        check_version(case, version)
        if case.status != OBJECTION_REVIEW:
            raise Conflict(f"case {case_id} is {case.status}", code="no_objection_pending")
        objection = uow.session.scalars(
            select(Objection)
            .where(Objection.case_id == case.id, Objection.outcome.is_(None))
            .order_by(Objection.id.desc())
        ).first()
        assert objection is not None
        if outcome in ("modify", "revoke"):
            live = list(
                uow.session.scalars(
                    select(Measure).where(
                        Measure.case_id == case.id, Measure.status.in_(LIVE_STATUSES)
                    )
                )
            )
            for measure in live:
                revoke_measure(uow, actor=actor, measure_id=measure.id, reason=reason)
            restores = [
                MeasureOrder(
                    code="restore",
                    on="content",
                    target=m.target,
                    basis=[{"id": "WS-24", "article": "第二十四条"}],
                )
                for m in live
                if m.on == "content" and m.target.startswith("post:")
            ]
            orders = restores
            if outcome == "modify":
                assessment = latest_assessment(uow, case.id)
                if assessment is None:
                    raise Conflict("the case has no recorded facts", code="facts_not_recorded")
                pack = pack_of(packs, case)
                decision = evaluate(pack, case_facts(case, assessment))
                orders += effect.orders_for(uow, pack, case, decision, replacement, adapter=adapter)
            if orders:
                record_measures(uow, actor=actor, case_id=case.id, orders=orders)
        objection.outcome = OUTCOMES[outcome]
        objection.reason = reason.strip()
        objection.decided_by = actor.user_id
        objection.decided_at = uow.clock.now()
        case.status = DECIDED
        case.version += 1
        telling.objection_answered(uow, case=case, objection=objection, rules=rules)
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.OBJECTION_DECIDED,
            subject=lifecycle.subject(case),
            payload={"objection": objection.id, "outcome": objection.outcome, "reason": reason},
        )
        return objection
