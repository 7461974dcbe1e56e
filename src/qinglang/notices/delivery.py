"""Sending notices: by e-mail, or through the platform adapter to a platform account.

One pass of :func:`send_due` takes each due notice (``pending``, or ``failed`` whose
``next_attempt_at`` has passed) through three short steps, like the measure outbox:

1. **Claim.** Lock the row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN
   IMMEDIATE`` on SQLite), count the attempt, give a platform notice its
   ``message_id`` if it has none yet, and push ``next_attempt_at`` a lease ahead so no
   other worker takes it meanwhile; commit. The message id is thus stored before the
   platform ever sees it, and every redelivery carries the same one.
2. **Send**, holding no transaction: SMTP for ``email``; for ``platform``, the account
   the target belongs to (a post's author, read from the platform's snapshot as
   :mod:`qinglang.disposal.effect` does, or the account itself) is given the notice by
   ``adapter.deliver_notice``, which shows it once per message id.
3. **Record.** ``sent`` (or ``kept``: no mail server, no platform, or an address the
   platform cannot route, so it stays in the console's mailbox) with a ``notice_sent``
   ledger entry naming the channel; or ``failed`` with the error and the next try.

A failure never loses a notice: every error (the platform down, answering 500, refusing,
or a bug) leaves it ``failed`` and due again after the backoff of the measure outbox
(``min(cap, base·2ⁿ⁻¹)`` times a random factor in [½, 1), from the ``outbox_retry_*``
settings); without a :class:`NoticeRetry` it is due again at the next pass. A worker
that dies after sending leaves a claim that lapses; the platform deduplicates the
redelivery (an e-mail may then go twice).
"""

from __future__ import annotations

import logging
import random
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import DomainError, InvalidInput
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.notices.models import Notice
from qinglang.platform.adapter import (
    NoticeMessage,
    PlatformAdapter,
    PlatformUnavailable,
    parse_locator,
)
from qinglang.settings import Settings

log = logging.getLogger("qinglang.notices")
DUE = ("pending", "failed")
_MAX_ERROR = 500
_random = random.Random()  # noqa: S311  (jitter, not secrets)


@dataclass(frozen=True, slots=True)
class NoticeRetry:
    """The measure outbox's backoff and claim lease, for notices."""

    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(minutes=15)
    lease: timedelta = timedelta(minutes=2)

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeRetry:
        return cls(
            base=timedelta(seconds=settings.outbox_retry_base_seconds),
            cap=timedelta(seconds=settings.outbox_retry_max_seconds),
            lease=timedelta(seconds=settings.outbox_lease_seconds),
        )

    def backoff(self, failures: int, rng: random.Random) -> timedelta:
        """The wait after the ``failures``-th failure in a row (1, 2, …)."""
        doublings = min(max(failures - 1, 0), 60)
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * float(1 << doublings))
        return timedelta(seconds=ceiling * (0.5 + rng.random() / 2))


class Mailer:
    """SMTP, as configured; ``send`` raises OSError/SMTPException on failure."""

    def __init__(
        self, host: str, port: int, sender: str, user: str | None, password: str | None, tls: bool
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.tls = user, password, tls

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=15) as smtp:
            if self.tls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    case_id: int
    kind: str
    channel: str
    address: str
    locale: str
    subject: str
    body: str
    account: str | None
    message_id: str | None


@dataclass(frozen=True, slots=True)
class _Outcome:
    status: str  # sent, kept, failed
    account: str | None = None
    error: str | None = None
    duplicate: bool = False


def new_message_id(notice_id: int) -> str:
    """Unique, and readable in the platform's logs: ``qln-<notice id>-<random>``."""
    return f"qln-{notice_id}-{secrets.token_hex(8)}"


def _claim(database: Database, notice_id: int, lease: timedelta) -> _Claimed | None:
    with database.unit_of_work() as uow:
        now = uow.clock.now()
        notice = uow.session.scalars(
            select(Notice)
            .where(
                Notice.id == notice_id,
                Notice.status.in_(DUE),
                or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
            )
            .with_for_update(skip_locked=True)
        ).first()
        if notice is None:
            return None
        notice.attempts += 1
        notice.next_attempt_at = now + lease
        if notice.channel == "platform" and notice.message_id is None:
            notice.message_id = new_message_id(notice.id)
        return _Claimed(
            id=notice.id,
            case_id=notice.case_id,
            kind=notice.kind,
            channel=notice.channel,
            address=notice.address,
            locale=notice.locale,
            subject=notice.subject,
            body=notice.body,
            account=notice.account,
            message_id=notice.message_id,
        )


def account_of(adapter: PlatformAdapter, locator: str) -> str:
    """The account a post or account locator belongs to, as ``account:<id>``."""
    target = parse_locator(locator)
    if target.kind == "account":
        return target.ref
    content = adapter.fetch_snapshot(locator=target.ref).content
    author = content.get("account")
    if isinstance(author, dict) and isinstance(author.get("id"), int):
        return f"account:{author['id']}"
    raise PlatformUnavailable(
        f"the platform's snapshot of {target.ref} does not name its account",
        code="notice_account_unknown",
    )


def _to_platform(item: _Claimed, adapter: PlatformAdapter | None) -> _Outcome:
    if adapter is None:
        return _Outcome("kept")
    try:
        parse_locator(item.address)
    except InvalidInput:
        return _Outcome("kept", error=f"{item.address[:100]!r} is not a post or an account")
    account = item.account or account_of(adapter, item.address)
    assert item.message_id is not None
    receipt = adapter.deliver_notice(
        message=NoticeMessage(
            message_id=item.message_id,
            account=account,
            about=item.address,
            case_id=item.case_id,
            kind=item.kind,
            locale=item.locale,
            subject=item.subject,
            body=item.body,
        )
    )
    if not receipt.delivered or receipt.message_id != item.message_id:
        return _Outcome("failed", account, "the platform did not acknowledge the notice")
    return _Outcome("sent", account, duplicate=receipt.duplicate)


def _send(item: _Claimed, mailer: Mailer | None, adapter: PlatformAdapter | None) -> _Outcome:
    """Send one claimed notice (no transaction is open); never raises."""
    account = item.account
    try:
        if item.channel == "platform":
            return _to_platform(item, adapter)
        if item.channel == "email" and mailer is not None:
            mailer.send(item.address, item.subject, item.body)
            return _Outcome("sent")
        return _Outcome("kept")
    except DomainError as exc:
        return _Outcome("failed", account, f"{exc.code}: {exc.message}")
    except (OSError, smtplib.SMTPException) as exc:
        return _Outcome("failed", account, str(exc) or type(exc).__name__)
    except Exception as exc:  # anything unforeseen is retried, never dropped
        log.exception("sending notice %s failed", item.id)
        return _Outcome("failed", account, f"{type(exc).__name__}: {exc}")


def _record(
    database: Database,
    item: _Claimed,
    outcome: _Outcome,
    *,
    actor: Actor,
    retry: NoticeRetry | None,
    rng: random.Random,
) -> bool:
    """Record what sending came to; True if the notice went (or is kept)."""
    with database.unit_of_work() as uow:
        notice = uow.session.scalars(
            select(Notice).where(Notice.id == item.id).with_for_update()
        ).first()
        if notice is None or notice.status not in DUE:
            return False  # the claim lapsed and another worker recorded it meanwhile
        now = uow.clock.now()
        if outcome.account is not None:
            notice.account = outcome.account
        notice.last_error = outcome.error[:_MAX_ERROR] if outcome.error else None
        if outcome.status == "failed":
            notice.status = "failed"
            notice.next_attempt_at = now + retry.backoff(notice.attempts, rng) if retry else None
            return False
        notice.status, notice.sent_at, notice.next_attempt_at = outcome.status, now, None
        payload: dict[str, Any] = {
            "notice": notice.id,
            "kind": notice.kind,
            "to": notice.recipient,
            "channel": notice.channel,
            "status": notice.status,
            "attempts": notice.attempts,
        }
        if notice.channel == "platform" and notice.status == "sent":
            payload |= {
                "about": notice.address,
                "account": notice.account,
                "message_id": notice.message_id,
                "duplicate": outcome.duplicate,
            }
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.NOTICE_SENT,
            subject=Subject.of(SubjectType.CASE, notice.case_id),
            payload=payload,
        )
        return True


def send_due(
    database: Database,
    *,
    actor: Actor,
    mailer: Mailer | None,
    platform: PlatformAdapter | None = None,
    retry: NoticeRetry | None = None,
    rng: random.Random | None = None,
    limit: int = 100,
) -> int:
    """Send the due notices: e-mail by ``mailer``, platform notices through ``platform``
    (without either, they are kept in the mailbox); how many went or were kept."""
    lease = (retry or NoticeRetry()).lease
    with database.unit_of_work(read_only=True) as uow:
        now = uow.clock.now()
        due = list(
            uow.session.scalars(
                select(Notice.id)
                .where(
                    Notice.status.in_(DUE),
                    or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= now),
                )
                .order_by(Notice.id)
                .limit(limit)
            )
        )
    done = 0
    for notice_id in due:
        item = _claim(database, notice_id, lease)
        if item is None:
            continue
        outcome = _send(item, mailer, platform)
        if outcome.status == "failed":
            log.warning("notice %s not sent: %s", item.id, outcome.error)
        done += _record(database, item, outcome, actor=actor, retry=retry, rng=rng or _random)
    return done
