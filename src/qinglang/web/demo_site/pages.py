"""The demo platform's public pages: what the governed platform's users see.

Read-only: the latest list, a post, an account (with the notices the platform shows
it, 平台通知). Measures show here as the platform applies them (labels, placeholders
for removed and private posts, muted and closed accounts). The reading happens in
:mod:`qinglang.platform.queries`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qinglang.platform.queries import get_account_page, get_post, latest_posts
from qinglang.settings import Settings
from qinglang.web.deps import DatabaseDep, SettingsDep

router = APIRouter(prefix="/demo-site", include_in_schema=False)

TEMPLATES_DIR = Path(__file__).parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Templates(env=_env)

SUBJECT_KIND_NAMES = {"person": "个人", "enterprise": "企业", "media": "媒体", "government": "政务"}
Before = Annotated[int | None, Query(description="show posts older than this post id")]


def follower_count(count: int) -> str:
    """``2864`` → ``2864``, ``286400`` → ``28.6万``, as a Chinese site writes it."""
    if count < 10_000:
        return str(count)
    return f"{count / 10_000:.1f}".removesuffix(".0") + "万"


def _render(request: Request, settings: Settings, name: str, **context: Any) -> HTMLResponse:
    zone = ZoneInfo(settings.time_zone)

    def when(at: datetime) -> str:
        return at.astimezone(zone).strftime("%Y年%m月%d日 %H:%M")

    return templates.TemplateResponse(
        request,
        name,
        {
            "when": when,
            "followers": follower_count,
            "subject_kinds": SUBJECT_KIND_NAMES,
            **context,
        },
    )


@router.get("/", response_class=HTMLResponse)
def latest(
    request: Request, database: DatabaseDep, settings: SettingsDep, before: Before = None
) -> HTMLResponse:
    page = latest_posts(database, before=before)
    return _render(request, settings, "index.html", page=page, first_page=before is None)


@router.get("/posts/{post_id:int}", response_class=HTMLResponse)
def post(
    request: Request, post_id: int, database: DatabaseDep, settings: SettingsDep
) -> HTMLResponse:
    return _render(request, settings, "post.html", post=get_post(database, post_id=post_id))


@router.get("/accounts/{account_id:int}", response_class=HTMLResponse)
def account(
    request: Request,
    account_id: int,
    database: DatabaseDep,
    settings: SettingsDep,
    before: Before = None,
) -> HTMLResponse:
    page = get_account_page(database, account_id=account_id, before=before)
    return _render(request, settings, "account.html", page=page, first_page=before is None)


def render_error(request: Request, *, status: int, message: str) -> HTMLResponse:
    """An error page in the demo site's own look (the console keeps its own)."""
    context = {"status": status, "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
