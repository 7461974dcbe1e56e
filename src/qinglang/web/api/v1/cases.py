"""``/api/v1/cases``: queues, one case, claim, facts, proposal, sign-off, regulator review.

Every change names the case ``version`` it read; a stale one is refused (409).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from qinglang.disposal import effect, malicious, objections, queues, review, signoff, supervision
from qinglang.disposal.review import Finding, ProposedMeasure
from qinglang.disposal.rules import DisposalRules
from qinglang.disposal.signals import SignalSources
from qinglang.intake.store import EvidenceStore
from qinglang.web.api.v1.detect import DetectionDep
from qinglang.web.api.v1.evidence import get_store
from qinglang.web.api.v1.reports import IntakeDep
from qinglang.web.api.v1.schemas import ERRORS
from qinglang.web.deps import ApiActor, DatabaseDep, SettingsDep

router = APIRouter(prefix="/cases", tags=["cases"])
_ERRORS = ERRORS | {409: ERRORS[422]}


def get_rules(request: Request) -> DisposalRules:
    rules: DisposalRules = request.app.state.disposal_rules
    return rules


RulesDep = Annotated[DisposalRules, Depends(get_rules)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindingIn(_In):
    value: bool
    reason: str = Field(max_length=2000)


class LevelIn(_In):
    level: str = Field(max_length=32)
    reason: str = Field(max_length=2000)


class AssessmentIn(_In):
    version: int
    facts: dict[str, FindingIn] = Field(default_factory=dict)
    conditions: dict[str, str] = Field(default_factory=dict, description="code -> reason")
    grading: dict[str, LevelIn] | None = None


class MeasureIn(_In):
    code: str = Field(max_length=64)
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    target: str | None = Field(default=None, max_length=128)


class ProposalIn(_In):
    version: int
    measures: list[MeasureIn] = Field(default_factory=list, max_length=50)
    reason: str = Field(default="", max_length=5000)


class SignOffIn(_In):
    version: int
    approve: bool
    note: str = Field(default="", max_length=5000)


class RegulatorIn(_In):
    verdict: str = Field(description="approve, reject or comment")
    note: str = Field(default="", max_length=5000)


@router.get("", responses=ERRORS, summary="A queue of cases, soonest due first (keyset paged)")
def list_cases(
    actor: ApiActor,
    database: DatabaseDep,
    status: Annotated[list[str] | None, Query()] = None,
    zone: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    campaign: str | None = None,
    grade: str | None = None,
    deadline: Annotated[
        str | None,
        Query(description="near: warned that the time limit nears; passed: escalated (WS-3)"),
    ] = None,
    pack: Annotated[
        str | None, Query(description="the pack that classified the case, e.g. cac-guidance-2023")
    ] = None,
    involves_minor: Annotated[
        bool | None, Query(description="only cases where a minor is harmed (GD-2), or none")
    ] = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    where = queues.QueueFilter(
        status=tuple(status or ("open",)),
        zone=zone,
        channel=channel,
        category=category,
        campaign=campaign,
        grade=grade,
        deadline=deadline,
        pack=pack,
        involves_minor=involves_minor,
    )
    return queues.queue(database, actor=actor, where=where, limit=limit, after=after)


@router.get(
    "/second-reviews",
    responses=ERRORS,
    summary="WS-27 supervision: cases drawn for a second review, and how often it disagreed",
)
def second_reviews(actor: ApiActor, database: DatabaseDep) -> dict[str, Any]:
    return supervision.summary(database, actor=actor)


@router.get(
    "/{case_id}",
    responses=ERRORS,
    summary="Everything about one case, with its timeline and signals (detection hits, "
    "reporter history, other cases on the same account)",
)
def get_case(
    case_id: int,
    actor: ApiActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Annotated[EvidenceStore, Depends(get_store)],
    rules: RulesDep,
) -> dict[str, Any]:
    sources = SignalSources(detection=detection, store=store, reporters=rules.reporters)
    return queues.case_view(database, actor=actor, case_id=case_id, sources=sources)


@router.post("/{case_id}/claim", responses=_ERRORS, summary="Claim a case (a lease)")
def claim(case_id: int, actor: ApiActor, database: DatabaseDep) -> dict[str, Any]:
    case = review.claim(database, actor=actor, case_id=case_id)
    return {"id": case.id, "version": case.version, "claim_expires_at": case.claim_expires_at}


@router.post("/{case_id}/release", responses=_ERRORS, summary="Give a claimed case back")
def release(case_id: int, actor: ApiActor, database: DatabaseDep) -> dict[str, Any]:
    case = review.release(database, actor=actor, case_id=case_id)
    return {"id": case.id, "version": case.version}


@router.post(
    "/{case_id}/assessment",
    responses=_ERRORS,
    summary="Record facts, conditions and grading (each with a reason); get the recommendation",
)
def assess(
    case_id: int, body: AssessmentIn, actor: ApiActor, database: DatabaseDep, intake: IntakeDep
) -> dict[str, Any]:
    case, decision = review.assess(
        database,
        actor=actor,
        packs=intake.packs,
        case_id=case_id,
        version=body.version,
        facts={c: Finding(f.value, f.reason) for c, f in body.facts.items()},
        conditions={c: Finding(True, r) for c, r in body.conditions.items()},
        grading=(
            {d: Finding(g.level, g.reason) for d, g in body.grading.items()}
            if body.grading is not None
            else None
        ),
    )
    return {"version": case.version, "recommendation": decision.as_dict()}


@router.post(
    "/{case_id}/proposal",
    responses=_ERRORS,
    summary="Propose a decision; a departure from the recommendation needs a reason",
)
def propose(
    case_id: int,
    body: ProposalIn,
    actor: ApiActor,
    database: DatabaseDep,
    intake: IntakeDep,
    rules: RulesDep,
) -> dict[str, Any]:
    proposal = review.propose(
        database,
        actor=actor,
        packs=intake.packs,
        adapter=intake.snapshots.adapter,
        case_id=case_id,
        version=body.version,
        measures=[ProposedMeasure(m.code, dict(m.params), m.target) for m in body.measures],
        reason=body.reason,
        rules=rules,
    )
    return _proposal(proposal)


@router.post(
    "/{case_id}/approval",
    responses=_ERRORS,
    summary="Approve or return another reviewer's proposal (WS-27)",
)
def sign_off(
    case_id: int,
    body: SignOffIn,
    actor: ApiActor,
    database: DatabaseDep,
    rules: RulesDep,
) -> dict[str, Any]:
    proposal = signoff.sign_off(
        database,
        actor=actor,
        case_id=case_id,
        version=body.version,
        approve=body.approve,
        note=body.note,
        rules=rules,
    )
    return _proposal(proposal)


@router.post(
    "/{case_id}/regulator-review",
    responses=_ERRORS,
    summary="The regulator approves, rejects or comments (WS-25)",
)
def regulator_review(
    case_id: int,
    body: RegulatorIn,
    actor: ApiActor,
    database: DatabaseDep,
    rules: RulesDep,
) -> dict[str, Any]:
    found = signoff.regulator_review(
        database,
        actor=actor,
        case_id=case_id,
        verdict=body.verdict,
        note=body.note,
        rules=rules,
    )
    return {"level": found.level, "status": found.status, "comments": found.comments}


class ObjectionIn(_In):
    party: str = Field(max_length=128, description="who objects, e.g. account:3")
    statement: str = Field(max_length=20000)
    evidence: list[str] = Field(default_factory=list, max_length=50)


class ObjectionDecisionIn(_In):
    version: int
    outcome: str = Field(description="uphold, modify or revoke")
    reason: str = Field(max_length=5000)
    measures: list[MeasureIn] = Field(default_factory=list, max_length=50)


@router.post(
    "/{case_id}/objections",
    status_code=201,
    responses=_ERRORS,
    summary="The reported party objects, with evidence (WS-24), relayed by the platform",
)
def object_to(
    case_id: int,
    body: ObjectionIn,
    actor: ApiActor,
    database: DatabaseDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    found = objections.object_to(
        database,
        actor=actor,
        case_id=case_id,
        party=body.party,
        statement=body.statement,
        evidence=body.evidence,
        window=timedelta(days=settings.objection_window_days),
    )
    return {"id": found.id, "case_id": found.case_id, "received_at": found.received_at}


@router.post(
    "/{case_id}/objection-decision",
    responses=_ERRORS,
    summary="Uphold, modify or revoke (and restore) after an objection",
)
def decide_objection(
    case_id: int,
    body: ObjectionDecisionIn,
    actor: ApiActor,
    database: DatabaseDep,
    intake: IntakeDep,
    rules: RulesDep,
) -> dict[str, Any]:
    found = objections.decide_objection(
        database,
        actor=actor,
        case_id=case_id,
        version=body.version,
        outcome=body.outcome,
        reason=body.reason,
        packs=intake.packs,
        adapter=intake.snapshots.adapter,
        rules=rules,
        replacement=[ProposedMeasure(m.code, dict(m.params), m.target) for m in body.measures],
    )
    return {"id": found.id, "outcome": found.outcome}


class ForgedIn(_In):
    evidence_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    reason: str = Field(max_length=5000)


@router.post(
    "/{case_id}/forged-evidence",
    responses=_ERRORS,
    summary="Mark a report's evidence forged (WS-18); the reporter's record is recounted",
)
def mark_forged(
    case_id: int,
    body: ForgedIn,
    actor: ApiActor,
    database: DatabaseDep,
    rules: RulesDep,
) -> dict[str, Any]:
    standing = malicious.mark_forged(
        database,
        actor=actor,
        case_id=case_id,
        evidence_id=body.evidence_id,
        reason=body.reason,
        rules=rules,
    )
    return {
        "reporter_standing": standing.level if standing else None,
        "until": standing.until if standing else None,
    }


class SecondReviewIn(_In):
    agrees: bool
    note: str = Field(default="", max_length=5000)


@router.post(
    "/{case_id}/second-review",
    responses=_ERRORS,
    summary="Record a second review of a drawn case (by someone who took no part)",
)
def second_review(
    case_id: int, body: SecondReviewIn, actor: ApiActor, database: DatabaseDep
) -> dict[str, Any]:
    found = supervision.record(
        database, actor=actor, case_id=case_id, agrees=body.agrees, note=body.note
    )
    return {"case_id": found.case_id, "agrees": found.agrees}


class RequeueIn(_In):
    reason: str = Field(max_length=5000)


@router.post(
    "/{case_id}/measures/{measure_id}/requeue",
    responses=_ERRORS,
    summary="Send a measure the platform refused once more, after the cause was fixed",
)
def requeue_measure(
    case_id: int, measure_id: int, body: RequeueIn, actor: ApiActor, database: DatabaseDep
) -> dict[str, Any]:
    measure = effect.send_again(
        database, actor=actor, case_id=case_id, measure_id=measure_id, reason=body.reason
    )
    return {"id": measure.id, "status": measure.status}


def _proposal(proposal: Any) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "status": proposal.status,
        "measures": proposal.measures,
        "departs": proposal.departs,
        "requires": proposal.requires,
    }
