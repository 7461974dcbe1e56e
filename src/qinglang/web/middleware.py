"""Request ids and one JSON access-log line per request (pure ASGI, no buffering)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qinglang.logs import request_id

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("qinglang.access")


class RequestContextMiddleware:
    """Accepts a sane ``X-Request-ID`` or makes one, echoes it, and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id.reset(token)


_COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Pages are server-rendered with no script of their own; Swagger UI (/api/docs) needs its
# inline initialiser, so the policy covers the console, the demo site and the public
# reporter pages (/report, /track, /reporter/).
_PAGE_POLICY = (
    b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_STRICT_PREFIXES = ("/console", "/demo-site", "/report", "/track", "/transparency")


class SecurityHeadersMiddleware:
    """nosniff, no framing, same-origin referrers everywhere; a strict CSP on pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        strict = str(scope["path"]).startswith(_STRICT_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *_COMMON_HEADERS]
                if strict:
                    headers.append((b"content-security-policy", _PAGE_POLICY))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
