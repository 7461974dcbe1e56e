"""The regulator's side: legal holds, periodic reports, inspection samples.

Revision ID: 0011_oversight
Revises: 0010_platform_notices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0011_oversight"
down_revision = "0010_platform_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=160), nullable=False),
        sa.Column("placed_at", UtcDateTime(), nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=True),
        sa.Column("released_by", sa.String(length=160), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_legal_holds_subject", ["subject_type", "subject_id", "released_at"], unique=False
        )
    op.create_table(
        "periodic_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("generated_at", UtcDateTime(), nullable=False),
        sa.Column("generated_by", sa.String(length=160), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("json_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_reports")),
    )
    with op.batch_alter_table("periodic_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_periodic_reports_period", ["period", "generated_at"], unique=False
        )
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.Integer(), nullable=False),
        sa.Column("drawn_at", UtcDateTime(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawn_by"], ["users.id"], name=op.f("fk_inspections_drawn_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    # statistics (CP-2, item 8): every figure from an index, never a scan of the table
    for name, table_name, columns in _STATISTICS_INDEXES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


_STATISTICS_INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_cases_decided_at", "cases", ["decided_at", "opened_at", "due_at"]),
    ("ix_cases_campaign_decided_at", "cases", ["campaign", "decided_at", "opened_at", "due_at"]),
    ("ix_objections_received_at", "objections", ["received_at"]),
    ("ix_objections_decided_at", "objections", ["decided_at", "outcome"]),
    ("ix_reports_received_at", "reports", ["received_at", "campaign"]),
    ("ix_reports_accepted_at", "reports", ["accepted_at", "received_at", "campaign"]),
    ("ix_reports_campaign_received_at", "reports", ["campaign", "received_at"]),
    ("ix_reports_campaign_accepted_at", "reports", ["campaign", "accepted_at", "received_at"]),
    ("ix_measures_applied_at", "measures", ["applied_at", "code"]),
    ("ix_measures_code_starts_at", "measures", ["code", "starts_at"]),
    # the regulator's portal and inspections: cases opened in a period, newest first
    ("ix_cases_opened_at", "cases", ["opened_at", "id"]),
    ("ix_measures_starts_at", "measures", ["starts_at", "id"]),
)


def downgrade() -> None:
    for name, table_name, _columns in reversed(_STATISTICS_INDEXES):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_index(name)
    op.drop_table("inspections")
    with op.batch_alter_table("periodic_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_periodic_reports_period")
    op.drop_table("periodic_reports")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index("ix_legal_holds_subject")
    op.drop_table("legal_holds")
