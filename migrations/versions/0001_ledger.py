"""The ledger: an append-only, hash-chained table; triggers refuse UPDATE, DELETE, TRUNCATE.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
       BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused'); END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION qinglang_ledger_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'ledger_entries is append-only: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
       FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_append_only()""",
    """CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
       FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        # INTEGER on SQLite makes seq the rowid (64-bit); BIGINT on PostgreSQL.
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_ledger_entries_prev_hash")),
        sa.UniqueConstraint("hash", name=op.f("uq_ledger_entries_hash")),
    )
    op.create_index(op.f("ix_ledger_entries_recorded_at"), "ledger_entries", ["recorded_at"])
    op.create_index(op.f("ix_ledger_entries_event"), "ledger_entries", ["event"])
    op.create_index("ix_ledger_entries_subject", "ledger_entries", ["subject_type", "subject_id"])
    triggers = _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError("the ledger is never dropped by a migration")
