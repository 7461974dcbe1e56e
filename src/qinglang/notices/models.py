"""Notices to reporters and reported parties, kept and sent like the measure outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base


class Notice(Base):
    """One notice: to whom, by which channel, in which language, and whether it went.

    ``channel``: ``email`` (to ``address``) or ``platform`` (through the platform
    adapter, to the account that ``address`` — the target of the measures, ``post:12``
    or ``account:3`` — belongs to; ``account`` is that account once resolved, and
    ``message_id`` the idempotency key the platform deduplicates on). ``status``:
    ``pending``, ``sent``, ``kept`` (no mail server, or no platform, to send it by: it
    stays in the mailbox the console shows, as in the demo), ``failed`` (retried at
    ``next_attempt_at``, with backoff). ``next_attempt_at`` also holds off other workers
    while one is sending it.
    """

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))  # outcome, measure, objection_outcome
    recipient: Mapped[str] = mapped_column(String(32))  # reporter, reported_party
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    account: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    next_attempt_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notices_status_id", "status", "id"),
        Index("ix_notices_case_id", "case_id"),
    )
