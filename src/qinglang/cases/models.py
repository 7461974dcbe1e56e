"""Cases: reports on the same content, grouped, with one time limit (WS-3) and its pauses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base


class Case(Base):
    """One matter to decide: the reports on one piece of content (or account).

    ``due_at`` is the end of the time limit counted in working days with the clock
    stopped while every live report of the case awaits a supplement; it is None while
    so paused. ``status``: ``awaiting_supplement``, ``open``, ``closed_incomplete``
    (later issues add the review states).
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    pack: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))  # the first report's
    subtype: Mapped[str] = mapped_column(String(64))
    zone: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))  # the first report's
    working_days: Mapped[int]
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    report_count: Mapped[int] = mapped_column(default=0)  # reports joined, duplicates apart
    duplicate_count: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_cases_status_due_at", "status", "due_at"),)


class CaseTarget(Base):
    """A piece of content or an account the case is about, by its normalised key."""

    __tablename__ = "case_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    target_key: Mapped[str] = mapped_column(String(512))
    open: Mapped[bool] = mapped_column(default=True)  # false once the case is closed

    __table_args__ = (
        Index("ix_case_targets_target_key_open", "target_key", "open"),
        Index("ix_case_targets_case_id", "case_id"),
    )


class CasePause(Base):
    """A stretch in which the case's clock stood still (a supplement awaited)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    since: Mapped[datetime]
    until: Mapped[datetime | None]
