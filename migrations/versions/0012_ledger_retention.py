"""Ledger retention: purge permits, and a DELETE trigger that lets only the purge remove
the leading entries of the chain (see qinglang.ledger.retention).

* ``ledger_purge_permits``: one row per purge batch, kept for good (UPDATE, DELETE and
  TRUNCATE refused like the ledger's).
* SQLite: ``ledger_entries_no_delete`` gains ``WHEN OLD.seq > (the highest permit)``.
* PostgreSQL: the trigger function lets a DELETE of ``ledger_entries`` through only for a
  row at or below a permit written in the *same* transaction (``xmin`` of the permit
  row is the current transaction id); UPDATE, TRUNCATE and every other DELETE are still
  refused.

* PostgreSQL: ``ledger_entries`` becomes a table ``PARTITION BY RANGE (recorded_at)``
  with one partition per month that has entries and for this month and the next two
  (in the schema ``ledger_partitions``: ``ledger_entries_m2026_11`` holds
  ``'2026-11' <= recorded_at < '2026-12'``; recorded_at is fixed-width UTC text, so a
  month's bounds compare as text), plus ``ledger_entries_default``. The rows are copied
  over. PostgreSQL demands that the primary key and unique constraints of a partitioned
  table include ``recorded_at``: they become ``(seq, recorded_at)``, ``(prev_hash,
  recorded_at)`` and ``(hash, recorded_at)``. The row trigger refusing UPDATE and DELETE
  sits on the parent and is cloned to every partition; TRUNCATE triggers are per table,
  so each partition gets its own.
* SQLite: the unique constraints become ``(prev_hash, recorded_at)`` and ``(hash,
  recorded_at)`` as the model now says (a batch-mode table rebuild; the append-only
  triggers are dropped before it and created again after). ``seq`` stays the rowid.

Revision ID: 0012_ledger_retention
Revises: 0011_oversight
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_ledger_retention"
down_revision = "0011_oversight"
branch_labels = None
depends_on = None

_SQLITE_REFUSE_DELETE = """CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
   BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused'); END"""
_SQLITE_PERMITTED_DELETE = """CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
   WHEN OLD.seq > (SELECT coalesce(max(up_to_seq), 0) FROM ledger_purge_permits)
   BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: DELETE refused'); END"""
_SQLITE_PERMIT_TRIGGERS = [
    """CREATE TRIGGER ledger_purge_permits_no_update BEFORE UPDATE ON ledger_purge_permits
       BEGIN SELECT RAISE(ABORT, 'ledger_purge_permits is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER ledger_purge_permits_no_delete BEFORE DELETE ON ledger_purge_permits
       BEGIN SELECT RAISE(ABORT, 'ledger_purge_permits is append-only: DELETE refused'); END""",
]

_POSTGRES_REFUSE = """CREATE OR REPLACE FUNCTION qinglang_ledger_append_only() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$"""
_POSTGRES_PERMITTED = """CREATE OR REPLACE FUNCTION qinglang_ledger_append_only() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE'
        AND (TG_TABLE_NAME = 'ledger_entries' OR TG_TABLE_SCHEMA = 'ledger_partitions') THEN
       IF OLD.seq <= (SELECT coalesce(max(up_to_seq), 0) FROM ledger_purge_permits
                      WHERE xmin = pg_current_xact_id()::xid) THEN
         RETURN OLD;
       END IF;
     END IF;
     RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
       USING ERRCODE = 'insufficient_privilege';
   END $$"""
_POSTGRES_PERMIT_TRIGGERS = [
    """CREATE TRIGGER ledger_purge_permits_no_update_delete
       BEFORE UPDATE OR DELETE ON ledger_purge_permits
       FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_append_only()""",
    """CREATE TRIGGER ledger_purge_permits_no_truncate BEFORE TRUNCATE ON ledger_purge_permits
       FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_append_only()""",
]


_SQLITE_REFUSE_UPDATE = """CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
   BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: UPDATE refused'); END"""

PARTITIONS = "ledger_partitions"
MONTHS_AHEAD = 2
_COLUMNS = "seq, recorded_at, actor, event, subject_type, subject_id, payload, prev_hash, hash"
_INDEXES = (
    "pk_ledger_entries",
    "uq_ledger_entries_prev_hash",
    "uq_ledger_entries_hash",
    "ix_ledger_entries_recorded_at",
    "ix_ledger_entries_event",
    "ix_ledger_entries_subject",
)
_CREATE_INDEXES = (
    "CREATE INDEX ix_ledger_entries_recorded_at ON ledger_entries (recorded_at)",
    "CREATE INDEX ix_ledger_entries_event ON ledger_entries (event)",
    "CREATE INDEX ix_ledger_entries_subject ON ledger_entries (subject_type, subject_id)",
)
_COLUMN_TYPES = """seq BIGINT NOT NULL,
    recorded_at VARCHAR(27) NOT NULL,
    actor VARCHAR(160) NOT NULL,
    event VARCHAR(64) NOT NULL,
    subject_type VARCHAR(32) NOT NULL,
    subject_id VARCHAR(128) NOT NULL,
    payload TEXT NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL"""
_ROW_TRIGGER = """CREATE TRIGGER ledger_entries_no_update_delete
   BEFORE UPDATE OR DELETE ON ledger_entries
   FOR EACH ROW EXECUTE FUNCTION qinglang_ledger_append_only()"""
_TRUNCATE_TRIGGER = """CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON {table}
   FOR EACH STATEMENT EXECUTE FUNCTION qinglang_ledger_append_only()"""


def _month_after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _create_partition(month: str) -> None:
    """The same statements as qinglang.ledger.retention.ensure_partitions runs."""
    table = f"{PARTITIONS}.ledger_entries_m{month.replace('-', '_')}"
    op.execute(
        f"CREATE TABLE {table} PARTITION OF ledger_entries "
        f"FOR VALUES FROM ('{month}') TO ('{_month_after(month)}')"
    )
    op.execute(_TRUNCATE_TRIGGER.format(table=table))


def _partition_postgres() -> None:
    bind = op.get_bind()
    op.execute(f"CREATE SCHEMA {PARTITIONS}")
    op.execute("ALTER TABLE ledger_entries RENAME TO ledger_entries_unpartitioned")
    for name in _INDEXES:
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_unpartitioned")
    op.execute(
        f"""CREATE TABLE ledger_entries ({_COLUMN_TYPES},
    CONSTRAINT pk_ledger_entries PRIMARY KEY (seq, recorded_at),
    CONSTRAINT uq_ledger_entries_prev_hash UNIQUE (prev_hash, recorded_at),
    CONSTRAINT uq_ledger_entries_hash UNIQUE (hash, recorded_at)
) PARTITION BY RANGE (recorded_at)"""
    )
    for statement in _CREATE_INDEXES:
        op.execute(statement)
    months = set(
        bind.execute(
            sa.text("SELECT DISTINCT substr(recorded_at, 1, 7) FROM ledger_entries_unpartitioned")
        ).scalars()
    )
    month = str(
        bind.execute(sa.text("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM')")).scalar()
    )
    for _ in range(MONTHS_AHEAD + 1):
        months.add(month)
        month = _month_after(month)
    for month in sorted(months):
        _create_partition(month)
    op.execute(
        f"CREATE TABLE {PARTITIONS}.ledger_entries_default PARTITION OF ledger_entries DEFAULT"
    )
    op.execute(_TRUNCATE_TRIGGER.format(table=f"{PARTITIONS}.ledger_entries_default"))
    op.execute(
        f"INSERT INTO ledger_entries ({_COLUMNS}) "  # noqa: S608 (constants)
        f"SELECT {_COLUMNS} FROM ledger_entries_unpartitioned"
    )
    op.execute("DROP TABLE ledger_entries_unpartitioned")  # its triggers go with it
    op.execute(_POSTGRES_PERMITTED)
    op.execute(_ROW_TRIGGER)
    op.execute(_TRUNCATE_TRIGGER.format(table="ledger_entries"))


def _unpartition_postgres() -> None:
    op.execute("ALTER TABLE ledger_entries RENAME TO ledger_entries_partitioned")
    for name in _INDEXES:
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_partitioned")
    op.execute(
        f"""CREATE TABLE ledger_entries ({_COLUMN_TYPES},
    CONSTRAINT pk_ledger_entries PRIMARY KEY (seq),
    CONSTRAINT uq_ledger_entries_prev_hash UNIQUE (prev_hash),
    CONSTRAINT uq_ledger_entries_hash UNIQUE (hash)
)"""
    )
    for statement in _CREATE_INDEXES:
        op.execute(statement)
    op.execute(
        f"INSERT INTO ledger_entries ({_COLUMNS}) "  # noqa: S608 (constants)
        f"SELECT {_COLUMNS} FROM ledger_entries_partitioned ORDER BY seq"
    )
    # Dropping is not a DELETE: the partitions and their triggers go whole.
    op.execute("DROP TABLE ledger_entries_partitioned")
    op.execute(f"DROP SCHEMA {PARTITIONS}")
    op.execute(_POSTGRES_REFUSE)
    op.execute(_ROW_TRIGGER)
    op.execute(_TRUNCATE_TRIGGER.format(table="ledger_entries"))


def _sqlite_unique_constraints(*columns: str) -> None:
    """Rebuild the SQLite table with the unique constraints over ``hash``/``prev_hash``
    and ``columns``; the triggers are dropped first and created again by the caller."""
    op.execute("DROP TRIGGER ledger_entries_no_update")
    op.execute("DROP TRIGGER ledger_entries_no_delete")
    with op.batch_alter_table("ledger_entries", recreate="always") as batch:
        batch.drop_constraint("uq_ledger_entries_prev_hash", type_="unique")
        batch.drop_constraint("uq_ledger_entries_hash", type_="unique")
        batch.create_unique_constraint("uq_ledger_entries_prev_hash", ["prev_hash", *columns])
        batch.create_unique_constraint("uq_ledger_entries_hash", ["hash", *columns])
    op.execute(_SQLITE_REFUSE_UPDATE)


def upgrade() -> None:
    op.create_table(
        "ledger_purge_permits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "up_to_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("up_to_hash", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.String(length=27), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_purge_permits")),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_unique_constraints("recorded_at")
        op.execute(_SQLITE_PERMITTED_DELETE)
        for statement in _SQLITE_PERMIT_TRIGGERS:
            op.execute(statement)
        return
    _partition_postgres()
    for statement in _POSTGRES_PERMIT_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_unique_constraints()
        op.execute(_SQLITE_REFUSE_DELETE)
    else:
        _unpartition_postgres()
    # The permits are the record of what the purge removed: dropping them drops their
    # triggers with them (no row is deleted one by one).
    op.drop_table("ledger_purge_permits")
