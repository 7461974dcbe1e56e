"""``/track``: a report's state for whoever holds its tracking number and access token (RC-1).

Both travel in POST fields only, never in an address, so they stay out of browser
history and access logs. A wrong token and an unknown number get the same answer.
When the report awaits a supplement (补正), the page carries the supplement form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from qinglang.actor import ANONYMOUS
from qinglang.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from qinglang.intake import followups
from qinglang.intake.reports import NEEDS_SUPPLEMENT, Intake
from qinglang.intake.submission import SupplementIn, parse
from qinglang.policy.model import Pack
from qinglang.settings import Settings
from qinglang.web.public.forms import (
    Kept,
    Problems,
    _,
    choosable,
    evidence_choices,
    human_size,
    kept_files,
    read_targets,
    text,
    upload_files,
)
from qinglang.web.public.rendering import render
from qinglang.web.public.session import FILE_SLOTS, CheckedForm, current_reporter

router = APIRouter(include_in_schema=False)

SUPPLEMENT_FIELDS = ("s_statement", "s_name", "s_phone", "s_email", "s_targets", "s_declaration")
_PLACES = {
    "statement": "s_statement",
    "reporter": "s_name",
    "reporter.name": "s_name",
    "reporter.phone": "s_phone",
    "reporter.email": "s_email",
    "targets": "s_targets",
    "invalid_target_url": "s_targets",
    "evidence": "s_evidence",
    "unknown_evidence": "s_evidence",
    "declaration": "s_declaration",
}


def _page(
    request: Request,
    *,
    state: dict[str, Any] | None = None,
    token: str = "",
    tracking_no: str = "",
    problems: Problems | None = None,
    not_found: bool = False,
    supplement: dict[str, str] | None = None,
    kept: list[Kept] | None = None,
    notice: str = "",
    status: int = 200,
) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    context = {
        "state": state,
        "token": token,
        "tracking_no": tracking_no,
        "problems": problems or Problems(),
        "not_found": not_found,
        "supplement": supplement or dict.fromkeys(SUPPLEMENT_FIELDS, ""),
        "kept": kept or [],
        "notice": notice,
        "notice_ok": status < 400,
        "may_supplement": state is not None and state["status"] == NEEDS_SUPPLEMENT,
        "evidence_groups": evidence_choices(_pack_of(intake, state)),
        "slots": range(1, FILE_SLOTS + 1),
        "max_size": human_size(settings.evidence_max_bytes),
        "declaration_version": settings.declaration_version,
    }
    return render(request, "track.html", context, status=status, reporter=current_reporter(request))


def _pack_of(intake: Intake, state: dict[str, Any] | None) -> Pack:
    """The pack that classified the report shown (its evidence types are the choices)."""
    return intake.packs.get(str((state or {}).get("pack") or ""), intake.pack)


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> HTMLResponse:
    return _page(request)


def _look_up(
    intake: Intake, tracking_no: str, token: str, problems: Problems
) -> dict[str, Any] | None:
    """The report's state; None with the problem noted, or NotFound (said the same way)."""
    if not tracking_no:
        problems.add("tracking_no", "required", _("Enter the tracking number."))
    if not token:
        problems.add("access_token", "required", _("Enter the access token."))
    if problems:
        return None
    try:
        return followups.look_up(intake, tracking_no=tracking_no, token=token)
    except InvalidInput:
        problems.add(
            "tracking_no",
            "invalid_tracking_no",
            _("Not a tracking number; check it for a typo (it looks like QL-20260101-XXXXXXXX-X)."),
        )
    except NotAuthenticated:
        problems.add("access_token", "required", _("Enter the access token."))
    return None


@router.post("/track", response_class=HTMLResponse)
def track(request: Request, form: CheckedForm) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    tracking_no, token = text(form, "tracking_no"), text(form, "access_token")
    problems = Problems()
    try:
        state = _look_up(intake, tracking_no, token, problems)
    except NotFound:
        return _page(request, tracking_no=tracking_no, not_found=True, status=404)
    if state is None:
        return _page(request, tracking_no=tracking_no, problems=problems, status=422)
    return _page(request, state=state, token=token)


def _supplement_data(
    values: dict[str, str], targets: list[dict[str, str]], kept: list[Kept], version: str
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if values["s_statement"]:
        data["statement"] = values["s_statement"]
    if values["s_name"] or values["s_phone"] or values["s_email"]:
        # The supplement changes only the name and contacts; the kind is not changed by it.
        data["reporter"] = {
            "kind": "individual",
            "name": values["s_name"],
            "phone": values["s_phone"] or None,
            "email": values["s_email"] or None,
        }
    if targets:
        data["targets"] = targets
    if kept:
        data["evidence"] = [{"id": k.id, "type": k.type} for k in kept]
    if values["s_declaration"]:
        data["declaration"] = {"accepted": True, "version": version}
    return data


def _values(form: FormData) -> dict[str, str]:
    values = {name: text(form, name) for name in SUPPLEMENT_FIELDS}
    values["s_targets"] = str(form.get("s_targets") or "")
    return values


@router.post("/track/supplement", response_class=HTMLResponse)
def add_supplement(request: Request, form: CheckedForm) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    tracking_no, token = text(form, "tracking_no"), text(form, "access_token")
    problems = Problems()
    try:
        state = _look_up(intake, tracking_no, token, problems)
    except NotFound:
        state = None
    if state is None:  # the state page's hidden fields were tampered with
        return _page(request, tracking_no=tracking_no, not_found=True, status=404)
    number = state["tracking_no"]
    owner = f"report:{number}"
    values = _values(form)
    pack = _pack_of(intake, state)
    kept = kept_files(intake.database, form, owner=owner, pack=pack, problems=problems)
    kept += upload_files(
        form,
        database=intake.database,
        store=request.app.state.evidence_store,
        actor=ANONYMOUS,
        owner=owner,
        limit=settings.evidence_max_bytes,
        pack=pack,
        problems=problems,
        slots=range(1, FILE_SLOTS + 1),
    )
    usable = [k for k in kept if choosable(pack, k.type)]
    targets = read_targets(values["s_targets"], intake.rules.targets, problems, "s_targets")
    data = _supplement_data(values, targets, usable, settings.declaration_version)
    if not data and not problems:
        problems.add("", "empty_supplement", _("Add at least one of the items below."))
    supplement: SupplementIn | None = None
    try:
        supplement = parse(SupplementIn, data)
    except InvalidInput as exc:
        problems.add_invalid(exc, _PLACES)

    def again(status: int, notice: str = "") -> HTMLResponse:
        return _page(
            request,
            state=state,
            token=token,
            problems=problems,
            supplement=values,
            kept=kept,
            notice=notice,
            status=status,
        )

    if problems or supplement is None:
        return again(problems.status)
    try:
        after = followups.supplement(
            intake, actor=ANONYMOUS, tracking_no=number, token=token, data=supplement
        )
    except InvalidInput as exc:
        problems.add_invalid(exc, _PLACES)
        return again(exc.http_status)
    except Conflict as exc:
        state = followups.look_up(intake, tracking_no=number, token=token)
        notice = (
            _("The supplement deadline has passed; the report is closed as incomplete.")
            if exc.code == "supplement_deadline_passed"
            else _("This report no longer awaits a supplement.")
        )
        return _page(request, state=state, token=token, notice=notice, status=409)
    notice = (
        _("Supplement received. The report is complete and accepted.")
        if after["status"] != NEEDS_SUPPLEMENT
        else _("Supplement received. Some items are still missing; see below.")
    )
    return _page(request, state=after, token=token, notice=notice)
