"""The ledger's canonical encoding and the chain check: pure functions, no database.

An entry's hash is SHA-256 over these UTF-8 lines, joined by ``\\n``::

    qinglang-ledger/1
    <seq>                 decimal
    <recorded_at>         UTC, fixed width: 2026-11-24T04:08:51.123456Z
    <actor>               e.g. user:alice, system:worker
    <event>               a LedgerEvent code
    <subject_type>
    <subject_id>
    <prev_hash>           64 lower-case hex digits; 64 zeros for the first entry
    <payload>             canonical JSON (sorted keys, no spaces, UTF-8), last

Every field before the payload is one line (checked on append), and canonical JSON
has no raw newline, so the encoding is unambiguous. The payload is stored as the
exact canonical text that was hashed, so verifying needs no re-serialisation and
any change to a stored byte changes the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

FORMAT = "qinglang-ledger/1"
GENESIS_HASH = "0" * 64
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# seq, recorded_at, actor, event, subject_type, subject_id, payload, prev_hash, hash
Row = tuple[int, str, str, str, str, str, str, str, str]


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return at.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be written to the ledger")


def canonical_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        payload,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def encode(
    seq: int,
    recorded_at: str,
    actor: str,
    event: str,
    subject_type: str,
    subject_id: str,
    prev_hash: str,
    payload: str,
) -> bytes:
    """The canonical bytes of one entry (see the module docstring)."""
    return (
        f"{FORMAT}\n{seq}\n{recorded_at}\n{actor}\n{event}\n"
        f"{subject_type}\n{subject_id}\n{prev_hash}\n{payload}"
    ).encode()


def entry_hash(
    seq: int,
    recorded_at: str,
    actor: str,
    event: str,
    subject_type: str,
    subject_id: str,
    prev_hash: str,
    payload: str,
) -> str:
    data = encode(seq, recorded_at, actor, event, subject_type, subject_id, prev_hash, payload)
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Broken:
    """The first entry at which the chain fails, and why."""

    seq: int
    reason: str  # "hash_mismatch" | "prev_hash_mismatch" | "sequence_gap"
    detail: str


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "broken": None
            if self.broken is None
            else {
                "seq": self.broken.seq,
                "reason": self.broken.reason,
                "detail": self.broken.detail,
            },
        }


class ChainWalker:
    """Checks rows in order, batch by batch, and remembers where it stopped.

    The loop is written for speed: it is the hot path of verifying millions of entries.
    """

    def __init__(self, *, expected_seq: int = 1, expected_prev: str = GENESIS_HASH) -> None:
        self.expected_seq = expected_seq
        self.expected_prev = expected_prev
        self.first_seq: int | None = None
        self.checked = 0
        self.broken: Broken | None = None

    def feed(self, rows: Iterable[Row]) -> bool:
        """Check a batch; returns False once a break is found (later rows are not read)."""
        if self.broken is not None:
            return False
        sha256 = hashlib.sha256
        seq_expected = self.expected_seq
        prev_expected = self.expected_prev
        checked = 0
        try:
            for seq, at, actor, event, stype, sid, payload, prev, stored in rows:
                if seq != seq_expected:
                    self.broken = Broken(
                        seq, "sequence_gap", f"expected entry {seq_expected}, found {seq}"
                    )
                    return False
                if prev != prev_expected:
                    self.broken = Broken(
                        seq, "prev_hash_mismatch", "does not point at the entry before it"
                    )
                    return False
                digest = sha256(
                    f"qinglang-ledger/1\n{seq}\n{at}\n{actor}\n{event}\n"
                    f"{stype}\n{sid}\n{prev}\n{payload}".encode()
                ).hexdigest()
                if digest != stored:
                    self.broken = Broken(
                        seq, "hash_mismatch", "its content does not match its recorded hash"
                    )
                    return False
                if self.first_seq is None:
                    self.first_seq = seq
                prev_expected = stored
                seq_expected = seq + 1
                checked += 1
        finally:
            self.checked += checked
            self.expected_seq = seq_expected
            self.expected_prev = prev_expected
        return True

    def result(self) -> Verification:
        last_seq = self.expected_seq - 1 if self.checked else None
        return Verification(
            checked=self.checked,
            first_seq=self.first_seq,
            last_seq=last_seq,
            last_hash=self.expected_prev,
            broken=self.broken,
        )


def verify_rows(rows: Iterable[Row]) -> Verification:
    walker = ChainWalker()
    walker.feed(rows)
    return walker.result()
