"""The rapid channel (GD-1) and minors first (GD-2); deadline warnings and escalation.

Reports and cases say whether they involve a minor; a case's time limit may be in
hours (the cyber-violence channel) rather than working days; the worker records when
it warned that a case's deadline is near and when it escalated a passed one.

Revision ID: 0009_rapid_channel_deadlines
Revises: 0008_notices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0009_rapid_channel_deadlines"
down_revision = "0008_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("involves_minor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("involves_minor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deadline_warned_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("deadline_warned_at")
        batch_op.drop_column("hours")
        batch_op.drop_column("involves_minor")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("involves_minor")
