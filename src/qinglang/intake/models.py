"""Intake storage: evidence files (content-addressed), later reports and their items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base


class Evidence(Base):
    """One uploaded evidence item. The bytes live in the evidence store under ``sha256``;
    many items may share one stored file."""

    __tablename__ = "evidence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not guessable
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))  # sniffed from the bytes
    display_name: Mapped[str] = mapped_column(String(255))  # the upload's name, display only
    uploaded_by: Mapped[str] = mapped_column(String(160))  # the actor, as the ledger writes it
    uploaded_at: Mapped[datetime]

    __table_args__ = (Index("ix_evidence_sha256", "sha256"),)
