"""Statistics rollups (issue 7, item 8): counters, duration histograms and distinct-target
chains per China-time day and campaign, folded from the ledger (qinglang.oversight.rollups).

The watermark starts at 0: the first fold reads the whole ledger and builds the rollups
from the rows as they are.

Revision ID: 0013_statistics_rollups
Revises: 0012_ledger_retention
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_statistics_rollups"
down_revision = "0012_ledger_retention"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    watermark = op.create_table(
        "statistics_watermark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", _BIG, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_watermark")),
    )
    op.bulk_insert(watermark, [{"id": 1, "seq": 0}])
    op.create_table(
        "statistics_counts",
        sa.Column("campaign", sa.String(length=72), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("figure", sa.String(length=160), nullable=False),
        sa.Column("n", _BIG, nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign", "day", "category", "figure", name=op.f("pk_statistics_counts")
        ),
    )
    op.create_table(
        "statistics_durations",
        sa.Column("campaign", sa.String(length=72), nullable=False),
        sa.Column("figure", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", _BIG, nullable=False),
        sa.Column("total_us", _BIG, nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign", "figure", "day", "bucket", name=op.f("pk_statistics_durations")
        ),
    )
    op.create_table(
        "statistics_distinct",
        sa.Column("campaign", sa.String(length=72), nullable=False),
        sa.Column("figure", sa.String(length=160), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("n", _BIG, nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign", "figure", "day", "since", name=op.f("pk_statistics_distinct")
        ),
    )
    op.create_table(
        "statistics_target_days",
        sa.Column("target", sa.String(length=128), nullable=False),
        sa.Column("campaign", sa.String(length=72), nullable=False),
        sa.Column("figure", sa.String(length=160), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", _BIG, nullable=False),
        sa.PrimaryKeyConstraint(
            "target", "campaign", "figure", "day", name=op.f("pk_statistics_target_days")
        ),
    )
    op.create_table(
        "statistics_contributions",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref", name=op.f("pk_statistics_contributions")),
    )


def downgrade() -> None:
    for table in (
        "statistics_contributions",
        "statistics_target_days",
        "statistics_distinct",
        "statistics_durations",
        "statistics_counts",
        "statistics_watermark",
    ):
        op.drop_table(table)
