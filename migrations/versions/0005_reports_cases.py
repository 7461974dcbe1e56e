"""Reports, their targets and evidence items, cases and their pauses, reporter accounts,
idempotency keys; evidence gains its owner.

Revision ID: 0005_reports_cases
Revises: 0004_evidence
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from qinglang.db.base import UtcDateTime

revision = "0005_reports_cases"
down_revision = "0004_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "case_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=False),
        sa.Column("until", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_pauses_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_pauses")),
    )
    with op.batch_alter_table("case_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_pauses_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=512), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_targets_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_targets")),
    )
    with op.batch_alter_table("case_targets", schema=None) as batch_op:
        batch_op.create_index("ix_case_targets_case_id", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_case_targets_target_key_open", ["target_key", "open"], unique=False
        )

    op.create_table(
        "reporter_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("right_holder_name", sa.String(length=200), nullable=False),
        sa.Column("right_holder_credit_code", sa.String(length=18), nullable=True),
        sa.Column("contact_name", sa.String(length=128), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("identity_evidence_id", sa.String(length=32), nullable=False),
        sa.Column("identity_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=160), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_evidence_id"],
            ["evidence.id"],
            name=op.f("fk_reporter_accounts_identity_evidence_id_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reporter_accounts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_reporter_accounts_user_id")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=32), nullable=False),
        sa.Column("access_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("regulator_reference", sa.String(length=64), nullable=True),
        sa.Column("reporter_kind", sa.String(length=32), nullable=False),
        sa.Column("reporter_name", sa.String(length=128), nullable=False),
        sa.Column("reporter_phone", sa.String(length=32), nullable=True),
        sa.Column("reporter_email", sa.String(length=254), nullable=True),
        sa.Column("reporter_key", sa.String(length=64), nullable=False),
        sa.Column("right_holder_name", sa.String(length=200), nullable=False),
        sa.Column("right_holder_credit_code", sa.String(length=18), nullable=True),
        sa.Column("delegated", sa.Boolean(), nullable=False),
        sa.Column("agent_name", sa.String(length=128), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("declaration_version", sa.String(length=32), nullable=True),
        sa.Column("declaration_accepted_at", UtcDateTime(), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("supplement_due_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("reporter_account_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_reports_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["reports.id"], name=op.f("fk_reports_duplicate_of_reports")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_account_id"],
            ["reporter_accounts.id"],
            name=op.f("fk_reports_reporter_account_id_reporter_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_reports_tracking_no")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_case_id", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_reports_reporter_account_id", ["reporter_account_id"], unique=False
        )
        batch_op.create_index(
            "ix_reports_reporter_key_category", ["reporter_key", "category"], unique=False
        )
        batch_op.create_index(
            "ix_reports_status_supplement_due_at", ["status", "supplement_due_at"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_idempotency_keys_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
    )
    op.create_table(
        "report_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("attached_at", UtcDateTime(), nullable=False),
        sa.Column("attached_in", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_report_evidence_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_evidence_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_evidence")),
        sa.UniqueConstraint("evidence_id", name=op.f("uq_report_evidence_evidence_id")),
    )
    with op.batch_alter_table("report_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_evidence_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "report_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("given", sa.String(length=4096), nullable=False),
        sa.Column("target_key", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_targets_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_targets")),
    )
    with op.batch_alter_table("report_targets", schema=None) as batch_op:
        batch_op.create_index("ix_report_targets_report_id", ["report_id"], unique=False)
        batch_op.create_index("ix_report_targets_target_key", ["target_key"], unique=False)

    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("owner")

    with op.batch_alter_table("report_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_report_targets_target_key")
        batch_op.drop_index("ix_report_targets_report_id")

    op.drop_table("report_targets")
    with op.batch_alter_table("report_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_evidence_report_id"))

    op.drop_table("report_evidence")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_status_supplement_due_at")
        batch_op.drop_index("ix_reports_reporter_key_category")
        batch_op.drop_index("ix_reports_reporter_account_id")
        batch_op.drop_index("ix_reports_case_id")

    op.drop_table("reports")
    op.drop_table("reporter_accounts")
    with op.batch_alter_table("case_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_case_targets_target_key_open")
        batch_op.drop_index("ix_case_targets_case_id")

    op.drop_table("case_targets")
    with op.batch_alter_table("case_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_pauses_case_id"))

    op.drop_table("case_pauses")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_due_at")

    op.drop_table("cases")
