"""The ledger table. Rows are only ever inserted: database triggers refuse UPDATE and DELETE."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
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
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_ledger_entries_subject", "subject_type", "subject_id"),)

    @property
    def at(self) -> datetime:
        return parse_time(self.recorded_at)

    @property
    def data(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload)
        return value
