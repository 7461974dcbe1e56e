"""Cases: reports on the same content, grouped, with one time limit (WS-3) and its pauses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
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
    # review (WS-19 to WS-27): an optimistic version, the claim's lease, the outcome
    version: Mapped[int] = mapped_column(default=1)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_expires_at: Mapped[datetime | None]
    grade: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(default=0)  # the pack's priority rules; -1 WS-18
    involves_minor: Mapped[bool] = mapped_column(default=False, server_default=false())  # GD-2
    hours: Mapped[int | None]  # a time limit in hours (GD-1's rapid channel), else working_days
    deadline_warned_at: Mapped[datetime | None]  # the worker said the deadline is near
    escalated_at: Mapped[datetime | None]  # the deadline passed and the case was escalated

    __table_args__ = (
        Index("ix_cases_status_due_at", "status", "due_at"),
        # statistics (CP-2): cases decided in a period, read from the index alone
        Index("ix_cases_decided_at", "decided_at", "opened_at", "due_at"),
        Index("ix_cases_campaign_decided_at", "campaign", "decided_at", "opened_at", "due_at"),
        # the regulator's portal and inspections (WS-29): cases opened in a period
        Index("ix_cases_opened_at", "opened_at", "id"),
    )


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


class CaseAssessment(Base):
    """What a reviewer established: facts, conditions and grading, each with a reason.

    Kept as history; the latest row is the case's current assessment. ``recommendation``
    is the engine's decision for it (``Decision.as_dict()``), kept as it was then.
    """

    __tablename__ = "case_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # code -> {value, reason}
    conditions: Mapped[list[Any]] = mapped_column(JSON)  # [{code, reason}]
    grading: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # dimension -> {level, reason}
    recommendation: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class CaseProposal(Base):
    """A proposed decision: measures, with why, and where it stands.

    ``status``: ``pending_approval``, ``pending_regulator``, ``approved`` (then decided),
    ``returned`` (approval refused), ``rejected`` (the regulator refused), ``decided``.
    """

    __tablename__ = "case_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("case_assessments.id"))
    measures: Mapped[list[Any]] = mapped_column(JSON)  # [{code, on, target, params, basis}]
    departs: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    requires: Mapped[list[Any]] = mapped_column(JSON)  # approval, regulator_review_*
    status: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approval_note: Mapped[str | None] = mapped_column(Text)


class RegulatorReview(Base):
    """WS-25: a decision about a stakeholder (provincial) or a major matter (central)
    waits for the regulator's review before it takes effect."""

    __tablename__ = "regulator_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("case_proposals.id"))
    level: Mapped[str] = mapped_column(String(16))  # provincial, central
    status: Mapped[str] = mapped_column(String(16))  # pending, approved, rejected
    comments: Mapped[list[Any]] = mapped_column(JSON)  # [{by, at, text}]
    sent_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class ReviewerConflict(Base):
    """A reviewer's declared link to a party (WS-26): they may not take its cases.

    ``party`` is a right holder's credit code or name, or a platform target key
    (``account:3``), as cases name their parties.
    """

    __tablename__ = "reviewer_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    party: Mapped[str] = mapped_column(String(512))
    note: Mapped[str] = mapped_column(String(500))
    declared_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("user_id", "party", name="uq_reviewer_conflicts_user_party"),
    )


class Objection(Base):
    """WS-24: the reported party objects to a decision, with its evidence of non-infringement.

    ``party`` is who objects, as the platform names them (``account:3``). ``outcome``:
    ``upheld`` (the decision stands), ``modified`` (other measures), ``revoked`` (the
    measures are withdrawn and the content restored).
    """

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    party: Mapped[str] = mapped_column(String(128))
    statement: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(JSON)  # evidence ids
    received_at: Mapped[datetime]
    submitted_by: Mapped[str] = mapped_column(String(160))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_objections_received_at", "received_at"),
        Index("ix_objections_decided_at", "decided_at", "outcome"),
    )


class SecondReview(Base):
    """WS-27 internal supervision: a decided case drawn at random for a second look.

    ``agrees`` is None until a reviewer other than the proposer and approver records it;
    disagreements are counted for the compliance officer.
    """

    __tablename__ = "second_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("case_proposals.id"))
    drawn_at: Mapped[datetime]
    agrees: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
