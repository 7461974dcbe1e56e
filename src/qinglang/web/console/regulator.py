"""``/console/regulator``: the regulator's portal (WS-28) and inspections (WS-29).

A search form (GET, no script) over cases, reports, account measures and the ledger;
a case's full timeline with evidence hashes; downloads of a search (CSV, XLSX) and of a
signed bundle (zip) for a case or a date range; inspection samples and one printable page
per sampled case. Every search, read and download is entered in the ledger by the
services; what reporters and reported parties wrote is escaped by the templates and shown
with resident ID, phone and bank card numbers masked.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.errors import InvalidInput
from qinglang.intake.reports import Intake
from qinglang.oversight import exports, inspections, portal
from qinglang.oversight.portal import Download, PortalQuery
from qinglang.settings import Settings
from qinglang.web.console.pages import render
from qinglang.web.deps import ConsoleActor, CsrfChecked, DatabaseDep, SettingsDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/regulator", include_in_schema=False)
FILTERS = ("kind", "start", "end", "category", "campaign", "account", "url", "tracking_no")
ZIP = "application/zip"


def _helpers(request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    intake: Intake = request.app.state.intake

    def when(value: str | datetime | None) -> str:
        if not value:
            return ""
        at = datetime.fromisoformat(value) if isinstance(value, str) else value
        return at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M:%S")

    categories: dict[str, Any] = {}
    evidence_types: dict[str, Any] = {}
    for pack in intake.packs.values():
        for category in pack.categories:
            categories.setdefault(category.code, category.label)
        for kind in pack.evidence_types:
            evidence_types.setdefault(kind.code, kind.label)

    def pretty(payload: object) -> str:
        """A ledger payload as a person reads it, personal numbers masked."""
        return portal.masked(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True))

    return {
        "when": when,
        "pretty": pretty,
        "evidence_types": evidence_types,
        "mask": portal.masked,
        "categories": categories,
        "campaigns": sorted(intake.campaigns.values(), key=lambda c: c.starts),
    }


def _attachment(download: Download) -> Response:
    plain = download.filename.encode("ascii", "replace").decode("ascii")
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(download.filename)}"
    # X-Content-Type-Options: nosniff is set on every response by SecurityHeadersMiddleware.
    return Response(
        content=download.content,
        media_type=download.media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "X-Content-SHA256": download.sha256,
        },
    )


def _query(request: Request, settings: Settings) -> PortalQuery:
    intake: Intake = request.app.state.intake
    given = {name: request.query_params.get(name) for name in FILTERS}
    return portal.parse_query(
        kind=given.pop("kind") or portal.CASES,
        **given,
        zone=settings.zone,
        rules=intake.rules.targets,
    )


@router.get("", response_class=HTMLResponse)
def search_page(
    request: Request, actor: ConsoleActor, database: DatabaseDep, settings: SettingsDep
) -> HTMLResponse:
    require(actor, Permission.OVERSIGHT_READ)
    given = {name: request.query_params.get(name, "") for name in FILTERS}
    context: dict[str, Any] = {"given": given, "result": None, "problem": None}
    status = 200
    if request.query_params.get("kind"):
        try:
            query = _query(request, settings)
            context["result"] = portal.search(
                database,
                actor=actor,
                query=query,
                limit=50,
                after=request.query_params.get("after") or None,
            )
        except InvalidInput as exc:
            context["problem"] = exc.code
            status = 422
        else:
            kept = [(k, v) for k, v in given.items() if v]
            context["this_query"] = urlencode(kept)
            if context["result"]["next"]:
                context["next_href"] = "?" + urlencode(
                    [*kept, ("after", context["result"]["next"])]
                )
    context |= _helpers(request)
    return render(request, "regulator_search.html", context, actor=actor, status=status)


@router.get("/download")
def download(
    request: Request, actor: ConsoleActor, database: DatabaseDep, settings: SettingsDep
) -> Response:
    query = _query(request, settings)
    fmt = request.query_params.get("format", portal.CSV)
    return _attachment(portal.download_search(database, actor=actor, query=query, fmt=fmt))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: int, actor: ConsoleActor, database: DatabaseDep
) -> HTMLResponse:
    record = portal.case_timeline(database, actor=actor, case_id=case_id)
    context = {"case": record, "printable": False} | _helpers(request)
    return render(request, "regulator_case.html", context, actor=actor)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name} is a date such as 2026-11-01", code="invalid_date", details={"field": name}
        ) from None


@router.get("/bundle")
def bundle(
    request: Request, actor: ConsoleActor, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """The signed export (entries, evidence hashes, manifest and its signature), zipped, for
    a case (``case``) or a date range (``start``, ``end``); ``files=1`` adds the evidence files."""
    require(actor, Permission.OVERSIGHT_READ)
    params = request.query_params
    case_text = params.get("case", "").strip()
    case_id = int(case_text) if case_text.isdigit() else None
    if case_text and case_id is None:
        raise InvalidInput("case is a case number", code="invalid_case")
    start, end = _day(params.get("start"), "start"), _day(params.get("end"), "end")
    with_files = params.get("files") == "1"
    if case_id is not None and (start is None or end is None):
        opened = portal.case_opened_at(database, actor=actor, case_id=case_id)
        start = start or opened.astimezone(settings.zone).date()
        end = end or database.clock.now().astimezone(settings.zone).date()
    if start is None or end is None:
        raise InvalidInput("a bundle needs a case or a start and end date", code="invalid_range")
    with tempfile.TemporaryDirectory(prefix="qinglang-bundle-") as folder:
        out = Path(folder) / "bundle"
        manifest = exports.export_bundle(
            database,
            settings=settings,
            actor=actor,
            start=start,
            end=end,
            case_id=case_id,
            with_files=with_files,
            out=out,
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(out).as_posix())
    content = buffer.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    name = (
        f"qinglang-case-{case_id}-{start}-{end}.zip"
        if case_id is not None
        else f"qinglang-ledger-{start}-{end}.zip"
    )
    details: dict[str, Any] = {
        "format": "zip",
        "from": str(start),
        "to": str(end),
        "with_files": with_files,
    }
    if case_id is not None:
        details["case"] = case_id
    if isinstance(manifest, dict) and "counts" in manifest:
        details["counts"] = manifest["counts"]
    portal.record_download(
        database, actor=actor, what="signed_bundle", filename=name, sha256=digest, details=details
    )
    return _attachment(Download(name, ZIP, content, digest))


# -- inspections (WS-29) ------------------------------------------------------------------


def _inspections_page(
    request: Request,
    actor: Actor,
    database: DatabaseDep,
    *,
    problem: str | None = None,
    given: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "inspections": inspections.list_inspections(database, actor=actor),
        "problem": problem,
        "given": given or {},
    } | _helpers(request)
    return render(request, "regulator_inspections.html", context, actor=actor, status=status)


@router.get("/inspections", response_class=HTMLResponse)
def inspections_page(request: Request, actor: ConsoleActor, database: DatabaseDep) -> HTMLResponse:
    return _inspections_page(request, actor, database)


@router.post("/inspections", response_class=HTMLResponse, dependencies=[CsrfChecked])
def draw_inspection(
    request: Request,
    actor: ConsoleActor,
    database: DatabaseDep,
    settings: SettingsDep,
    start: str = Form(""),
    end: str = Form(""),
    size: str = Form("10"),
    seed: str = Form(""),
    note: str = Form(""),
) -> Response:
    given = {"start": start, "end": end, "size": size, "seed": seed, "note": note}
    try:
        first, last = _day(start, "start"), _day(end, "end")
        if first is None or last is None:
            raise InvalidInput("give the period's first and last day", code="invalid_range")
        if not size.strip().isdigit():
            raise InvalidInput("a sample size is a number", code="invalid_sample_size")
        drawn = inspections.draw(
            database,
            actor=actor,
            start=first,
            end=last,
            size=int(size),
            zone=settings.zone,
            seed=seed or None,
            note=note,
        )
    except InvalidInput as exc:
        return _inspections_page(
            request, actor, database, problem=exc.code, given=given, status=422
        )
    return RedirectResponse(f"/console/regulator/inspections/{drawn.id}", status_code=303)


@router.get("/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_page(
    request: Request,
    inspection_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    settings: SettingsDep,
) -> HTMLResponse:
    found = inspections.get(database, actor=actor, inspection_id=inspection_id)
    again = inspections.redraw(
        database, actor=actor, inspection_id=inspection_id, zone=settings.zone
    )
    context = {
        "inspection": found,
        "reproduced": again == list(found.case_ids),
    } | _helpers(request)
    return render(request, "regulator_inspection.html", context, actor=actor)


@router.get("/inspections/{inspection_id}/cases/{case_id}", response_class=HTMLResponse)
def inspected_case_page(
    request: Request, inspection_id: int, case_id: int, actor: ConsoleActor, database: DatabaseDep
) -> HTMLResponse:
    record = inspections.inspected_case(
        database, actor=actor, inspection_id=inspection_id, case_id=case_id
    )
    context = {"case": record, "printable": True} | _helpers(request)
    return render(request, "regulator_case.html", context, actor=actor)
