"""The reviewer's console: the queues, and one case on one page.

Pages work without JavaScript; the actions on a case (claim, facts, proposal,
sign-off, regulator review, objection decision) are plain forms handled in
:mod:`qinglang.web.console.case_actions`. The main ones carry access keys
(Alt+Shift+key in Chromium): ``c`` claim, ``r`` release, ``s`` record the assessment,
``p`` propose, ``a`` approve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.detect.pii import find_pii, mask_text
from qinglang.disposal import queues
from qinglang.disposal.rules import DisposalRules
from qinglang.disposal.signals import SignalSources
from qinglang.errors import DomainError
from qinglang.intake.reports import Intake
from qinglang.intake.store import EvidenceStore
from qinglang.policy.model import Pack
from qinglang.web.api.v1.detect import DetectionDep
from qinglang.web.api.v1.evidence import get_store
from qinglang.web.console.pages import render
from qinglang.web.deps import ConsoleActor, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/cases", include_in_schema=False)

FILTERS = ("zone", "channel", "category", "campaign", "grade", "pack", "deadline")
CHANNELS = ("web_form", "api", "regulator_transfer", "bulk_import")
GRADES = ("minor", "general", "serious", "severe")
PAGE_SIZE = 50


def intake_of(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def rules_of(request: Request) -> DisposalRules:
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
        "campaigns": intake_of(request).campaigns,
        **_labels(intake_of(request)),
    }
    return render(request, "cases.html", context, actor=actor)


def sources_of(request: Request, detection: Any, store: EvidenceStore) -> SignalSources:
    return SignalSources(detection=detection, store=store, reporters=rules_of(request).reporters)


def render_case(
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
    intake = intake_of(request)
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
    return render_case(request, actor, database, case_id, sources_of(request, detection, store))
