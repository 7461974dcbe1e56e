"""Writing notices when a case is decided or an objection answered, and sending them.

Notices are rows written in the same transaction as the decision (so a decision never
goes untold), rendered from zh-CN and English templates, and sent by the worker:
by SMTP when a mail server is configured, otherwise kept in the mailbox the console
shows (the demo). Each send is a ledger entry.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.notices.models import Notice
from qinglang.policy.model import Pack

CHINA = ZoneInfo("Asia/Shanghai")
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701  plain-text mail and platform messages, never HTML
    keep_trailing_newline=True,
)
_SUBJECTS = {
    ("outcome", "zh-CN"): "您的举报已办理完毕（{tracking_no}）",
    ("outcome", "en"): "Your report {tracking_no} has been handled",
    ("measure", "zh-CN"): "处置通知：您的{what}",
    ("measure", "en"): "Notice of a measure on your {what}",
    ("objection_outcome", "zh-CN"): "申诉处理结果（案件 {case_id}）",
    ("objection_outcome", "en"): "Your objection in case {case_id} has been decided",
}


@dataclass(frozen=True, slots=True)
class NoticeSettings:
    base_url: str = "http://127.0.0.1:8000"
    platform: str = "清朗演示平台"
    objection_window: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Recipient:
    who: str  # reporter, reported_party
    channel: str  # email, platform
    address: str
    locale: str = "zh-CN"


def _render(kind: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
    body = _TEMPLATES.get_template(f"{kind}.{locale}.txt").render(**context)
    subject = _SUBJECTS[(kind, locale)].format(**context)
    return subject[:200], body


def _label(pack: Pack, code: str, locale: str) -> str:
    kind = pack.disposal.measure(code) if pack.disposal else None
    if kind is None:
        return code
    return kind.label.zh if locale == "zh-CN" else kind.label.en


def _basis(basis: Sequence[dict[str, str]]) -> str:
    return "、".join(f"{b['id']} {b['article']}" for b in basis)


def write(
    uow: UnitOfWork,
    *,
    case_id: int,
    kind: str,
    to: Recipient,
    context: dict[str, Any],
) -> Notice:
    subject, body = _render(kind, to.locale, context)
    notice = Notice(
        case_id=case_id,
        kind=kind,
        recipient=to.who,
        channel=to.channel,
        address=to.address,
        locale=to.locale,
        subject=subject,
        body=body,
        status="pending",
        attempts=0,
        created_at=uow.clock.now(),
    )
    uow.session.add(notice)
    return notice


def measure_lines(
    pack: Pack, measures: Sequence[dict[str, Any]], locale: str, until: dict[str, datetime]
) -> list[dict[str, str]]:
    return [
        {
            "label": _label(pack, m["code"], locale),
            "target": m["target"],
            "basis": _basis(m["basis"]),
            "until": until[m["target"]].astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            if m["target"] in until
            else "",
        }
        for m in measures
    ]


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


def send_due(database: Database, *, actor: Actor, mailer: Mailer | None, limit: int = 100) -> int:
    """Send pending notices (e-mail by ``mailer``; without one, and for platform notices,
    keep them in the mailbox); how many went."""
    with database.unit_of_work(read_only=True) as uow:
        due = list(
            uow.session.scalars(
                select(Notice.id).where(Notice.status.in_(("pending", "failed"))).limit(limit)
            )
        )
    done = 0
    for notice_id in due:
        with database.unit_of_work() as uow:
            notice = uow.session.scalars(
                select(Notice).where(Notice.id == notice_id).with_for_update()
            ).first()
            if notice is None or notice.status not in ("pending", "failed"):
                continue
            notice.attempts += 1
            try:
                if notice.channel == "email" and mailer is not None:
                    mailer.send(notice.address, notice.subject, notice.body)
                    notice.status = "sent"
                else:
                    notice.status = "kept"
            except (OSError, smtplib.SMTPException) as exc:
                notice.status, notice.last_error = "failed", str(exc)[:500]
                continue
            notice.sent_at = uow.clock.now()
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.NOTICE_SENT,
                subject=Subject.of(SubjectType.CASE, notice.case_id),
                payload={
                    "notice": notice.id,
                    "kind": notice.kind,
                    "to": notice.recipient,
                    "channel": notice.channel,
                    "status": notice.status,
                },
            )
            done += 1
    return done


def mailbox(database: Database, *, limit: int = 100) -> list[Notice]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(limit)))
