"""The ledger table. Rows are only ever inserted: database triggers refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL); only the retention purge removes leading entries, with a
permit (:class:`LedgerPurgePermit`) or, on PostgreSQL, by dropping a whole expired month.

On PostgreSQL ``ledger_entries`` is partitioned by month on ``recorded_at`` (migration
0012; partitions in the schema ``ledger_partitions``), and PostgreSQL demands that every
unique constraint of a partitioned table include the partition key. So the table's
primary key there is ``(seq, recorded_at)`` and the chain's uniqueness is
``(prev_hash, recorded_at)`` and ``(hash, recorded_at)``, the same unique constraints on
both databases. ``seq`` alone stays the primary key here, in the model (the ORM's
identity) and on SQLite, where an INTEGER PRIMARY KEY is the rowid.

Why a fork is still impossible to hide, though two entries could now share a
``prev_hash`` in two different months:

* appends are serialised (``service.serialise_appends``: an advisory lock on PostgreSQL,
  the write lock on SQLite), and each append links to the head it read under that lock,
  so the application never writes two entries after one;
* within a month the partition's unique indexes on ``(prev_hash, recorded_at)`` and
  ``(hash, recorded_at)`` still refuse duplicates of the same instant, and ``seq`` is
  unique (the primary key);
* verification (``verification.verify``) walks the chain in ``seq`` order and checks each
  ``prev_hash`` against the entry before it: any second branch breaks a link and is named.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base
from qinglang.ledger.chain import parse_time

SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    # On SQLite an INTEGER PRIMARY KEY is the rowid itself (64-bit): range scans in seq
    # order read the table directly instead of going through a second index.
    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=False)
    # Fixed-width UTC text (see chain.py): sorts as time, hashes as stored, same on both databases.
    recorded_at: Mapped[str] = mapped_column(String(27), index=True)
    actor: Mapped[str] = mapped_column(String(160))
    event: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    # The exact canonical JSON that was hashed; TEXT, never a JSON type that re-orders keys.
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("prev_hash", "recorded_at"),
        UniqueConstraint("hash", "recorded_at"),
        Index("ix_ledger_entries_subject", "subject_type", "subject_id"),
    )

    @property
    def at(self) -> datetime:
        return parse_time(self.recorded_at)

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload)
        return value


class LedgerPurgePermit(Base):
    """The purge's permission to delete the leading entries up to ``up_to_seq``.

    Written by :mod:`qinglang.ledger.retention` in the same transaction as the delete it
    permits, and kept (triggers refuse UPDATE and DELETE here too), so every removal of
    ledger entries is itself on record. The DELETE trigger on ``ledger_entries`` lets a
    row go only at or below a permit: on PostgreSQL only a permit of the same
    transaction; on SQLite any permit, which is the same thing in effect because the
    purge removes every entry up to its permit before it commits.
    """

    __tablename__ = "ledger_purge_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    up_to_seq: Mapped[int] = mapped_column(SEQ_TYPE)
    up_to_hash: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[str] = mapped_column(String(27))
    actor: Mapped[str] = mapped_column(String(160))
