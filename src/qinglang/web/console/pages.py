"""Console pages: sign in and out, the home page, running a ledger check."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.login import LoginLimits, sign_in
from qinglang.auth.permissions import Permission, can, require
from qinglang.errors import NotAuthenticated, RateLimited
from qinglang.ledger.chain import Verification
from qinglang.web.console.i18n import DEFAULT_LOCALE, LANG_COOKIE, Catalogs, negotiate, parse_choice
from qinglang.web.deps import (
    SESSION_USER,
    ConsoleActor,
    CsrfChecked,
    DatabaseDep,
    MaybeConsoleActor,
    SettingsDep,
    csrf_token,
)

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)


def _localtime(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


TEMPLATES.env.filters["localtime"] = _localtime


def _locale(request: Request) -> tuple[str, bool]:
    """The page language, and whether it came from ``?lang=`` (then it is remembered)."""
    chosen = parse_choice(request.query_params.get("lang"))
    if chosen:
        return chosen, True
    remembered = parse_choice(request.cookies.get(LANG_COOKIE))
    return remembered or negotiate(request.headers.get("accept-language")), False


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status: int = 200,
) -> HTMLResponse:
    locale, chosen = _locale(request)
    catalogs: Catalogs = request.app.state.catalogs
    settings = request.app.state.settings
    page = {
        "request": request,
        "_": catalogs.translator(locale),
        "locale": locale,
        "html_lang": "zh-CN" if locale == DEFAULT_LOCALE else "en",
        "actor": actor,
        "csrf_token": csrf_token(request),
        "zone": settings.zone,
        "can": lambda permission: actor is not None and can(actor, Permission(permission)),
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, page, status_code=status)
    if chosen:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response


def render_error(request: Request, *, status: int, code: str, message: str) -> Response:
    context = {"status": status, "code": code, "message": message}
    return render(request, "error.html", context, status=status)


def _safe_next(target: str | None) -> str:
    """Only same-site console paths; anything else goes home (no open redirects)."""
    if not target:
        return "/console/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return "/console/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: MaybeConsoleActor, next: str | None = None) -> Response:
    if actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
def login(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/console/"),
) -> Response:
    limits = LoginLimits(
        window=timedelta(seconds=settings.login_window_seconds),
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
    )
    address = request.client.host if request.client else "unknown"
    try:
        actor = sign_in(
            database, username=username, password=password, address=address, limits=limits
        )
    except (NotAuthenticated, RateLimited) as exc:
        context = {"next": _safe_next(next), "error_code": exc.code, "username": username}
        return render(request, "login.html", context, status=exc.http_status)
    request.session.clear()  # a new session on sign-in: no fixation
    request.session[SESSION_USER] = actor.user_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/console/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: ConsoleActor, database: DatabaseDep) -> Response:
    return render(request, "home.html", _home_context(actor, database), actor=actor)


@router.post("/ledger/verify", response_class=HTMLResponse, dependencies=[CsrfChecked])
def verify_ledger(request: Request, actor: ConsoleActor, database: DatabaseDep) -> Response:
    require(actor, Permission.LEDGER_VERIFY)
    verification: Verification = ledger.verify(database)
    context = _home_context(actor, database) | {"verification": verification}
    return render(request, "home.html", context, actor=actor)


def _home_context(actor: Actor, database: DatabaseDep) -> dict[str, Any]:
    context: dict[str, Any] = {"head": None, "entries": []}
    if can(actor, Permission.LEDGER_READ):
        context["head"] = ledger.head(database)
        context["entries"] = ledger.recent_entries(database, limit=20)
    return context
