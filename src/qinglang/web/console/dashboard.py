"""The dashboard: figures and charts per campaign and period, and the periodic reports.

For compliance officers, approvers and regulators (``statistics:read``). The period is
chosen with a plain GET form; the charts are SVG drawn on the server
(:mod:`qinglang.oversight.charts`); each periodic report's files download from here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.deadlines import CHINA
from qinglang.errors import NotFound
from qinglang.oversight import charts, periodic
from qinglang.oversight.statistics import campaign_statistics, daily_activity
from qinglang.web.api.v1.statistics import parse_day
from qinglang.web.console.i18n import Catalogs, Translate
from qinglang.web.console.pages import _locale, render
from qinglang.web.deps import ConsoleActor, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/dashboard", include_in_schema=False)
MEDIA_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _category_label(request: Request, code: str, locale: str) -> str:
    for pack in request.app.state.intake.packs.values():
        found = pack.category(code)
        if found is not None:
            return str(found.label.get(locale))
    return code


def _svg(text: str) -> Markup:
    """A chart from :mod:`qinglang.oversight.charts`, which escapes every label itself."""
    return Markup(text)  # noqa: S704 - built from escaped parts only


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}"


def _charts(
    request: Request, _: Translate, locale: str, stats: dict[str, Any], daily: list[dict[str, Any]]
) -> dict[str, Markup]:
    empty = _("No figures in this period")
    kinds = sorted(stats["measures_by_kind"].items(), key=lambda kv: (-kv[1], kv[0]))
    categories = sorted(stats["measures_by_category"].items(), key=lambda kv: (-kv[1], kv[0]))
    share = stats["share_within_deadline"]
    return {
        "by_kind": _svg(
            charts.bar_chart(
                _("Measures applied, by kind"),
                [(_("measure:" + code), n) for code, n in kinds],
                empty=empty,
            )
        ),
        "by_category": _svg(
            charts.bar_chart(
                _("Measures applied, by category"),
                [(_category_label(request, code, locale), n) for code, n in categories],
                empty=empty,
            )
        ),
        "daily": _svg(
            charts.line_chart(
                _("Reports received and cases decided, per day"),
                [d["date"] for d in daily],
                [
                    (_("Reports received"), [d["received"] for d in daily]),
                    (_("Cases decided"), [d["decided"] for d in daily]),
                ],
                empty=empty,
            )
        ),
        "deadline": _svg(
            charts.share_bar(
                _("Share of cases decided within their time limit"),
                share,
                caption=_(
                    "%(within)s of %(decided)s cases decided in time",
                    within=stats["decided_within_deadline"],
                    decided=stats["cases_decided"],
                ),
                empty=empty,
            )
        ),
    }


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    actor: ConsoleActor,
    database: DatabaseDep,
) -> Response:
    """``?campaign=&from=&to=`` (China-time days, both inclusive; by default this month)."""
    require(actor, Permission.STATISTICS_READ)
    params = request.query_params
    today = database.clock.now().astimezone(CHINA).date()
    end = parse_day(params.get("to"), "to", today)
    start = parse_day(params.get("from"), "from", end.replace(day=1))
    chosen = params.get("campaign") or None
    stats = campaign_statistics(database, actor=actor, campaign=chosen, start=start, end=end)
    daily = daily_activity(database, actor=actor, campaign=chosen, start=start, end=end)
    locale, _chosen = _locale(request)
    catalogs: Catalogs = request.app.state.catalogs
    translate = catalogs.translator(locale)
    campaigns = [
        {"id": c.id, "name": c.name.get(locale), "selected": c.id == chosen}
        for c in sorted(request.app.state.intake.campaigns.values(), key=lambda c: c.id)
    ]
    context = {
        "stats": stats,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "campaigns": campaigns,
        "charts": _charts(request, translate, locale, stats, daily),
        "hours": _hours,
        "reports": periodic.list_reports(database, actor=actor),
    }
    return render(request, "dashboard.html", context, actor=actor)


def _download(database: DatabaseDep, actor: Actor, report_id: int, kind: str) -> Response:
    path = periodic.report_file(database, actor=actor, report_id=report_id, kind=kind)
    if path is None:
        raise NotFound("there is no such periodic report file", code="periodic_report_not_found")
    periodic.record_download(database, actor=actor, report_id=report_id, kind=kind)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[kind],
        filename=path.name,
        headers={"Cache-Control": "no-store"},  # nosniff: SecurityHeadersMiddleware
    )


@router.get("/reports/{report_id}.json")
def download_json(actor: ConsoleActor, database: DatabaseDep, report_id: int) -> Response:
    return _download(database, actor, report_id, "json")


@router.get("/reports/{report_id}.xlsx")
def download_xlsx(actor: ConsoleActor, database: DatabaseDep, report_id: int) -> Response:
    return _download(database, actor, report_id, "xlsx")
