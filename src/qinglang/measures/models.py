"""Measures as records with periods, and the outbox that carries them to the platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base

# Measure.status
PENDING = "pending"  # recorded; its message is on its way to the platform
RETRYING = "retrying"  # delivery failed at least once; the outbox keeps trying
APPLIED = "applied"  # the platform acknowledged it
FAILED = "failed"  # the platform refused the message; retrying would not change that
EXPIRED = "expired"  # its period ended
REVOKED = "revoked"  # a later decision (an objection upheld, a re-review) withdrew it
RECORDED = "recorded"  # not a platform measure (refuse_report, report_to_regulator …)
# A measure in one of these may still change; the others are final.
LIVE_STATUSES: tuple[str, ...] = (PENDING, RETRYING, APPLIED)
UNDELIVERED_STATUSES: tuple[str, ...] = (PENDING, RETRYING)

# OutboxMessage.status
MESSAGE_PENDING = "pending"  # to deliver (now, after its retry time, or when a claim lapses)
MESSAGE_DELIVERED = "delivered"
MESSAGE_REFUSED = "refused"
MESSAGE_CANCELLED = "cancelled"  # its measure expired or was revoked before delivery


class Measure(Base):
    """One measure a decision took: on what, with what, why, and for how long.

    ``target`` is a locator (``post:12``, ``account:3``; ``case:7`` or ``report:9`` for
    measures Qinglang carries out itself). ``basis`` is ``[{"id": "WS-21", "article":
    "第二十一条(一)"}]``. ``expires_at`` is set for a time-limited measure (限时加私, a mute,
    a suspension) and counted from ``starts_at``, the moment of the decision.
    """

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    code: Mapped[str] = mapped_column(String(64))
    on: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]]
    basis: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    applied_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]  # when it expired, was revoked or was refused
    effect: Mapped[str | None] = mapped_column(Text)  # what the platform said it did
    # When the case side was asked to re-review before expiry (限时加私, WS-21).
    review_requested_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_measures_case_id", "case_id"),
        Index("ix_measures_status_expires_at", "status", "expires_at"),
        # statistics (CP-2): measures applied, and those recorded, in a period
        Index("ix_measures_applied_at", "applied_at", "code"),
        Index("ix_measures_code_starts_at", "code", "starts_at"),
        # the regulator's portal: measures on accounts in a period
        Index("ix_measures_starts_at", "starts_at", "id"),
    )


class OutboxMessage(Base):
    """A measure's message to the platform, delivered at least once, applied once.

    ``message_id`` is what the platform deduplicates on; it never changes, so every
    redelivery (after a failure or a worker's crash) carries the same one. A worker
    claims a message by setting ``claimed_by``/``claim_token`` and ``lease_expires_at``
    in a committed transaction; until the lease lapses no other worker takes it.
    """

    __tablename__ = "measure_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_expires_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_measure_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )
