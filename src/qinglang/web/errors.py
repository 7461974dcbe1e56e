"""One place that turns errors into responses: JSON under /api, a page elsewhere."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from qinglang.auth.permissions import PermissionMissing
from qinglang.db.engine import unavailable
from qinglang.errors import DomainError, http_status_for
from qinglang.oversight.refusals import is_refused_change, record_refused_change
from qinglang.web.console.pages import render_error as console_error
from qinglang.web.demo_site.pages import render_error as demo_site_error
from qinglang.web.deps import SignInRequired
from qinglang.web.public.rendering import is_public_path
from qinglang.web.public.rendering import render_error as public_error

log = logging.getLogger("qinglang.web")

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/healthz"


def _render(request: Request, status: int, body: dict[str, object]) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": body}, status_code=status)
    code, message = str(body["code"]), str(body["message"])
    if is_public_path(request.url.path):
        return public_error(
            request, status=status, code=code, message=message, details=body.get("details")
        )
    if request.url.path.startswith("/demo-site"):
        return demo_site_error(request, status=status, message=message)
    return console_error(request, status=status, code=code, message=message)


async def _record_refusal(request: Request, exc: PermissionMissing) -> None:
    """A regulator's refused change is entered in the ledger: the one place for every route."""
    if not is_refused_change(exc.actor, request.method):
        return
    try:
        await run_in_threadpool(
            record_refused_change,
            request.app.state.database,
            actor=exc.actor,
            method=request.method,
            path=request.url.path,
            permission=exc.permission,
        )
    except Exception:  # the refusal stands even when it cannot be recorded
        log.exception("could not record a refused change")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, PermissionMissing):
            await _record_refusal(request, exc)
        headers = (
            {"WWW-Authenticate": "Bearer"}
            if exc.http_status == 401 and _wants_json(request)
            else None
        )
        response = _render(request, http_status_for(exc), exc.as_dict())
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/console/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "problem": e["msg"]}
            for e in exc.errors()
        ]
        body: dict[str, object] = {
            "code": "invalid_input",
            "message": "the request is not valid",
            "details": {"problems": problems},
        }
        return _render(request, 422, body)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return _render(request, exc.status_code, {"code": code, "message": str(exc.detail)})

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> Response:
        log.error("database error", exc_info=exc)
        error = unavailable(request.app.state.database.engine.url, exc)
        return _render(request, error.http_status, error.as_dict())
