"""The webhook adapter: a real platform reached over HTTP(S), with signed, idempotent messages.

Applying a measure POSTs the :class:`MeasureMessage` as JSON to ``measure_url`` with

- ``Idempotency-Key: <message_id>`` (the same on every redelivery: apply it once),
- ``X-Qinglang-Timestamp: <Unix seconds>`` and
- ``X-Qinglang-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body, keyed by the
  shared secret>``; :func:`verify_signature` is the check the platform's side makes.

The platform answers 2xx with a JSON receipt ``{"message_id", "applied", "duplicate",
"effect"}`` (every field optional), or 409 when it has already applied that message id.
Anything else, and any connection error or timeout, raises :class:`PlatformUnavailable`,
which the outbox retries with backoff. Redirects are not followed.

Every POST also carries ``X-Qinglang-Message-Type: measure`` or ``notice``, so one
endpoint can tell the two message types apart.

Delivering a notice (for the platform to show in an account's inbox: the reported party
is an account Qinglang often has no other address for) POSTs to the same ``measure_url``,
signed the same way, with ``Idempotency-Key: <message_id>`` and
``X-Qinglang-Message-Type: notice``, the JSON object (keys sorted, UTF-8)::

    {"type": "notice", "message_id": "qln-41-…", "account": "account:3",
     "about": "post:12", "case_id": 7, "kind": "measure" | "objection_outcome",
     "locale": "zh-CN", "subject": "…", "body": "<plain text, never HTML>"}

Show it to ``account`` once per ``message_id``. The platform answers 2xx with
``{"message_id", "delivered", "duplicate"}`` (every field optional; ``delivered: false``
is retried), or 409 when it already has that message id; anything else is retried with
the notice backoff, as for measures.

Fetching a snapshot GETs ``snapshot_url?locator=<locator>`` signed the same way over
``"<timestamp>." + "locator=<locator, URL-encoded>"``; the answer is ``{"kind", "id",
"url", "fetched_at"?, "content"}``. A 404 is :class:`~qinglang.errors.NotFound`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from qinglang.clock import Clock, SystemClock
from qinglang.errors import ConfigurationError, NotFound
from qinglang.platform.adapter import (
    MeasureMessage,
    MeasureReceipt,
    NoticeMessage,
    NoticeReceipt,
    PlatformUnavailable,
    Snapshot,
    parse_locator,
)
from qinglang.settings import Settings

SIGNATURE_HEADER = "X-Qinglang-Signature"
MESSAGE_TYPE_HEADER = "X-Qinglang-Message-Type"
TIMESTAMP_HEADER = "X-Qinglang-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
MAX_ANSWER_BYTES = 1024 * 1024
_SNIPPET = 200


def signature(secret: str, timestamp: str, payload: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 over ``"<timestamp>." + payload``."""
    mac = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + payload, hashlib.sha256
    )
    return "sha256=" + mac.hexdigest()


def verify_signature(
    *,
    secret: str,
    timestamp: str,
    payload: bytes,
    signature_header: str,
    now: datetime,
    tolerance: timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """What the platform checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, timestamp, payload), signature_header)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is then an HTTPError like any other non-2xx answer


def _check_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"{name}: must be an http:// or https:// address")
    return url


def _snippet(raw: bytes) -> str:
    return raw[:_SNIPPET].decode("utf-8", "replace").strip()


class WebhookPlatform:
    """The :class:`~qinglang.platform.adapter.PlatformAdapter` of a platform reached by HTTP."""

    def __init__(
        self,
        *,
        measure_url: str,
        secret: str,
        snapshot_url: str | None = None,
        timeout: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        if not secret:
            raise ConfigurationError("webhook_secret: the webhook adapter needs a secret")
        self.measure_url = _check_url(measure_url, "webhook_url")
        self.snapshot_url = (
            _check_url(snapshot_url, "webhook_snapshot_url") if snapshot_url else None
        )
        self._secret = secret
        self.timeout = timeout
        self.clock = clock or SystemClock()
        self._opener = urllib.request.build_opener(_NoRedirects)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> WebhookPlatform:
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise ConfigurationError("webhook_url: not configured", code="webhook_not_configured")
        return cls(
            measure_url=settings.webhook_url,
            snapshot_url=settings.webhook_snapshot_url,
            secret=settings.webhook_secret.get_secret_value(),
            timeout=settings.webhook_timeout_seconds,
            clock=clock,
        )

    def _headers(self, payload: bytes) -> dict[str, str]:
        timestamp = str(int(self.clock.now().timestamp()))
        return {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret, timestamp, payload),
            "Accept": "application/json",
            "User-Agent": "qinglang-webhook/1",
        }

    def _send(self, request: urllib.request.Request) -> tuple[int, bytes]:
        """The status and body of any answer; PlatformUnavailable if there was none."""
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return int(answer.status), answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            with exc:
                return int(exc.code), exc.read(MAX_ANSWER_BYTES)
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise PlatformUnavailable(
                f"the platform at {request.full_url} did not answer: {reason}",
                details={"url": request.full_url},
            ) from None

    def _post(self, fields: dict[str, Any], *, message_id: str, kind: str) -> tuple[int, bytes]:
        """POST ``fields`` as signed JSON to ``measure_url``; the answer's status and body."""
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        body = text.encode("utf-8")
        headers = self._headers(body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        headers[IDEMPOTENCY_HEADER] = message_id
        headers[MESSAGE_TYPE_HEADER] = kind
        request = urllib.request.Request(  # noqa: S310  (scheme checked: http or https)
            self.measure_url, data=body, headers=headers, method="POST"
        )
        return self._send(request)

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        status, raw = self._post(asdict(message), message_id=message.message_id, kind="measure")
        if status == 409:
            answer = _json_object(raw) or {}
            effect = answer.get("effect")
            return MeasureReceipt(
                message_id=message.message_id,
                applied=True,
                duplicate=True,
                effect=effect if isinstance(effect, str) else "already applied (HTTP 409)",
            )
        if not 200 <= status < 300:
            raise PlatformUnavailable(
                f"the platform answered HTTP {status}: {_snippet(raw)}",
                details={"status": status},
            )
        return _receipt(message, status, raw)

    def deliver_notice(self, *, message: NoticeMessage) -> NoticeReceipt:
        fields = {"type": "notice", **asdict(message)}
        status, raw = self._post(fields, message_id=message.message_id, kind="notice")
        if status == 409:
            return NoticeReceipt(message_id=message.message_id, delivered=True, duplicate=True)
        if not 200 <= status < 300:
            raise PlatformUnavailable(
                f"the platform answered HTTP {status}: {_snippet(raw)}",
                details={"status": status},
            )
        return _notice_receipt(message, raw)

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        if self.snapshot_url is None:
            raise PlatformUnavailable(
                "no webhook_snapshot_url is configured", code="snapshot_not_configured"
            )
        target = parse_locator(locator)
        query = urlencode({"locator": locator}).encode("ascii")
        separator = "&" if "?" in self.snapshot_url else "?"
        request = urllib.request.Request(  # noqa: S310  (scheme checked: http or https)
            f"{self.snapshot_url}{separator}{query.decode('ascii')}",
            headers=self._headers(query),
            method="GET",
        )
        status, raw = self._send(request)
        if status == 404:
            raise NotFound(f"the platform has no {target.ref}", code="target_not_found")
        if not 200 <= status < 300:
            raise PlatformUnavailable(
                f"the platform answered HTTP {status}: {_snippet(raw)}",
                details={"status": status},
            )
        return _snapshot(raw, target.kind, target.id, self.clock.now())


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _bad_answer(what: str) -> PlatformUnavailable:
    return PlatformUnavailable(f"the platform's answer {what}", code="platform_bad_answer")


def _receipt(message: MeasureMessage, status: int, raw: bytes) -> MeasureReceipt:
    answer = _json_object(raw)
    if answer is None:
        if raw.strip():
            raise _bad_answer("is not a JSON object")
        answer = {}
    if answer.get("message_id", message.message_id) != message.message_id:
        raise _bad_answer("is a receipt for another message")
    applied, duplicate = answer.get("applied", True), answer.get("duplicate", False)
    effect = answer.get("effect", f"acknowledged (HTTP {status})")
    if not isinstance(applied, bool) or not isinstance(duplicate, bool):
        raise _bad_answer("has 'applied' or 'duplicate' that is not true or false")
    if not isinstance(effect, str):
        raise _bad_answer("has an 'effect' that is not text")
    if not applied:
        raise PlatformUnavailable(f"the platform did not apply the measure: {effect[:200]}")
    return MeasureReceipt(
        message_id=message.message_id, applied=True, duplicate=duplicate, effect=effect
    )


def _notice_receipt(message: NoticeMessage, raw: bytes) -> NoticeReceipt:
    answer = _json_object(raw)
    if answer is None:
        if raw.strip():
            raise _bad_answer("is not a JSON object")
        answer = {}
    if answer.get("message_id", message.message_id) != message.message_id:
        raise _bad_answer("is a receipt for another message")
    delivered, duplicate = answer.get("delivered", True), answer.get("duplicate", False)
    if not isinstance(delivered, bool) or not isinstance(duplicate, bool):
        raise _bad_answer("has 'delivered' or 'duplicate' that is not true or false")
    if not delivered:
        raise PlatformUnavailable("the platform did not take the notice")
    return NoticeReceipt(message_id=message.message_id, delivered=True, duplicate=duplicate)


def _snapshot(raw: bytes, kind: str, ident: int, now: datetime) -> Snapshot:
    answer = _json_object(raw)
    if answer is None:
        raise _bad_answer("is not a JSON object")
    content, url = answer.get("content"), answer.get("url")
    if answer.get("kind") != kind or answer.get("id") != ident:
        raise _bad_answer(f"is not about {kind}:{ident}")
    if not isinstance(content, dict) or not isinstance(url, str):
        raise _bad_answer("lacks 'content' (an object) or 'url'")
    fetched_at = now
    if isinstance(answer.get("fetched_at"), str):
        try:
            fetched_at = datetime.fromisoformat(answer["fetched_at"])
        except ValueError:
            raise _bad_answer("has a 'fetched_at' that is not an ISO datetime") from None
        if fetched_at.tzinfo is None:
            raise _bad_answer("has a 'fetched_at' without a time zone")
    return Snapshot(
        kind="post" if kind == "post" else "account",
        id=ident,
        url=url,
        fetched_at=fetched_at,
        content=content,
    )


__all__ = [
    "IDEMPOTENCY_HEADER",
    "MESSAGE_TYPE_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookPlatform",
    "signature",
    "verify_signature",
]
