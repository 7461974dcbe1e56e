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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from operator import methodcaller
from typing import Any
from uuid import UUID

FORMAT = "qinglang-ledger/1"
GENESIS_HASH = "0" * 64
_hexdigest = methodcaller("hexdigest")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# What verification reads per entry: seq, prev_hash, hash, and the canonical bytes.
Row = tuple[int, str, str, bytes]


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

    This is the hot path of verifying millions of entries, so each batch is checked
    with whole-list operations that run in C (slice comparison, ``map`` over
    ``hashlib.sha256``); only when a batch fails does a per-row loop find the first
    broken entry. The order of checks per entry is: sequence, link, content.
    """

    def __init__(self, *, expected_seq: int = 1, expected_prev: str = GENESIS_HASH) -> None:
        self.expected_seq = expected_seq
        self.expected_prev = expected_prev
        self.first_seq: int | None = None
        self.checked = 0
        self.broken: Broken | None = None

    def feed(self, rows: Sequence[Row]) -> bool:
        """Check a batch; returns False once a break is found (later rows are not read)."""
        if self.broken is not None:
            return False
        if not rows:
            return True
        seqs, prevs, hashes, blobs = zip(*rows, strict=True)
        start = self.expected_seq
        expected_seqs = tuple(range(start, start + len(seqs)))
        expected_prevs = (self.expected_prev, *hashes[:-1])
        computed = tuple(map(_hexdigest, map(hashlib.sha256, blobs)))
        if seqs == expected_seqs and prevs == expected_prevs and computed == hashes:
            self.accept(count=len(rows), first=seqs[0], last=seqs[-1], last_hash=hashes[-1])
            return True
        for index, (seq, prev, stored, digest) in enumerate(
            zip(seqs, prevs, hashes, computed, strict=True)
        ):
            if seq != expected_seqs[index]:
                found = f"expected entry {expected_seqs[index]}, found {seq}"
                self.broken = Broken(seq, "sequence_gap", found)
            elif prev != expected_prevs[index]:
                detail = "does not point at the entry before it"
                self.broken = Broken(seq, "prev_hash_mismatch", detail)
            elif digest != stored:
                self.broken = Broken(
                    seq, "hash_mismatch", "its content does not match its recorded hash"
                )
            if self.broken is not None:
                if index:
                    last = index - 1
                    self.accept(count=index, first=seqs[0], last=seqs[last], last_hash=hashes[last])
                return False
        raise AssertionError("a failing batch must contain a broken entry")  # pragma: no cover

    def accept(self, *, count: int, first: int, last: int, last_hash: str) -> None:
        """Record that entries ``first``..``last`` were checked elsewhere and passed."""
        if self.first_seq is None:
            self.first_seq = first
        self.checked += count
        self.expected_seq = last + 1
        self.expected_prev = last_hash

    def result(self) -> Verification:
        last_seq = self.expected_seq - 1 if self.checked else None
        return Verification(
            checked=self.checked,
            first_seq=self.first_seq,
            last_seq=last_seq,
            last_hash=self.expected_prev,
            broken=self.broken,
        )


def verify_rows(rows: Sequence[Row]) -> Verification:
    walker = ChainWalker()
    walker.feed(rows)
    return walker.result()
