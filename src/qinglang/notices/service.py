"""Writing notices when a case is decided or an objection answered, and sending them.

Notices are rows written in the same transaction as the decision (so a decision never
goes untold), rendered from zh-CN and English templates, and sent by the worker
(:mod:`qinglang.notices.delivery`): e-mail by SMTP when a mail server is configured,
otherwise kept in the mailbox the console shows (the demo); notices to the reported
party through the platform adapter, to the account the measure's target belongs to,
where the platform shows them. Each send is a ledger entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select

from qinglang.db.engine import Database, UnitOfWork
from qinglang.notices.delivery import Mailer, NoticeRetry, send_due
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


def mailbox(database: Database, *, limit: int = 100) -> list[Notice]:
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(limit)))


__all__ = [
    "CHINA",
    "Mailer",
    "NoticeRetry",
    "NoticeSettings",
    "Recipient",
    "mailbox",
    "measure_lines",
    "send_due",
    "write",
]
