"""The case page's actions: claim, release, facts, proposal, sign-off, regulator review and
objection decision, each a plain form that posts back.

Each action redirects to the case (303) when done, or shows the case again with the
problem named and its status code (409 for a stale version, 403, 422 …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from qinglang.actor import Actor
from qinglang.disposal import objections, review, signoff
from qinglang.disposal.review import Finding, ProposedMeasure
from qinglang.disposal.signals import SignalSources
from qinglang.errors import DomainError, InvalidInput
from qinglang.policy.model import Pack
from qinglang.web.api.v1.detect import DetectionDep
from qinglang.web.console.cases import Store, intake_of, render_case, rules_of, sources_of
from qinglang.web.deps import ConsoleActor, CsrfChecked, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/cases", include_in_schema=False)


@dataclass(frozen=True, slots=True)
class CaseAction:
    """What every action on a case needs: the request, who acts, the database, and what
    the case page needs to show the case again when the action is refused."""

    request: Request
    actor: Actor
    database: Any
    sources: SignalSources

    async def run(self, case_id: int, action: Callable[[FormData], Any], anchor: str) -> Response:
        """Run ``action(form)``; back to the case, or the case again with the problem named."""
        form = await self.request.form()
        try:
            action(form)
        except DomainError as exc:
            if exc.http_status in (401, 404):
                raise
            return render_case(
                self.request,
                self.actor,
                self.database,
                case_id,
                self.sources,
                problem=exc,
                status=exc.http_status,
            )
        return RedirectResponse(f"/console/cases/{case_id}{anchor}", status_code=303)


def case_action(
    request: Request,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> CaseAction:
    return CaseAction(request, actor, database, sources_of(request, detection, store))


Action = Annotated[CaseAction, Depends(case_action)]


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form lacks the case version it was made from") from None


@router.post("/{case_id}/claim", dependencies=[CsrfChecked])
async def claim(case_id: int, act: Action) -> Response:
    return await act.run(
        case_id, lambda _f: review.claim(act.database, actor=act.actor, case_id=case_id), ""
    )


@router.post("/{case_id}/release", dependencies=[CsrfChecked])
async def release(case_id: int, act: Action) -> Response:
    return await act.run(
        case_id, lambda _f: review.release(act.database, actor=act.actor, case_id=case_id), ""
    )


def _findings(form: FormData, pack: Pack) -> dict[str, Any]:
    """Facts (yes/no, with reasons), conditions (ticked, with reasons), grading (levels)."""
    disposal = pack.disposal
    assert disposal is not None
    facts = {
        f.code: Finding(form.get(f"fact.{f.code}") == "yes", str(form.get(f"why.{f.code}") or ""))
        for f in disposal.facts
        if form.get(f"fact.{f.code}") in ("yes", "no")
    }
    conditions = {
        c.code: Finding(True, str(form.get(f"why.{c.code}") or ""))
        for c in disposal.conditions
        if form.get(f"condition.{c.code}")
    }
    grading = None
    if disposal.grading is not None:
        levels = {
            d.code: Finding(str(form.get(f"grade.{d.code}")), str(form.get(f"why.{d.code}") or ""))
            for d in disposal.grading.dimensions
            if form.get(f"grade.{d.code}")
        }
        grading = levels or None
    return {"facts": facts, "conditions": conditions, "grading": grading}


@router.post("/{case_id}/assessment", dependencies=[CsrfChecked])
async def assess(case_id: int, act: Action) -> Response:
    intake = intake_of(act.request)

    def record(form: FormData) -> None:
        pack, _recommended = review.current_recommendation(
            act.database, actor=act.actor, case_id=case_id
        )
        review.assess(
            act.database,
            actor=act.actor,
            packs=intake.packs,
            case_id=case_id,
            version=_version(form),
            **_findings(form, intake.pack_for(pack)),
        )

    return await act.run(case_id, record, "#recommendation")


@router.post("/{case_id}/proposal", dependencies=[CsrfChecked])
async def propose(case_id: int, act: Action) -> Response:
    intake = intake_of(act.request)

    def send(form: FormData) -> None:
        _pack, found = review.current_recommendation(act.database, actor=act.actor, case_id=case_id)
        recommended = found or {}
        params = {m["code"]: m["params"] for m in recommended.get("measures", [])}
        chosen = [str(code) for code in form.getlist("measure")]
        review.propose(
            act.database,
            actor=act.actor,
            packs=intake.packs,
            adapter=intake.snapshots.adapter,
            case_id=case_id,
            version=_version(form),
            measures=[ProposedMeasure(code, params.get(code, {})) for code in chosen],
            reason=str(form.get("reason") or ""),
            rules=rules_of(act.request),
        )

    return await act.run(case_id, send, "#decision")


@router.post("/{case_id}/approval", dependencies=[CsrfChecked])
async def approve(case_id: int, act: Action) -> Response:
    def sign(form: FormData) -> None:
        signoff.sign_off(
            act.database,
            actor=act.actor,
            case_id=case_id,
            version=_version(form),
            approve=form.get("decision") == "approve",
            note=str(form.get("note") or ""),
            rules=rules_of(act.request),
        )

    return await act.run(case_id, sign, "#decision")


@router.post("/{case_id}/regulator-review", dependencies=[CsrfChecked])
async def regulator_review(case_id: int, act: Action) -> Response:
    def answer(form: FormData) -> None:
        signoff.regulator_review(
            act.database,
            actor=act.actor,
            case_id=case_id,
            verdict=str(form.get("verdict") or ""),
            note=str(form.get("note") or ""),
            rules=rules_of(act.request),
        )

    return await act.run(case_id, answer, "#s-regulator")


@router.post("/{case_id}/objection-decision", dependencies=[CsrfChecked])
async def objection_decision(case_id: int, act: Action) -> Response:
    intake = intake_of(act.request)

    def decide(form: FormData) -> None:
        outcome = str(form.get("outcome") or "")
        if outcome not in ("uphold", "revoke"):
            raise InvalidInput(
                "here an objection is upheld or revoked; a modification goes through the API",
                code="invalid_outcome",
            )
        objections.decide_objection(
            act.database,
            actor=act.actor,
            case_id=case_id,
            version=_version(form),
            outcome=outcome,
            reason=str(form.get("reason") or ""),
            packs=intake.packs,
            adapter=intake.snapshots.adapter,
            rules=rules_of(act.request),
        )

    return await act.run(case_id, decide, "#s-objections")
