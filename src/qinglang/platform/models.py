"""The demo platform's own data: accounts and posts, as the platform (not Qinglang) holds them.

A real deployment replaces this with the webhook adapter; the embedded default keeps
these tables in the same database so the demo site can show measures taking effect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qinglang.db.base import Base


class PlatformAccount(Base):
    __tablename__ = "platform_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    avatar_text: Mapped[str] = mapped_column(String(16))
    bio: Mapped[str] = mapped_column(Text, default="")
    # Who is behind the account: "person", "enterprise", "media" or "government".
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_name: Mapped[str] = mapped_column(String(128))
    follower_count: Mapped[int] = mapped_column(default=0)
    # "active", "muted" (until muted_until) or "closed".
    status: Mapped[str] = mapped_column(String(16), default="active")
    muted_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    posts: Mapped[list[PlatformPost]] = relationship(back_populates="account")


class PlatformPost(Base):
    __tablename__ = "platform_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("platform_accounts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    # "public", "private" (until private_until, 限时加私) or "removed".
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    private_until: Mapped[datetime | None]
    # Label codes from VOCABULARY.md shown beside the post (dispute_label, rumour_label …).
    labels: Mapped[list[str]]
    # "normal" or "reduced" (限流).
    distribution: Mapped[str] = mapped_column(String(16), default="normal")
    created_at: Mapped[datetime]

    account: Mapped[PlatformAccount] = relationship(back_populates="posts", lazy="joined")

    __table_args__ = (Index("ix_platform_posts_created_at", "created_at"),)


class AppliedMeasure(Base):
    """Each measure message the platform has applied, so a redelivery changes nothing."""

    __tablename__ = "platform_applied_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    measure: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime]


class PlatformNotice(Base):
    """A notice the platform shows in an account's inbox, once per ``message_id``."""

    __tablename__ = "platform_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("platform_accounts.id"))
    about: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]

    __table_args__ = (Index("ix_platform_notices_account_id_id", "account_id", "id"),)
