"""A reviewer's work on a case: claim it, record facts and conditions, propose a decision.

A claim is an exclusive lease that expires; every change names the case version it
read and is refused (409 ``stale_version``) if the case changed since. A reviewer
who declared a link to one of the case's parties cannot claim it (WS-26). The
engine's recommendation is computed from the recorded facts; a proposal that departs
from it needs a written reason and a second person (WS-27), as do the measures the
pack marks; WS-25 sends it to the regulator before it takes effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import Case, CaseAssessment, CaseProposal, ReviewerConflict
from qinglang.db.engine import Database, UnitOfWork
from qinglang.disposal import effect
from qinglang.disposal.parties import parties_of
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from qinglang.ledger import LedgerEvent
from qinglang.platform.adapter import PlatformAdapter
from qinglang.policy.engine import Decision, departs_from, evaluate, requires_approval
from qinglang.policy.facts import CaseFacts
from qinglang.policy.model import Pack

LEASE = timedelta(minutes=30)
PENDING_APPROVAL = "pending_approval"
PENDING_REGULATOR = "pending_regulator"
DECIDED = "decided"


@dataclass(frozen=True, slots=True)
class Finding:
    """A fact, condition or grading level with the reviewer's reason for it."""

    value: bool | str
    reason: str


@dataclass(frozen=True, slots=True)
class ProposedMeasure:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    target: str | None = None  # default: the case's own targets (see effect.targets_for)


def pack_of(packs: Mapping[str, Pack], case: Case) -> Pack:
    """The pack that classified ``case`` (the enterprise pack, or GD-1's rapid channel's)."""
    found = packs.get(case.pack)
    if found is None:
        raise NotFound(f"the policy pack {case.pack!r} is not loaded", code="pack_not_loaded")
    return found


def locked_case(uow: UnitOfWork, case_id: int) -> Case:
    """Case ``case_id``, locked for this transaction; 404 ``case_not_found``."""
    case = uow.session.scalars(select(Case).where(Case.id == case_id).with_for_update()).first()
    if case is None:
        raise NotFound(f"there is no case {case_id}", code="case_not_found")
    return case


def check_version(case: Case, version: int) -> None:
    if case.version != version:
        raise Conflict(
            f"case {case.id} changed since it was read (version {version}, now {case.version})",
            code="stale_version",
            details={"version": case.version},
        )


def _holding(uow: UnitOfWork, case: Case, actor: Actor) -> None:
    """The actor must hold the case's unexpired lease."""
    now = uow.clock.now()
    if case.claimed_by != actor.user_id:
        raise Conflict("claim the case first", code="not_claimed")
    if case.claim_expires_at is None or case.claim_expires_at <= now:
        raise Conflict("your claim on this case has expired; claim it again", code="lease_expired")


def claim(database: Database, *, actor: Actor, case_id: int, lease: timedelta = LEASE) -> Case:
    """Take the case for ``lease``: no one else may work on it until then."""
    require(actor, Permission.CASES_REVIEW)
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        now = uow.clock.now()
        if case.status != lifecycle.OPEN:
            raise Conflict(f"case {case_id} is {case.status}", code="case_not_open")
        held = case.claim_expires_at is not None and case.claim_expires_at > now
        if held and case.claimed_by != actor.user_id:
            raise Conflict(
                "another reviewer holds this case",
                code="case_claimed",
                details={"until": case.claim_expires_at.isoformat()},  # type: ignore[union-attr]
            )
        parties = parties_of(uow, case)
        conflict = uow.session.scalars(
            select(ReviewerConflict.party).where(
                ReviewerConflict.user_id == actor.user_id, ReviewerConflict.party.in_(parties)
            )
        ).first()
        if conflict is not None:
            raise PermissionDenied(
                "you declared a link to a party of this case and cannot take it",
                code="conflict_of_interest",
            )
        case.claimed_by = actor.user_id
        case.claim_expires_at = now + lease
        case.version += 1
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CASE_CLAIMED,
            subject=lifecycle.subject(case),
            payload={"until": case.claim_expires_at.isoformat()},
        )
        return case


def release(database: Database, *, actor: Actor, case_id: int) -> Case:
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        if case.claimed_by != actor.user_id:
            raise Conflict("you do not hold this case", code="not_claimed")
        case.claimed_by = None
        case.claim_expires_at = None
        case.version += 1
        ledger.append(
            uow, actor=actor, event=LedgerEvent.CASE_RELEASED, subject=lifecycle.subject(case)
        )
        return case


def declare_conflict(database: Database, *, actor: Actor, party: str, note: str) -> None:
    """Declare a link to a party (a credit code, a holder's name, ``account:3``)."""
    if not party.strip() or not note.strip():
        raise InvalidInput("name the party and the link", code="invalid_conflict")
    with database.unit_of_work() as uow:
        uow.session.add(
            ReviewerConflict(
                user_id=actor.user_id,
                party=party.strip(),
                note=note.strip()[:500],
                declared_at=uow.clock.now(),
            )
        )


def _reasons(findings: Mapping[str, Finding], what: str) -> None:
    lacking = sorted(code for code, f in findings.items() if not f.reason.strip())
    if lacking:
        raise InvalidInput(
            f"give a reason for each {what}: {', '.join(lacking)}",
            code="reason_required",
            details={"codes": lacking},
        )


def case_facts(case: Case, assessment: CaseAssessment) -> CaseFacts:
    return CaseFacts(
        category=case.category,
        subtype=case.subtype,
        facts={code: bool(f["value"]) for code, f in assessment.facts.items()},
        conditions=tuple(c["code"] for c in assessment.conditions),
        grading=(
            {d: str(g["level"]) for d, g in assessment.grading.items()}
            if assessment.grading
            else None
        ),
    )


def assess(
    database: Database,
    *,
    actor: Actor,
    packs: Mapping[str, Pack],
    case_id: int,
    version: int,
    facts: Mapping[str, Finding],
    conditions: Mapping[str, Finding],
    grading: Mapping[str, Finding] | None,
) -> tuple[Case, Decision]:
    """Record what the reviewer established; the engine's recommendation for it."""
    require(actor, Permission.CASES_REVIEW)
    _reasons(facts, "fact")
    _reasons(conditions, "condition")
    _reasons(grading or {}, "grading level")
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        check_version(case, version)
        _holding(uow, case, actor)
        candidate = CaseFacts(
            category=case.category,
            subtype=case.subtype,
            facts={code: bool(f.value) for code, f in facts.items()},
            conditions=tuple(sorted(conditions)),
            grading={d: str(f.value) for d, f in grading.items()} if grading else None,
        )
        decision = evaluate(pack_of(packs, case), candidate)  # unknown codes: 422, all listed
        assessment = CaseAssessment(
            case_id=case.id,
            facts={c: {"value": bool(f.value), "reason": f.reason} for c, f in facts.items()},
            conditions=[{"code": c, "reason": f.reason} for c, f in sorted(conditions.items())],
            grading=(
                {d: {"level": str(f.value), "reason": f.reason} for d, f in grading.items()}
                if grading
                else None
            ),
            recommendation=decision.as_dict(),
            recorded_by=actor.user_id,
            recorded_at=uow.clock.now(),
        )
        uow.session.add(assessment)
        case.grade = decision.grade
        case.version += 1
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CASE_FACTS_RECORDED,
            subject=lifecycle.subject(case),
            payload={
                "assessment": assessment.id,
                "facts": assessment.facts,
                "conditions": assessment.conditions,
                "grading": assessment.grading,
                "recommended": [m.code for m in decision.measures],
                "requires": list(decision.requires),
                "grade": decision.grade,
            },
        )
        return case, decision


def latest_assessment(uow: UnitOfWork, case_id: int) -> CaseAssessment | None:
    return uow.session.scalars(
        select(CaseAssessment)
        .where(CaseAssessment.case_id == case_id)
        .order_by(CaseAssessment.id.desc())
        .limit(1)
    ).first()


def current_recommendation(
    database: Database, *, actor: Actor, case_id: int
) -> tuple[str, dict[str, Any] | None]:
    """A case's pack and its latest assessment's recommendation, as a form needs them."""
    require(actor, Permission.REPORTS_READ)
    with database.unit_of_work(read_only=True) as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"there is no case {case_id}", code="case_not_found")
        assessment = latest_assessment(uow, case.id)
        return case.pack, (assessment.recommendation if assessment else None)


def propose(
    database: Database,
    *,
    actor: Actor,
    packs: Mapping[str, Pack],
    adapter: PlatformAdapter | None,
    case_id: int,
    version: int,
    measures: Sequence[ProposedMeasure],
    reason: str,
    rules: DisposalRules,
) -> CaseProposal:
    """Propose a decision; it takes effect now, or waits for approval or the regulator."""
    require(actor, Permission.CASES_REVIEW)
    with database.unit_of_work() as uow:
        case = locked_case(uow, case_id)
        pack = pack_of(packs, case)
        for m in measures:
            requires_approval(pack, m.code)  # an unknown measure code: 422
        check_version(case, version)
        _holding(uow, case, actor)
        assessment = latest_assessment(uow, case.id)
        if assessment is None:
            raise Conflict("record the facts before proposing", code="facts_not_recorded")
        decision = evaluate(pack, case_facts(case, assessment))
        departs = departs_from(decision, {m.code: dict(m.params) for m in measures})
        if departs and not reason.strip():
            raise InvalidInput(
                "a proposal that departs from the recommendation needs a written reason",
                code="reason_required",
            )
        orders = effect.orders_for(uow, pack, case, decision, measures, adapter=adapter)
        needs_approval = departs or any(requires_approval(pack, m.code) for m in measures)
        review = [r for r in decision.requires if r.startswith("regulator_review")]
        if not any(o.on in ("content", "account") for o in orders):
            review = []  # WS-25: only where measures on content or accounts are to be taken
        requires = (["approval"] if needs_approval else []) + review
        proposal = CaseProposal(
            case_id=case.id,
            assessment_id=assessment.id,
            measures=[effect.order_json(o) for o in orders],
            departs=departs,
            reason=reason.strip(),
            requires=requires,
            status=PENDING_APPROVAL if needs_approval else PENDING_REGULATOR,
            proposed_by=actor.user_id,
            proposed_at=uow.clock.now(),
        )
        uow.session.add(proposal)
        uow.session.flush()
        case.claimed_by = None
        case.claim_expires_at = None
        case.version += 1
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CASE_PROPOSED,
            subject=lifecycle.subject(case),
            payload={
                "proposal": proposal.id,
                "measures": proposal.measures,
                "departs": departs,
                "reason": proposal.reason,
                "requires": requires,
            },
        )
        if needs_approval:
            case.status = PENDING_APPROVAL
        else:
            effect.advance(uow, actor=actor, case=case, proposal=proposal, rules=rules)
        return proposal
