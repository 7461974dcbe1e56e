"""Intake storage: evidence files (content-addressed), reports, their targets and items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base


class Evidence(Base):
    """One uploaded evidence item. The bytes live in the evidence store under ``sha256``;
    many items may share one stored file.

    ``owner`` says who may attach it to a report: ``user:<id>`` for an upload through
    an API token, ``report:<id>`` for one made with a report's access token,
    ``form:<nonce>`` for the public form's session, ``system`` for a snapshot.
    """

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not guessable
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))  # sniffed from the bytes
    display_name: Mapped[str] = mapped_column(String(255))  # the upload's name, display only
    uploaded_by: Mapped[str] = mapped_column(String(160))  # the actor, as the ledger writes it
    uploaded_at: Mapped[datetime]
    owner: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (Index("ix_evidence_sha256", "sha256"),)


class Report(Base):
    """One report as received, with where it stands.

    ``status``: ``accepted``, ``needs_supplement``, ``closed_incomplete``, ``duplicate``.
    ``missing`` holds the unmet acceptance items as last checked, as the API shows them.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    access_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    pack: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    subtype: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(64))
    regulator_reference: Mapped[str | None] = mapped_column(String(64))
    reporter_kind: Mapped[str] = mapped_column(String(32))
    reporter_name: Mapped[str] = mapped_column(String(128))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    reporter_key: Mapped[str] = mapped_column(String(64))  # who, for the duplicate rule
    right_holder_name: Mapped[str] = mapped_column(String(200))
    right_holder_credit_code: Mapped[str | None] = mapped_column(String(18))
    delegated: Mapped[bool] = mapped_column(Boolean)
    agent_name: Mapped[str | None] = mapped_column(String(128))
    statement: Mapped[str] = mapped_column(Text)
    involves_minor: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # the reporter says a minor is harmed (GD-2)
    declaration_version: Mapped[str | None] = mapped_column(String(32))
    declaration_accepted_at: Mapped[datetime | None]
    missing: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON
    )  # JSON: [{item, code, message: {zh, en}}]
    received_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    supplement_due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    reporter_account_id: Mapped[int | None] = mapped_column(ForeignKey("reporter_accounts.id"))
    submitted_by: Mapped[str] = mapped_column(String(160))  # the actor ref

    __table_args__ = (
        Index("ix_reports_case_id", "case_id"),
        Index("ix_reports_reporter_key_category", "reporter_key", "category"),
        Index("ix_reports_status_supplement_due_at", "status", "supplement_due_at"),
        Index("ix_reports_reporter_account_id", "reporter_account_id"),
        # statistics (CP-2): reports received and accepted in a period, per campaign
        Index("ix_reports_received_at", "received_at", "campaign"),
        Index("ix_reports_accepted_at", "accepted_at", "received_at", "campaign"),
        Index("ix_reports_campaign_received_at", "campaign", "received_at"),
        Index("ix_reports_campaign_accepted_at", "campaign", "accepted_at", "received_at"),
    )


class ReportTarget(Base):
    """What a report names: as given, and as the key that groups it into a case."""

    __tablename__ = "report_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # url, content, account
    given: Mapped[str] = mapped_column(String(4096))
    target_key: Mapped[str] = mapped_column(String(512))

    __table_args__ = (
        Index("ix_report_targets_report_id", "report_id"),
        Index("ix_report_targets_target_key", "target_key"),
    )


class ReportEvidence(Base):
    """An evidence item attached to a report, with the type the reporter gave it.

    An item belongs to one report only (``evidence_id`` is unique). ``counted`` is
    false for a type the category does not accept: kept, not counted, and said so.
    """

    __tablename__ = "report_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    counted: Mapped[bool] = mapped_column(Boolean)
    attached_at: Mapped[datetime]
    attached_in: Mapped[str] = mapped_column(String(16))  # submission, supplement, snapshot


class IdempotencyKey(Base):
    """The first answer to a submission made with an ``Idempotency-Key``."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))  # who sent it: user:<id>
    key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    answer: Mapped[str] = mapped_column(Text)  # the JSON answered, access token left out
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)


class ReporterAccount(Base):
    """An enterprise (or entrepreneur) that reports often: identity checked once.

    ``status``: ``pending`` until a reviewer checks ``identity_evidence_id``, then
    ``verified`` or ``rejected``. Reports made through the account list together.
    """

    __tablename__ = "reporter_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # enterprise or entrepreneur
    right_holder_name: Mapped[str] = mapped_column(String(200))
    right_holder_credit_code: Mapped[str | None] = mapped_column(String(18))
    contact_name: Mapped[str] = mapped_column(String(128))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    identity_evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"))
    identity_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(160))
    decision_note: Mapped[str | None] = mapped_column(String(500))


class ReporterStanding(Base):
    """Where a reporter stands under WS-18 (malicious reports), by ``reporter_key``.

    ``level``: ``warned``, ``deprioritised`` (their new cases go to the back of the
    queue) or ``refused`` (new reports refused until ``until``). ``basis`` keeps the
    counts that led here: reports, unfounded, share, forged evidence.
    """

    __tablename__ = "reporter_standings"

    reporter_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    until: Mapped[datetime | None]
    basis: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class ForgedEvidence(Base):
    """A reviewer found an evidence item forged (WS-18): it counts against its reporter."""

    __tablename__ = "forged_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), unique=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(160))
    marked_at: Mapped[datetime]
