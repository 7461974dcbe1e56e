"""``/report``: the enterprise report zone's form (涉企举报专区, GD-3), campaign zones (CP-1),
and the rapid channel for cyber-violence reports and harm to minors (GD-1, GD-2).

A zone's pack decides the form: its categories, its evidence types and the items it
asks for. The rapid channel's pack asks for no right-holder proof: the form then asks
for the person harmed and whether they are a minor, instead of an enterprise.

Works without JavaScript: every problem and every missing acceptance item (WS-5) is
found on the server and shown at once beside its field. When only acceptance items
are missing the reporter may submit anyway and supplement later (补正); the report
is then stored as ``needs_supplement``. A signed-in reporter account reports as
itself: its right holder is filled in, and once verified its identity proof counts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from qinglang.actor import ANONYMOUS, Actor
from qinglang.auth.models import User
from qinglang.auth.users import actor_for
from qinglang.errors import Conflict, DomainError, InvalidInput
from qinglang.intake import answers
from qinglang.intake.channels import ENTERPRISE_ZONE, Channel, Zone, open_zone
from qinglang.intake.completeness import ReportFacts, check
from qinglang.intake.models import ReporterAccount
from qinglang.intake.reporter_accounts import VERIFIED, account_of
from qinglang.intake.reports import Intake
from qinglang.intake.submission import SubmissionIn, parse
from qinglang.policy.model import Pack
from qinglang.settings import Settings
from qinglang.web.public.forms import (
    CODE_MESSAGES,
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
from qinglang.web.public.rendering import render, render_error
from qinglang.web.public.session import FILE_SLOTS, CheckedForm, current_reporter, form_nonce

router = APIRouter(include_in_schema=False)

REPORTER_KINDS = ("enterprise", "entrepreneur", "agent", "individual")
FIELDS = (
    "reporter_kind",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "holder_name",
    "credit_code",
    "delegated",
    "agent_name",
    "category",
    "subtype",
    "statement",
    "targets",
    "involves_minor",
    "declaration",
)
_ORDER = ("", *FIELDS[:-1], "evidence", "declaration")  # the form's order, for the summary
# Where a problem of SubmissionIn (by its path) or of Intake.submit (by its code) shows.
_PLACES = {
    "reporter": "reporter_kind",
    "reporter.kind": "reporter_kind",
    "reporter.name": "reporter_name",
    "reporter.phone": "reporter_phone",
    "reporter.email": "reporter_email",
    "right_holder": "holder_name",
    "right_holder.name": "holder_name",
    "right_holder.credit_code": "credit_code",
    "agent": "agent_name",
    "category": "category",
    "subtype": "subtype",
    "statement": "statement",
    "targets": "targets",
    "evidence": "evidence",
    "declaration": "declaration",
    "right_holder_mismatch": "credit_code",
    "unknown_category": "category",
    "unknown_subtype": "subtype",
    "subtype_of_other_category": "subtype",
    "invalid_target_url": "targets",
    "unknown_evidence": "evidence",
}
_PERSONAL = {"holder_name": _("Give the name of the person harmed.")}
_REQUIRED = {
    "holder_name": _("Give the right holder's name: the enterprise or the entrepreneur."),
    "agent_name": _("Give the agent's name."),
    "category": _("Choose a category."),
    "subtype": _("Choose the subtype that fits."),
}


def _campaign_zone_error(
    request: Request, intake: Intake, code: str, exc: DomainError
) -> HTMLResponse:
    campaign = next((c for c in intake.campaigns.values() if c.zone_code == code), None)
    details: dict[str, Any] = {"zone": code}
    if campaign is not None:
        details |= {
            "zone_label": campaign.zone,
            "campaign": campaign.name,
            "starts": str(campaign.starts),
            "ends": str(campaign.ends),
        }
    return render_error(
        request, status=exc.http_status, code=exc.code, message=exc.message, details=details
    )


def _zone(request: Request, intake: Intake, code: str) -> Zone | HTMLResponse:
    try:
        return open_zone(
            code, at=intake.database.clock.now(), campaigns=intake.campaigns, packs=intake.packs
        )
    except (Conflict, InvalidInput) as exc:
        return _campaign_zone_error(request, intake, code, exc)


def _pack(intake: Intake, zone: Zone) -> Pack:
    """The pack whose categories classify the zone's reports."""
    return intake.pack_for(zone.pack) if zone.pack is not None else intake.pack


def _personal(pack: Pack) -> bool:
    """Whether the form is for a person harmed (no right-holder proof is asked)."""
    return pack.acceptance_item("right_holder_proof") is None


def _page(
    request: Request,
    *,
    zone: Zone,
    values: dict[str, str],
    reporter: User | None,
    account: ReporterAccount | None,
    kept: list[Kept] | None = None,
    problems: Problems | None = None,
    missing: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    problems = (problems or Problems()).order(_ORDER)
    pack = _pack(intake, zone)
    context = {
        "zone": zone,
        "values": values,
        "kept": kept or [],
        "problems": problems,
        "missing": missing or [],
        "may_submit_anyway": bool(missing) and not problems,
        "kinds": REPORTER_KINDS,
        "categories": pack.categories,
        "evidence_groups": evidence_choices(pack),
        "personal": _personal(pack),
        "zone_note": own.note if (own := pack.zone(zone.code)) is not None else None,
        "slots": range(1, FILE_SLOTS + 1),
        "max_size": human_size(settings.evidence_max_bytes),
        "declaration_version": settings.declaration_version,
        "account": account,
    }
    return render(request, "report.html", context, status=status, reporter=reporter)


def _prefill(account: ReporterAccount | None, *, personal: bool = False) -> dict[str, str]:
    values = dict.fromkeys(FIELDS, "")
    values["reporter_kind"] = "individual" if personal else "enterprise"
    if account is not None:
        values |= {
            "reporter_kind": account.kind,
            "reporter_name": account.contact_name,
            "reporter_phone": account.contact_phone or "",
            "reporter_email": account.contact_email or "",
            "holder_name": account.right_holder_name,
            "credit_code": account.right_holder_credit_code or "",
        }
    return values


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, zone: str = ENTERPRISE_ZONE) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    opened = _zone(request, intake, zone)
    if isinstance(opened, HTMLResponse):
        return opened
    form_nonce(request)
    reporter = current_reporter(request)
    account = _reporter_account(request, reporter)
    personal = _personal(_pack(intake, opened))
    values = _prefill(None if personal else account, personal=personal)
    return _page(request, zone=opened, values=values, reporter=reporter, account=account)


def _reporter_account(request: Request, user: User | None) -> ReporterAccount | None:
    if user is None:
        return None
    return account_of(request.app.state.database, user_id=user.id)


def _category_and_subtype(
    pack: Pack, values: dict[str, str], problems: Problems
) -> tuple[str, str]:
    """The chosen category and subtype; a subtype is posted as ``category.subtype``."""
    category = values["category"]
    owner, _dot, subtype = values["subtype"].rpartition(".")
    owner = owner or category
    category = category or owner
    found = pack.category(category) if category else None
    if not category:
        problems.add("category", "required", _REQUIRED["category"])
    elif found is None:
        problems.add("category", "unknown_category", _("There is no such category."))
    if not subtype:
        problems.add("subtype", "required", _REQUIRED["subtype"])
    elif found is not None and (owner != category or found.subtype(subtype) is None):
        problems.add(
            "subtype",
            "subtype_of_other_category",
            _("This subtype is not one of the chosen category's: choose one listed under it."),
        )
    return category, subtype


def _missing(
    pack: Pack,
    values: dict[str, str],
    category: str,
    subtype: str,
    targets: list[str],
    types: list[str],
    account: ReporterAccount | None,
) -> list[dict[str, Any]]:
    """The acceptance items (WS-5) the report would lack, as intake would find them."""
    found = pack.category(category)
    if found is None:
        return []  # named beside its field; what it needs depends on the category
    if found.subtype(subtype) is None:  # named beside its field; completeness is by category
        subtype = found.subtypes[0].code
    if account is not None and account.status == VERIFIED:
        types = [*types, account.identity_type]
    facts = ReportFacts(
        category=category,
        subtype=subtype,
        statement=values["statement"],
        delegated=bool(values["delegated"]),
        reporter_name=values["reporter_name"],
        reporter_phone=values["reporter_phone"] or None,
        reporter_email=values["reporter_email"] or None,
        targets=tuple(targets),
        evidence_types=tuple(types),
        declaration_accepted=bool(values["declaration"]),
    )
    try:
        return answers.missing_json(check(facts, pack))
    except InvalidInput:
        return []  # an unknown evidence type: named beside its file


def _submission(
    values: dict[str, str],
    category: str,
    subtype: str,
    targets: list[dict[str, str]],
    kept: list[Kept],
    zone: Zone,
    version: str,
    *,
    personal: bool = False,
) -> dict[str, Any]:
    delegated = bool(values["delegated"]) and not personal
    return {
        "reporter": {
            "kind": values["reporter_kind"],
            "name": values["reporter_name"],
            "phone": values["reporter_phone"] or None,
            "email": values["reporter_email"] or None,
        },
        "right_holder": {
            "name": values["holder_name"],
            "credit_code": (values["credit_code"] or None) if not personal else None,
        },
        "delegated": delegated,
        "agent": {"name": values["agent_name"]} if delegated and values["agent_name"] else None,
        "category": category,
        "subtype": subtype,
        "statement": values["statement"],
        "targets": targets,
        "evidence": [{"id": k.id, "type": k.type} for k in kept],
        "declaration": {"accepted": True, "version": version} if values["declaration"] else None,
        "involves_minor": bool(values["involves_minor"]),
        "zone": zone.code,
    }


def _values(form: FormData) -> dict[str, str]:
    values = {name: text(form, name) for name in FIELDS}
    values["statement"] = str(form.get("statement") or "").strip()
    values["targets"] = str(form.get("targets") or "")
    return values


@router.post("/report", response_class=HTMLResponse)
def submit_report(request: Request, form: CheckedForm) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    zone = _zone(request, intake, text(form, "zone") or ENTERPRISE_ZONE)
    if isinstance(zone, HTMLResponse):
        return zone
    reporter = current_reporter(request)
    account = _reporter_account(request, reporter)
    actor: Actor = actor_for(reporter) if reporter is not None else ANONYMOUS
    nonce = form_nonce(request)
    owner = f"form:{nonce}"
    values = _values(form)
    problems = Problems()
    database = intake.database
    pack = _pack(intake, zone)
    personal = _personal(pack)
    kept = kept_files(database, form, owner=owner, pack=pack, problems=problems)
    kept += upload_files(
        form,
        database=database,
        store=request.app.state.evidence_store,
        actor=actor,
        owner=owner,
        limit=settings.evidence_max_bytes,
        pack=pack,
        problems=problems,
        slots=range(1, FILE_SLOTS + 1),
    )
    usable = [k for k in kept if choosable(pack, k.type)]
    category, subtype = _category_and_subtype(pack, values, problems)
    targets = read_targets(values["targets"], intake.rules.targets, problems)
    if values["delegated"] and not values["agent_name"] and not personal:
        problems.add("agent_name", "required", _REQUIRED["agent_name"])
    data = _submission(
        values,
        category,
        subtype,
        targets,
        usable,
        zone,
        settings.declaration_version,
        personal=personal,
    )
    submission: SubmissionIn | None = None
    try:
        submission = parse(SubmissionIn, data)
    except InvalidInput as exc:
        problems.add_invalid(exc, _PLACES, required=_REQUIRED | (_PERSONAL if personal else {}))
    lines = [line for line in values["targets"].splitlines() if line.strip()]
    types = [k.type for k in usable]
    missing = _missing(pack, values, category, subtype, lines, types, None if personal else account)

    def again(status: int) -> HTMLResponse:
        return _page(
            request,
            zone=zone,
            values=values,
            reporter=reporter,
            account=account,
            kept=kept,
            problems=problems,
            missing=missing,
            status=status,
        )

    if problems or submission is None:
        return again(problems.status)
    if missing and not form.get("submit_anyway"):
        return again(200)
    try:
        receipt = intake.submit(
            actor=actor, submission=submission, channel=Channel.WEB_FORM, form=nonce
        )
    except InvalidInput as exc:
        problems.add_invalid(exc, _PLACES)
        return again(exc.http_status)
    except DomainError as exc:
        if exc.code in CODE_MESSAGES:
            problems.add("evidence" if "evidence" in exc.code else "", exc.code)
        else:
            problems.add(
                "", exc.code, _("The report could not be received: %(reason)s"), reason=exc.message
            )
        return again(exc.http_status)
    form_nonce(request, renew=True)
    context = {"receipt": receipt, "zone": zone, "account": account}
    return render(request, "report_done.html", context, reporter=reporter)
