"""The ledger's canonical encoding and chain walk, without a database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

import pytest

from qinglang.actor import Actor
from qinglang.ledger import GENESIS_HASH, Subject, SubjectType
from qinglang.ledger.chain import (
    ChainWalker,
    canonical_json,
    encode,
    entry_hash,
    format_time,
    parse_time,
    verify_rows,
)

Fields = tuple[int, str, str, str, str, str]


def _fields(seq: int, actor: str = "user:li") -> Fields:
    return (seq, f"2026-11-24T02:00:{seq:02d}.000000Z", actor, "user_created", "user", str(seq))


def _chain(n: int) -> list[tuple[int, str, str, bytes]]:
    """Rows as verification reads them: seq, prev_hash, hash, canonical bytes."""
    rows = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        payload = canonical_json({"seq": seq, "名称": "华锦科技"})
        data = encode(*_fields(seq), prev, payload)
        digest = hashlib.sha256(data).hexdigest()
        rows.append((seq, prev, digest, data))
        prev = digest
    return rows


def _replace_content(
    rows: list[tuple[int, str, str, bytes]], index: int, actor: str, payload: str
) -> None:
    seq, prev, stored, _data = rows[index]
    rows[index] = (seq, prev, stored, encode(*_fields(seq, actor), prev, payload))


def test_encoding_is_the_documented_lines() -> None:
    data = encode(
        7,
        "2026-11-24T02:00:00.000000Z",
        "user:li",
        "user_created",
        "user",
        "3",
        "ab" * 32,
        '{"a":1}',
    )
    assert data.decode().split("\n") == [
        "qinglang-ledger/1",
        "7",
        "2026-11-24T02:00:00.000000Z",
        "user:li",
        "user_created",
        "user",
        "3",
        "ab" * 32,
        '{"a":1}',
    ]
    assert (
        entry_hash(
            7,
            "2026-11-24T02:00:00.000000Z",
            "user:li",
            "user_created",
            "user",
            "3",
            "ab" * 32,
            '{"a":1}',
        )
        == hashlib.sha256(data).hexdigest()
    )


def test_canonical_json_is_stable_and_keeps_chinese() -> None:
    class Colour(Enum):
        RED = "red"

    first = canonical_json({"b": 1, "a": {"y": [1, 2], "x": "清朗"}, "c": Colour.RED})
    second = canonical_json({"c": Colour.RED, "a": {"x": "清朗", "y": [1, 2]}, "b": 1})
    assert first == second == '{"a":{"x":"清朗","y":[1,2]},"b":1,"c":"red"}'
    assert "\n" not in canonical_json({"text": "two\nlines"})


def test_canonical_json_writes_times_in_utc() -> None:
    shanghai = timezone(timedelta(hours=8))
    assert canonical_json({"at": datetime(2026, 11, 24, 10, 0, tzinfo=shanghai)}) == (
        '{"at":"2026-11-24T02:00:00.000000Z"}'
    )


def test_canonical_json_refuses_what_it_cannot_write() -> None:
    with pytest.raises(TypeError, match="cannot be written"):
        canonical_json({"x": object()})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_times_are_fixed_width_utc_and_round_trip() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert format_time(at) == "2026-01-02T03:04:05.000006Z"
    assert parse_time(format_time(at)) == at
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 2))


def test_walker_accepts_a_good_chain_fed_in_batches() -> None:
    rows = _chain(10)
    walker = ChainWalker()
    assert walker.feed(rows[:3])
    assert walker.feed([])
    assert walker.feed(rows[3:])
    result = walker.result()
    assert result.ok
    assert (result.checked, result.first_seq, result.last_seq) == (10, 1, 10)
    assert result.last_hash == rows[-1][2]


@pytest.mark.parametrize(
    ("mutate", "seq", "reason", "checked"),
    [
        (lambda rows: _replace_content(rows, 4, "user:li", '{"x":1}'), 5, "hash_mismatch", 4),
        (
            lambda rows: _replace_content(
                rows, 4, "user:wang", canonical_json({"seq": 5, "名称": "华锦科技"})
            ),
            5,
            "hash_mismatch",
            4,
        ),
        (lambda rows: rows.pop(3), 5, "sequence_gap", 3),
        (lambda rows: rows.__setitem__(6, (7, "f" * 64, *rows[6][2:])), 7, "prev_hash_mismatch", 6),
    ],
    ids=["payload", "actor", "missing-entry", "relinked"],
)
def test_walker_names_the_first_broken_entry(
    mutate: Callable[[list[tuple[int, str, str, bytes]]], object],
    seq: int,
    reason: str,
    checked: int,
) -> None:
    rows = _chain(10)
    mutate(rows)
    result = verify_rows(rows)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.reason) == (seq, reason)
    assert result.checked == checked


def test_a_break_in_a_later_batch_keeps_the_count_of_good_entries() -> None:
    rows = _chain(10)
    _replace_content(rows, 7, "user:li", "{}")
    walker = ChainWalker()
    assert walker.feed(rows[:5])
    assert not walker.feed(rows[5:])
    assert not walker.feed(rows[:1])  # nothing more is read after a break
    result = walker.result()
    assert (result.checked, result.last_seq) == (7, 7)
    assert result.broken is not None
    assert result.broken.seq == 8


def test_subject_and_actor_must_be_one_line() -> None:
    with pytest.raises(ValueError, match="one line"):
        Subject(type=SubjectType.CASE, id="1\n2")
    with pytest.raises(ValueError, match="one line"):
        Subject(type=SubjectType.CASE, id="a\x00b")
    with pytest.raises(ValueError, match="must match"):
        Actor.system("worker\nuser:admin")
