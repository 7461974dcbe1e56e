"""Notices through the platform adapter: the demo platform's inbox, and delivery state.

A notice to the reported party goes through the platform to the account its target
belongs to (``notices.account``), idempotent by ``notices.message_id``, retried with
backoff (``notices.next_attempt_at``). The demo platform keeps what it was given in
``platform_notices`` and shows it on the account's page.

Revision ID: 0010_platform_notices
Revises: 0009_rapid_channel_deadlines
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0010_platform_notices"
down_revision = "0009_rapid_channel_deadlines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", UtcDateTime(), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_notices_message_id"), ["message_id"])
    op.create_table(
        "platform_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("about", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_notices_account_id_platform_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_notices")),
        sa.UniqueConstraint("message_id", name=op.f("uq_platform_notices_message_id")),
    )
    op.create_index("ix_platform_notices_account_id_id", "platform_notices", ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_platform_notices_account_id_id", table_name="platform_notices")
    op.drop_table("platform_notices")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_notices_message_id"), type_="unique")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("message_id")
        batch_op.drop_column("account")
