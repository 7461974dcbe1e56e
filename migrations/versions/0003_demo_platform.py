"""The demo platform: accounts, posts, and the measures it has applied.

Revision ID: 0003_demo_platform
Revises: 0002_auth
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0003_demo_platform"
down_revision = "0002_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("avatar_text", sa.String(length=16), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_name", sa.String(length=128), nullable=False),
        sa.Column("follower_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("muted_until", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_accounts")),
        sa.UniqueConstraint("handle", name=op.f("uq_platform_accounts_handle")),
    )
    op.create_table(
        "platform_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("private_until", UtcDateTime(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("distribution", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_posts_account_id_platform_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_posts")),
    )
    op.create_index(op.f("ix_platform_posts_account_id"), "platform_posts", ["account_id"])
    op.create_index("ix_platform_posts_created_at", "platform_posts", ["created_at"])
    op.create_table(
        "platform_applied_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("applied_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_applied_measures")),
        sa.UniqueConstraint("message_id", name=op.f("uq_platform_applied_measures_message_id")),
    )


def downgrade() -> None:
    op.drop_table("platform_applied_measures")
    op.drop_table("platform_posts")
    op.drop_table("platform_accounts")
