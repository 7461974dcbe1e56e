"""``/reporter/``: reporter accounts (RC-1) — open one, sign in, see every report in one list.

An enterprise that reports often proves who it is once: a reviewer checks the
identity document in the console. A reporter signs in to its own session key; the
console never accepts that session.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from qinglang.actor import ANONYMOUS
from qinglang.auth.login import LoginLimits, sign_in
from qinglang.auth.passwords import MAX_LENGTH, MIN_LENGTH
from qinglang.auth.permissions import Role
from qinglang.auth.users import USERNAME
from qinglang.db.engine import Database
from qinglang.errors import Conflict, InvalidInput, NotAuthenticated, RateLimited
from qinglang.intake.identifiers import credit_code, email, phone
from qinglang.intake.models import Report
from qinglang.intake.reporter_accounts import (
    KINDS,
    AccountRequest,
    account_of,
    reports_of,
    request_account,
)
from qinglang.intake.reports import Intake
from qinglang.settings import Settings
from qinglang.web.public.forms import (
    Kept,
    Problems,
    _,
    evidence_choices,
    human_size,
    kept_files,
    text,
    upload_files,
)
from qinglang.web.public.rendering import render
from qinglang.web.public.session import (
    SESSION_REPORTER,
    CheckedForm,
    current_reporter,
    form_nonce,
)

router = APIRouter(prefix="/reporter", include_in_schema=False)
PAGE = 50
FIELDS = (
    "username",
    "kind",
    "right_holder_name",
    "credit_code",
    "contact_name",
    "contact_phone",
    "contact_email",
)
_PLACES = {f: f for f in FIELDS} | {
    "identity_type": "identity",
    "unknown_evidence": "identity",
    "evidence_already_attached": "identity",
    "username_taken": "username",
}


def _register_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    kept: list[Kept] | None = None,
    problems: Problems | None = None,
    status: int = 200,
) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    context = {
        "values": values or dict.fromkeys(FIELDS, "") | {"kind": "enterprise"},
        "kept": kept or [],
        "problems": (problems or Problems()).order(
            ("username", "password", "password_again", *FIELDS[1:], "identity", "evidence")
        ),
        "kinds": KINDS,
        "identity_groups": evidence_choices(intake.pack, identity_only=True),
        "max_size": human_size(settings.evidence_max_bytes),
        "min_password": MIN_LENGTH,
    }
    return render(request, "reporter_register.html", context, status=status)


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request) -> HTMLResponse:
    form_nonce(request)
    return _register_page(request)


def _check(values: dict[str, str], form: FormData, problems: Problems) -> None:
    """What the page can tell at once, so every problem shows on the first try."""
    password, again = str(form.get("password") or ""), str(form.get("password_again") or "")
    if not USERNAME.match(values["username"]):
        problems.add("username", "invalid_username")
    if len(password) < MIN_LENGTH:
        problems.add("password", "password_too_short")
    elif len(password) > MAX_LENGTH:
        problems.add("password", "password_too_long")
    elif password != again:
        problems.add("password_again", "passwords_differ")
    if values["kind"] not in KINDS:
        problems.add("kind", "required", _("Choose an enterprise or an entrepreneur."))
    if not values["right_holder_name"]:
        problems.add(
            "right_holder_name", "required", _("Give the enterprise's or entrepreneur's name.")
        )
    if values["kind"] == "enterprise" and credit_code(values["credit_code"]) is None:
        problems.add("credit_code", "invalid_credit_code")
    if not values["contact_name"]:
        problems.add("contact_name", "required", _("Give the name of the person to contact."))
    if values["contact_phone"] and phone(values["contact_phone"]) is None:
        problems.add("contact_phone", "invalid_phone")
    if values["contact_email"] and email(values["contact_email"]) is None:
        problems.add("contact_email", "invalid_email")
    if not (values["contact_phone"] or values["contact_email"]):
        problems.add("contact_phone", "reporter_contact_missing")


@router.post("/register", response_class=HTMLResponse)
def register(request: Request, form: CheckedForm) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    settings: Settings = request.app.state.settings
    database: Database = request.app.state.database
    values = {name: text(form, name) for name in FIELDS}
    values["username"] = values["username"].lower()
    problems = Problems()
    owner = f"form:{form_nonce(request)}"
    common: dict[str, Any] = {"owner": owner, "pack": intake.pack, "problems": problems}
    kept = kept_files(database, form, identity_only=True, **common)
    kept += upload_files(
        form,
        database=database,
        store=request.app.state.evidence_store,
        actor=ANONYMOUS,
        limit=settings.evidence_max_bytes,
        slots=[1],
        identity_only=True,
        **common,
    )
    kept = kept[-1:]  # one identity document: the latest one chosen
    _check(values, form, problems)
    if not kept and not problems.of("file_1"):
        problems.add("identity", "required", _("Upload the identity document and say what it is."))

    def again(status: int) -> HTMLResponse:
        return _register_page(request, values=values, kept=kept, problems=problems, status=status)

    if problems:
        return again(problems.status)
    account_request = AccountRequest(
        username=values["username"],
        password=str(form.get("password") or ""),
        kind=values["kind"],
        right_holder_name=values["right_holder_name"],
        credit_code=values["credit_code"] or None,
        contact_name=values["contact_name"],
        contact_phone=values["contact_phone"] or None,
        contact_email=values["contact_email"] or None,
        identity_evidence_id=kept[0].id,
        identity_type=kept[0].type,
    )
    try:
        request_account(
            database, actor=ANONYMOUS, request=account_request, pack=intake.pack, owner=owner
        )
    except (InvalidInput, Conflict) as exc:
        problems.add_invalid(InvalidInput(exc.message, code=exc.code, details=exc.details), _PLACES)
        return again(exc.http_status)
    form_nonce(request, renew=True)
    return render(request, "reporter_pending.html", {"username": values["username"]})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    if current_reporter(request) is not None:
        return RedirectResponse("/reporter/", status_code=303)
    return render(request, "reporter_login.html", {"username": "", "error": ""})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: CheckedForm) -> Response:
    settings: Settings = request.app.state.settings
    database: Database = request.app.state.database
    username = text(form, "username")
    limits = LoginLimits(
        window=timedelta(seconds=settings.login_window_seconds),
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
    )
    address = request.client.host if request.client else "unknown"
    try:
        actor = sign_in(
            database,
            username=username,
            password=str(form.get("password") or ""),
            address=address,
            limits=limits,
        )
    except (NotAuthenticated, RateLimited) as exc:
        context = {"username": username, "error": exc.code}
        return render(request, "reporter_login.html", context, status=exc.http_status)
    if Role.REPORTER.value not in actor.roles:
        context = {"username": username, "error": "not_a_reporter"}
        return render(request, "reporter_login.html", context, status=403)
    request.session.clear()  # a new session on sign-in: no fixation
    request.session[SESSION_REPORTER] = actor.user_id
    return RedirectResponse("/reporter/", status_code=303)


@router.post("/logout")
def logout(request: Request, form: CheckedForm) -> Response:
    request.session.pop(SESSION_REPORTER, None)
    return RedirectResponse("/reporter/login", status_code=303)


def _report_id(database: Database, account_id: int, tracking_no: str) -> int | None:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(
            select(Report.id).where(
                Report.tracking_no == tracking_no, Report.reporter_account_id == account_id
            )
        ).first()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, before: str | None = None) -> Response:
    reporter = current_reporter(request)
    if reporter is None:
        return RedirectResponse("/reporter/login", status_code=303)
    database: Database = request.app.state.database
    account = account_of(database, user_id=reporter.id)
    lines: list[Any] = []
    older: str | None = None
    if account is not None:
        cursor = _report_id(database, account.id, before) if before else None
        lines = reports_of(database, account_id=account.id, limit=PAGE + 1, before=cursor)
        if len(lines) > PAGE:
            lines = lines[:PAGE]
            older = lines[-1].tracking_no
    context = {"account": account, "lines": lines, "older": older, "paged": bool(before)}
    return render(request, "reporter_home.html", context, reporter=reporter)
