"""Case review: assessments, proposals, regulator reviews, declared conflicts; cases gain
a version, a claim lease, a grade and when they were decided.

Revision ID: 0007_case_review
Revises: 0006_measures
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0007_case_review"
down_revision = "0006_measures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewer_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=512), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("declared_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reviewer_conflicts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviewer_conflicts")),
        sa.UniqueConstraint("user_id", "party", name="uq_reviewer_conflicts_user_party"),
    )
    op.create_table(
        "case_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("grading", sa.JSON(), nullable=True),
        sa.Column("recommendation", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_assessments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_case_assessments_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_assessments")),
    )
    with op.batch_alter_table("case_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_assessments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("departs", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requires", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_case_proposals_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["case_assessments.id"],
            name=op.f("fk_case_proposals_assessment_id_case_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_proposals_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_case_proposals_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_proposals")),
    )
    with op.batch_alter_table("case_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_proposals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "regulator_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_regulator_reviews_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_regulator_reviews_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["case_proposals.id"],
            name=op.f("fk_regulator_reviews_proposal_id_case_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulator_reviews")),
    )
    with op.batch_alter_table("regulator_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regulator_reviews_case_id"), ["case_id"], unique=False)

    op.create_table(
        "reporter_standings",
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("until", UtcDateTime(), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reporter_key", name=op.f("pk_reporter_standings")),
    )
    op.create_table(
        "forged_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(length=160), nullable=False),
        sa.Column("marked_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_forged_evidence_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_forged_evidence_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forged_evidence")),
        sa.UniqueConstraint("evidence_id", name=op.f("uq_forged_evidence_evidence_id")),
    )
    with op.batch_alter_table("forged_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forged_evidence_report_id"), ["report_id"], unique=False
        )
    op.create_table(
        "second_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("drawn_at", UtcDateTime(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_second_reviews_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["case_proposals.id"],
            name=op.f("fk_second_reviews_proposal_id_case_proposals"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_second_reviews_reviewed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_reviews")),
        sa.UniqueConstraint("case_id", name=op.f("uq_second_reviews_case_id")),
    )
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=128), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=160), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_objections_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_objections_decided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objections_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claim_expires_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("grade", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("decided_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_claimed_by_users"), "users", ["claimed_by"], ["id"]
        )


def downgrade() -> None:
    op.drop_table("objections")
    op.drop_table("second_reviews")
    op.drop_table("forged_evidence")
    op.drop_table("reporter_standings")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_claimed_by_users"), type_="foreignkey")
        batch_op.drop_column("priority")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("grade")
        batch_op.drop_column("claim_expires_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("version")

    with op.batch_alter_table("regulator_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regulator_reviews_case_id"))

    op.drop_table("regulator_reviews")
    with op.batch_alter_table("case_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_proposals_case_id"))

    op.drop_table("case_proposals")
    with op.batch_alter_table("case_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assessments_case_id"))

    op.drop_table("case_assessments")
    op.drop_table("reviewer_conflicts")
