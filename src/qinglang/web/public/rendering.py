"""Rendering the public pages: zh-CN first, English on request, no script, nothing cached.

The same catalogs as the console (``_`` in templates; message ids are English). Every
page is sent with ``Cache-Control: no-store``: these pages show tracking numbers,
access tokens and a reporter's own reports.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qinglang.auth.models import User
from qinglang.intake.reports import Intake
from qinglang.policy.model import Label
from qinglang.settings import Settings
from qinglang.web.console.i18n import (
    DEFAULT_LOCALE,
    LANG_COOKIE,
    Catalogs,
    negotiate,
    parse_choice,
)
from qinglang.web.deps import csrf_token

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# Where on the report form each acceptance item (WS-5) is given.
_ITEM_ANCHORS = {
    "statement": "statement",
    "reporter_contact": "reporter_contact",
    "target_locator": "targets",
    "right_holder_proof": "evidence",
    "agent_proof": "evidence",
    "preliminary_evidence": "evidence",
    "declaration": "declaration",
}
# The paths these pages answer; errors under them render as a page, not JSON.
PUBLIC_PATHS = ("/report", "/track", "/reporter", "/transparency")


def is_public_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC_PATHS)


def locale_of(request: Request) -> tuple[str, bool]:
    """The page language, and whether it came from ``?lang=`` (then it is remembered)."""
    chosen = parse_choice(request.query_params.get("lang"))
    if chosen:
        return chosen, True
    remembered = parse_choice(request.cookies.get(LANG_COOKIE))
    return remembered or negotiate(request.headers.get("accept-language")), False


def _lang_href(request: Request, target: str) -> str:
    """This page's address in the other language, other query parameters kept."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*query, ("lang", target)])


def _helpers(request: Request, locale: str) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    intake: Intake = request.app.state.intake
    pack = intake.pack
    english = locale == "en"
    catalogs: Catalogs = request.app.state.catalogs
    _ = catalogs.translator(locale)
    china = settings.time_zone == "Asia/Shanghai"

    def when(value: datetime | str | None) -> str:
        """A time in the platform's zone, saying which (China time by default)."""
        if value is None or value == "":
            return ""
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        text = at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        if china:
            return _("%(time)s (China time)", time=text)
        return f"{text} ({settings.time_zone})"

    def label(value: Label | None) -> str:
        return "" if value is None else value.get(locale)

    packs = [pack, *(p for p in intake.packs.values() if p.id != pack.id)]

    def category_label(code: str) -> str:
        found = next((c for p in packs if (c := p.category(code)) is not None), None)
        return found.label.get(locale) if found else code

    def subtype_label(category: str, code: str) -> str:
        found = next((c for p in packs if (c := p.category(category)) is not None), None)
        sub = found.subtype(code) if found else None
        return sub.label.get(locale) if sub else code

    def evidence_label(code: str) -> str:
        found = next((e for p in packs if (e := p.evidence_type(code)) is not None), None)
        return found.label.get(locale) if found else code

    def message(value: dict[str, str] | None) -> str:
        """A ``{"zh-CN": …, "en": …}`` message from intake in the page's language."""
        if not value:
            return ""
        return value.get("en" if english else "zh-CN") or next(iter(value.values()), "")

    return {
        "when": when,
        "label": label,
        "category_label": category_label,
        "subtype_label": subtype_label,
        "evidence_label": evidence_label,
        "message": message,
        "missing_anchor": lambda item: _ITEM_ANCHORS.get(item, "main"),
        "pack": pack,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    reporter: User | None = None,
) -> HTMLResponse:
    locale, chosen = locale_of(request)
    catalogs: Catalogs = request.app.state.catalogs
    page = {
        "request": request,
        "_": catalogs.translator(locale),
        "locale": locale,
        "html_lang": "zh-CN" if locale == DEFAULT_LOCALE else "en",
        "other_lang_href": _lang_href(request, "zh-CN" if locale == "en" else "en"),
        "csrf_token": csrf_token(request),
        "reporter": reporter,
        **_helpers(request, locale),
        **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if chosen:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response


def render_error(
    request: Request, *, status: int, code: str, message: str, details: object = None
) -> HTMLResponse:
    """A friendly page for an error under the public paths (never JSON)."""
    context = {"status": status, "code": code, "detail": message, "details": details or {}}
    return render(request, "error.html", context, status=status)
