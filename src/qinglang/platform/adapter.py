"""What Qinglang asks of the platform it governs: snapshots of content, measures applied,
and notices shown to its accounts.

A :class:`PlatformAdapter` is the whole contract. The built-in demo platform
(:mod:`qinglang.platform.demo`) implements it on tables in Qinglang's own database;
a webhook adapter implements it against a real platform. Targets are named by a
locator: a public page address (``…/demo-site/posts/12``) or a ref (``post:12``).
The reported party is an account on the platform that Qinglang often has no other
address for, so the platform shows it its notices (:class:`NoticeMessage`) itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from qinglang.errors import DomainError, InvalidInput

TargetKind = Literal["post", "account"]

# The platform-applied measures of VOCABULARY.md, by what they act on.
CONTENT_MEASURES: frozenset[str] = frozenset(
    {
        "remove",
        "make_private_time_limited",
        "dispute_label",
        "clarification_response",
        "rumour_label",
        "fiction_label",
        "ai_generated_label",
        "reduce_distribution",
        "restore",
    }
)
ACCOUNT_MEASURES: frozenset[str] = frozenset(
    {
        "warn",
        "remove_interaction",
        "mute",
        "suspend_monetisation",
        "revoke_monetisation",
        "remove_violation_followers",
        "freeze_new_followers",
        "clear_all_followers",
        "reset_profile",
        "suspend_domain_publishing",
        "close",
        "blacklist",
    }
)
# Measures that put a label beside a post, in the order a page shows them.
LABEL_MEASURES: tuple[str, ...] = (
    "rumour_label",
    "dispute_label",
    "fiction_label",
    "ai_generated_label",
)

_REF = re.compile(r"(post|account):([0-9]{1,18})", re.ASCII)
_PAGE_PATH = re.compile(r"(?:.*/)?demo-site/(posts|accounts)/([0-9]{1,18})/?", re.ASCII)
_PAGE_KINDS: dict[str, TargetKind] = {"posts": "post", "accounts": "account"}


def canonical_content_json(content: dict[str, Any]) -> str:
    """The snapshot encoding that is hashed: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_content_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Target:
    """A post or an account on the platform."""

    kind: TargetKind
    id: int

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


def parse_locator(locator: str) -> Target:
    """Read ``post:12``, ``account:3`` or a demo-site page address (any host, or relative).

    Raises :class:`InvalidInput` with code ``unknown_locator`` for anything else.
    """
    text = locator.strip()
    ref = _REF.fullmatch(text)
    if ref is not None:
        return Target(kind="post" if ref.group(1) == "post" else "account", id=int(ref.group(2)))
    parts = urlsplit(text)
    if parts.scheme in ("", "http", "https"):
        page = _PAGE_PATH.fullmatch(parts.path)
        if page is not None and (parts.scheme == "") == (parts.netloc == ""):
            return Target(kind=_PAGE_KINDS[page.group(1)], id=int(page.group(2)))
    raise InvalidInput(
        "a target is 'post:<id>', 'account:<id>' or a …/demo-site/posts/<id> "
        "or …/demo-site/accounts/<id> address",
        code="unknown_locator",
        details={"locator": locator[:200]},
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a post or account looked like when fetched; kept as evidence.

    ``content_sha256`` is computed from ``content`` (see :func:`canonical_content_json`).
    """

    kind: TargetKind
    id: int
    url: str
    fetched_at: datetime
    content: dict[str, Any]
    content_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware")
        object.__setattr__(self, "content_sha256", content_digest(self.content))


@dataclass(frozen=True, slots=True)
class MeasureMessage:
    """One measure for the platform to apply, idempotent by ``message_id``.

    ``measure`` is a VOCABULARY.md code; ``target`` a locator (``post:12``, ``account:3``);
    ``params`` what the measure needs (``{"until": "<ISO datetime>"}`` or ``{"days": 7}``
    for a period); ``basis`` the requirement IDs that ground it (``["WS-21"]``).
    """

    message_id: str
    measure: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    basis: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MeasureReceipt:
    """The platform's answer: whether the measure is in effect, and what it did."""

    message_id: str
    applied: bool
    duplicate: bool
    effect: str


@dataclass(frozen=True, slots=True)
class NoticeMessage:
    """One notice for the platform to show to one of its accounts, idempotent by ``message_id``.

    ``account`` is the account's locator (``account:3``); ``about`` what the notice is
    about (``post:12`` or ``account:3``, the target of the measures); ``kind`` is
    ``measure`` (measures taken, their basis, how and until when to object) or
    ``objection_outcome``; ``case_id`` is the case the platform names when it relays an
    objection; ``subject`` and ``body`` are plain text (never HTML) in ``locale``.
    """

    message_id: str
    account: str
    about: str
    case_id: int
    kind: str
    locale: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class NoticeReceipt:
    """The platform's answer: the notice is in the account's inbox (``duplicate``: it was)."""

    message_id: str
    delivered: bool
    duplicate: bool


class PlatformUnavailable(DomainError):
    """The platform could not be reached or did not acknowledge: try again later.

    The outbox retries a message whose delivery raised this (or any error that is not a
    :class:`DomainError`); any other :class:`DomainError` is the platform refusing the
    message, which retrying would not change.
    """

    code = "platform_unavailable"
    http_status = 503


class PlatformAdapter(Protocol):
    """The platform Qinglang governs, as Qinglang sees it."""

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        """The current state of the post or account ``locator`` names."""
        ...

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        """Apply ``message`` once; a redelivered ``message_id`` changes nothing."""
        ...

    def deliver_notice(self, *, message: NoticeMessage) -> NoticeReceipt:
        """Show ``message`` to its account once; a redelivered ``message_id`` shows it once."""
        ...
