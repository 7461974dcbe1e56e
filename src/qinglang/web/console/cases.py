"""The reviewer's console: the queues, and one case on one page (review, proposal, sign-off).

Pages work without JavaScript: every action is a form that posts back and redirects
to the case (303), or shows the case again with the problem named. The main actions
carry access keys (Alt+Shift+key in Chromium): ``c`` claim, ``r`` release, ``s``
record the assessment, ``p`` propose, ``a`` approve. A regulator answers a WS-25
review here, and a reviewer decides an objection (WS-24: uphold or revoke; a
modification, with its new measures, goes through the API).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.detect.pii import find_pii, mask_text
from qinglang.disposal import objections, queues, review, signoff
from qinglang.disposal.review import Finding, ProposedMeasure
from qinglang.disposal.rules import DisposalRules
from qinglang.disposal.signals import SignalSources
from qinglang.errors import DomainError, InvalidInput
from qinglang.intake.reports import Intake
from qinglang.intake.store import EvidenceStore
from qinglang.policy.model import Pack
from qinglang.web.api.v1.detect import DetectionDep
from qinglang.web.api.v1.evidence import get_store
from qinglang.web.console.pages import render
from qinglang.web.deps import ConsoleActor, CsrfChecked, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/cases", include_in_schema=False)

FILTERS = ("zone", "channel", "category", "campaign", "grade", "pack", "deadline")
CHANNELS = ("web_form", "api", "regulator_transfer", "bulk_import")
GRADES = ("minor", "general", "serious", "severe")
PAGE_SIZE = 50


def _intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def _rules(request: Request) -> DisposalRules:
    rules: DisposalRules = request.app.state.disposal_rules
    return rules


def time_left(due_at: str | None, now: datetime) -> dict[str, Any] | None:
    """How long until ``due_at`` (ISO), in days and hours, and whether it has passed."""
    if not due_at:
        return None
    delta = datetime.fromisoformat(due_at) - now
    overdue = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    return {"overdue": overdue, "days": days, "hours": rest // 3600, "minutes": rest % 3600 // 60}


def masked(text: str | None) -> str:
    """``text`` with every resident ID, phone, bank card and the like masked: what a
    reporter or reported party wrote is shown so, never in clear, on the case page."""
    return mask_text(text, find_pii(text)) if text else ""


def when(value: str | None, zone: Any) -> str:
    """An ISO time (or a ledger entry's fixed-width UTC text) in the platform's zone."""
    if not value:
        return ""
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _labels(intake: Intake) -> dict[str, Any]:
    """Names of categories and subtypes across every loaded pack, and the zones."""
    categories = {c.code: c for p in intake.packs.values() for c in p.categories}
    zones = {z.code: z.label for p in intake.packs.values() for z in p.zones}
    zones |= {c.zone_code: c.zone for c in intake.campaigns.values()}
    return {"categories": categories, "zones": zones, "packs": intake.packs}


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request,
    actor: ConsoleActor,
    database: DatabaseDep,
    status: str = "open",
    minor: str = "",
    after: str | None = None,
) -> HTMLResponse:
    require(actor, Permission.REPORTS_READ)
    chosen = {name: request.query_params.get(name) or None for name in FILTERS}
    where = queues.QueueFilter(
        status=(status,) if status in queues.QUEUE_STATUSES else ("open",),
        zone=chosen["zone"],
        channel=chosen["channel"],
        category=chosen["category"],
        campaign=chosen["campaign"],
        grade=chosen["grade"],
        deadline=chosen["deadline"],
        pack=chosen["pack"],
        involves_minor=True if minor else None,
    )
    page = queues.queue(database, actor=actor, where=where, limit=PAGE_SIZE, after=after)
    kept = {k: v for k, v in chosen.items() if v} | ({"minor": "1"} if minor else {})
    next_href = (
        "?" + urlencode({"status": status, **kept, "after": page["next"]}) if page["next"] else None
    )
    context = {
        "page": page,
        "counts": queues.queue_counts(database, actor=actor),
        "status": where.status[0],
        "chosen": chosen,
        "minor": bool(minor),
        "query": urlencode(kept),
        "next_href": next_href,
        "now": database.clock.now(),
        "time_left": time_left,
        "channels": CHANNELS,
        "grades": GRADES,
        "campaigns": _intake(request).campaigns,
        **_labels(_intake(request)),
    }
    return render(request, "cases.html", context, actor=actor)


def _sources(request: Request, detection: Any, store: EvidenceStore) -> SignalSources:
    return SignalSources(detection=detection, store=store, reporters=_rules(request).reporters)


def _case_page(
    request: Request,
    actor: Actor,
    database: Any,
    case_id: int,
    sources: SignalSources,
    *,
    problem: DomainError | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = queues.case_view(database, actor=actor, case_id=case_id, sources=sources)
    intake = _intake(request)
    pack: Pack | None = intake.packs.get(view["pack"])
    assessment = view["assessment"]
    recommendation = assessment["recommendation"] if assessment else None
    context = {
        "case": view,
        "pack": pack,
        "disposal": pack.disposal if pack else None,
        "recommendation": recommendation,
        "recorded_facts": (assessment or {}).get("facts") or {},
        "recorded_conditions": {
            c["code"]: c["reason"] for c in (assessment or {}).get("conditions") or []
        },
        "recorded_grading": (assessment or {}).get("grading") or {},
        "holding": view["claimed_by"] == actor.user_id and view["claim_expires_at"] is not None,
        "pending": next((p for p in view["proposals"] if p["status"] == "pending_approval"), None),
        "now": database.clock.now(),
        "time_left": time_left,
        "masked": masked,
        "when": lambda value: when(value, request.app.state.settings.zone),
        "problem": problem,
        **_labels(intake),
    }
    return render(request, "case.html", context, actor=actor, status=status)


Store = Annotated[EvidenceStore, Depends(get_store)]


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> HTMLResponse:
    return _case_page(request, actor, database, case_id, _sources(request, detection, store))


def _back(case_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/console/cases/{case_id}{anchor}", status_code=303)


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form lacks the case version it was made from") from None


async def _act(
    request: Request,
    case_id: int,
    actor: Actor,
    database: Any,
    sources: SignalSources,
    action: Any,
    anchor: str,
) -> Response:
    """Run ``action(form)``; back to the case, or the case again with the problem named."""
    form = await request.form()
    try:
        action(form)
    except DomainError as exc:
        if exc.http_status in (401, 404):
            raise
        return _case_page(
            request, actor, database, case_id, sources, problem=exc, status=exc.http_status
        )
    return _back(case_id, anchor)


@router.post("/{case_id}/claim", dependencies=[CsrfChecked])
async def claim(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    return await _act(
        request,
        case_id,
        actor,
        database,
        _sources(request, detection, store),
        lambda _form: review.claim(database, actor=actor, case_id=case_id),
        "",
    )


@router.post("/{case_id}/release", dependencies=[CsrfChecked])
async def release(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    return await _act(
        request,
        case_id,
        actor,
        database,
        _sources(request, detection, store),
        lambda _form: review.release(database, actor=actor, case_id=case_id),
        "",
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
async def assess(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    intake = _intake(request)

    def record(form: FormData) -> None:
        view = queues.case_view(database, actor=actor, case_id=case_id)
        pack = intake.pack_for(view["pack"])
        review.assess(
            database,
            actor=actor,
            packs=intake.packs,
            case_id=case_id,
            version=_version(form),
            **_findings(form, pack),
        )

    sources = _sources(request, detection, store)
    return await _act(request, case_id, actor, database, sources, record, "#recommendation")


@router.post("/{case_id}/proposal", dependencies=[CsrfChecked])
async def propose(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    intake = _intake(request)

    def send(form: FormData) -> None:
        view = queues.case_view(database, actor=actor, case_id=case_id)
        recommended = (view["assessment"] or {}).get("recommendation") or {}
        params = {m["code"]: m["params"] for m in recommended.get("measures", [])}
        chosen = [str(code) for code in form.getlist("measure")]
        review.propose(
            database,
            actor=actor,
            packs=intake.packs,
            adapter=intake.snapshots.adapter,
            case_id=case_id,
            version=_version(form),
            measures=[ProposedMeasure(code, params.get(code, {})) for code in chosen],
            reason=str(form.get("reason") or ""),
            rules=_rules(request),
        )

    sources = _sources(request, detection, store)
    return await _act(request, case_id, actor, database, sources, send, "#decision")


@router.post("/{case_id}/approval", dependencies=[CsrfChecked])
async def approve(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    def sign(form: FormData) -> None:
        signoff.sign_off(
            database,
            actor=actor,
            case_id=case_id,
            version=_version(form),
            approve=form.get("decision") == "approve",
            note=str(form.get("note") or ""),
            rules=_rules(request),
        )

    sources = _sources(request, detection, store)
    return await _act(request, case_id, actor, database, sources, sign, "#decision")


@router.post("/{case_id}/regulator-review", dependencies=[CsrfChecked])
async def regulator_review(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    def answer(form: FormData) -> None:
        signoff.regulator_review(
            database,
            actor=actor,
            case_id=case_id,
            verdict=str(form.get("verdict") or ""),
            note=str(form.get("note") or ""),
            rules=_rules(request),
        )

    sources = _sources(request, detection, store)
    return await _act(request, case_id, actor, database, sources, answer, "#s-regulator")


@router.post("/{case_id}/objection-decision", dependencies=[CsrfChecked])
async def objection_decision(
    request: Request,
    case_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    detection: DetectionDep,
    store: Store,
) -> Response:
    intake = _intake(request)

    def decide(form: FormData) -> None:
        outcome = str(form.get("outcome") or "")
        if outcome not in ("uphold", "revoke"):
            raise InvalidInput(
                "here an objection is upheld or revoked; a modification goes through the API",
                code="invalid_outcome",
            )
        objections.decide_objection(
            database,
            actor=actor,
            case_id=case_id,
            version=_version(form),
            outcome=outcome,
            reason=str(form.get("reason") or ""),
            packs=intake.packs,
            adapter=intake.snapshots.adapter,
            rules=_rules(request),
        )

    sources = _sources(request, detection, store)
    return await _act(request, case_id, actor, database, sources, decide, "#s-objections")
