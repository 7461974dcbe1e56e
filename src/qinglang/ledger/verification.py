"""Walking the stored chain fast enough for millions of entries.

The database builds each entry's canonical bytes (``chain.encode``) and hands them
over a chunk at a time, aggregated into one value per column, so that Python does
not pay for a row object per entry. A chunk passes only if, all checked in C:

* its sequence numbers are exactly ``lo, lo+1, …`` in the order they were aggregated
  (aggregated as offsets from ``lo``, so the expected list is the same for every chunk),
* SHA-256 of each entry's bytes equals the stored hash, and
* each entry's ``prev_hash`` is the hash before it (the first: the previous chunk's last).

On PostgreSQL the database does the same checks itself with its built-in ``sha256()``
(each row's hash, each row's link to the row before it in seq order, the chunk's
count and bounds) and returns only the verdict and the two boundary hashes.

Any chunk that does not pass is walked again row by row (:class:`ChainWalker`), the
authoritative check that names the first broken entry: the fast path can only send a
chunk to that walk, never pass a chunk the walk would fail.

Large ledgers are checked by one worker process per core, each with its own
connection; the chunk results are then linked in order here. Processes are forked,
which is only safe in a single-threaded process (the CLI, a benchmark); inside a
threaded server the chunks are checked in this process, one after another.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import psycopg

from qinglang.db.engine import Database
from qinglang.ledger.chain import FORMAT, ChainWalker, Row, Verification
from qinglang.ledger.events import LedgerEvent
from qinglang.ledger.retention import Checkpoint, checkpoint_of

RETENTION_PURGED = LedgerEvent.RETENTION_PURGED.value
CHUNK = 10_000
PARALLEL_FROM = 100_000  # below this, forking costs more than it saves
_SEPARATOR = b"\x00"  # never inside canonical bytes: JSON escapes it; other fields are checked
sha256 = hashlib.sha256
_FIELDS = "seq, recorded_at, actor, event, subject_type, subject_id, prev_hash, payload"


def _canonical(dialect: str) -> str:
    """SQL for one entry's canonical text (see chain.py); one call per row is cheapest."""
    if dialect == "postgresql":
        return f"concat_ws(E'\\n', '{FORMAT}', {_FIELDS})"
    template = "\n".join([FORMAT, "%d", *["%s"] * 7])
    return f"printf('{template}', {_FIELDS})"


def _rows_sql(dialect: str) -> str:
    text = _canonical(dialect)
    blob = f"convert_to({text}, 'UTF8')" if dialect == "postgresql" else f"CAST({text} AS BLOB)"
    where = (
        "seq >= %(lo)s AND seq < %(hi)s" if dialect == "postgresql" else "seq >= :lo AND seq < :hi"
    )
    # Built from constants only: nothing here comes from input.
    return f"SELECT seq, prev_hash, hash, {blob} FROM ledger_entries WHERE {where} ORDER BY seq"


def _chunk_sql(dialect: str) -> str:
    text = _canonical(dialect)
    if dialect == "postgresql":
        # PostgreSQL hashes in the database (sha256() is built in since version 11) and
        # checks each link against the entry before it in seq order; only the verdict,
        # the chunk's bounds and its two boundary hashes come back.
        return (
            "SELECT count(*), min(seq), max(seq), bool_and(ok), bool_and(linked), "
            "(SELECT prev_hash FROM ledger_entries WHERE seq = %(lo)s), "
            "(SELECT hash FROM ledger_entries WHERE seq = %(hi)s - 1) FROM ("
            f"SELECT seq, encode(sha256(convert_to({text}, 'UTF8')), 'hex') = hash AS ok, "
            "coalesce(lag(hash) OVER (ORDER BY seq) = prev_hash, true) AS linked "
            "FROM ledger_entries WHERE seq >= %(lo)s AND seq < %(hi)s) AS checked"
        )
    # SQLite 3.40 has no ORDER BY inside aggregates: aggregate an ordered subquery, and
    # check the aggregated seq list, so an unexpected order only sends the chunk to the walk.
    return (
        "SELECT group_concat(seq - :lo, ','), group_concat(prev_hash, ''), "
        "group_concat(hash, ''), "
        "CAST(group_concat(c, char(0)) AS BLOB) FROM ("
        f"SELECT seq, prev_hash, hash, {text} AS c FROM ledger_entries "
        "WHERE seq >= :lo AND seq < :hi ORDER BY seq)"
    )


@dataclass(frozen=True, slots=True)
class _Chunk:
    lo: int
    hi: int
    passed: bool
    first_prev: str = ""
    last_hash: str = ""


@functools.lru_cache(maxsize=4)
def _offsets(count: int) -> str:
    """``0,1,…,count-1``: what a whole chunk's ``seq - lo`` aggregates to, in order."""
    return ",".join(map(str, range(count)))


def _check_chunk(cursor: Any, sql: str, lo: int, hi: int) -> _Chunk:
    cursor.execute(sql, {"lo": lo, "hi": hi})
    row = cursor.fetchone()
    if len(row) == 7:  # PostgreSQL: checked in the database
        count, first, last, hashes_ok, linked, first_prev, last_hash = row
        passed = (count, first, last, hashes_ok, linked) == (hi - lo, lo, hi - 1, True, True)
        if not passed:
            return _Chunk(lo, hi, passed=False)
        return _Chunk(lo, hi, passed=True, first_prev=first_prev, last_hash=last_hash)
    seqs, prevs, hashes, blob = row
    if seqs is None or seqs != _offsets(hi - lo):
        return _Chunk(lo, hi, passed=False)
    pieces = bytes(blob).split(_SEPARATOR)
    if (
        len(pieces) != hi - lo
        or b"".join([sha256(piece).digest() for piece in pieces]).hex() != hashes
        or prevs[64:] != hashes[:-64]
    ):
        return _Chunk(lo, hi, passed=False)
    return _Chunk(lo, hi, passed=True, first_prev=prevs[:64], last_hash=hashes[-64:])


# --- worker processes -------------------------------------------------------------------
_worker: dict[str, Any] = {}


def _open_worker(dialect: str, dsn: str) -> None:
    connection: Any = (
        psycopg.connect(dsn)
        if dialect == "postgresql"
        else sqlite3.connect(dsn, isolation_level=None)
    )
    _worker.update(cursor=connection.cursor(), sql=_chunk_sql(dialect))


def _check_in_worker(bounds: tuple[int, int]) -> _Chunk:
    return _check_chunk(_worker["cursor"], _worker["sql"], *bounds)


def _dsn(database: Database) -> str:
    url = database.engine.url
    if database.dialect == "postgresql":
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
    return str(url.database)


def _may_fork(entries: int, workers: int) -> bool:
    return (
        workers > 1
        and entries >= PARALLEL_FROM
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def verify(database: Database, *, chunk: int = CHUNK, workers: int | None = None) -> Verification:
    """Walk the whole chain in order and report the first broken entry, if any."""
    walker = ChainWalker()
    raw = database.engine.raw_connection()
    try:
        cursor: Any = cast(Any, raw.driver_connection).cursor()
        cursor.execute("SELECT min(seq), max(seq) FROM ledger_entries")
        first, last = cursor.fetchone()
        if first is None:
            return walker.result()
        if int(first) != 1:
            walker = _walker_from_checkpoint(cursor, database.dialect, int(first))
        end = int(last) + 1
        bounds = [(lo, min(lo + chunk, end)) for lo in range(int(first), end, chunk)]
        workers = workers or os.cpu_count() or 1
        if _may_fork(end - int(first), workers):
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                workers,
                mp_context=context,
                initializer=_open_worker,
                initargs=(database.dialect, _dsn(database)),
            ) as pool:
                _link(walker, pool.map(_check_in_worker, bounds), cursor, database.dialect)
                pool.shutdown(cancel_futures=True)
        else:
            sql = _chunk_sql(database.dialect)
            checked = (_check_chunk(cursor, sql, lo, hi) for lo, hi in bounds)
            _link(walker, checked, cursor, database.dialect)
        cursor.close()
        return walker.result()
    finally:
        raw.rollback()
        raw.close()


def _walker_from_checkpoint(cursor: Any, dialect: str, first: int) -> ChainWalker:
    """After a retention purge the chain starts at ``first``: accept its ``prev_hash``
    only if a checkpoint entry (``retention_purged``, itself in the chain and verified
    with it) vouches for the entry just before it. Otherwise the walk expects entry 1
    and names ``first`` as a sequence gap."""
    mark = "%(p)s" if dialect == "postgresql" else ":p"
    cursor.execute(f"SELECT prev_hash FROM ledger_entries WHERE seq = {mark}", {"p": first})
    (prev,) = cursor.fetchone()
    cursor.execute(
        f"SELECT payload FROM ledger_entries WHERE event = {mark} ORDER BY seq",
        {"p": RETENTION_PURGED},
    )
    for (payload,) in cursor.fetchall():
        vouched = checkpoint_of(payload)
        if vouched == Checkpoint(last_seq=first - 1, last_hash=prev):
            return ChainWalker(expected_seq=first, expected_prev=prev)
    return ChainWalker()


def _link(walker: ChainWalker, chunks: Iterable[_Chunk], cursor: Any, dialect: str) -> None:
    """Join checked chunks in order; walk any that did not pass, stop at the first break."""
    rows_sql = _rows_sql(dialect)
    iterator: Iterator[_Chunk] = iter(chunks)
    for chunk in iterator:
        if (
            chunk.passed
            and chunk.lo == walker.expected_seq
            and chunk.first_prev == walker.expected_prev
        ):
            walker.accept(
                count=chunk.hi - chunk.lo,
                first=chunk.lo,
                last=chunk.hi - 1,
                last_hash=chunk.last_hash,
            )
            continue
        cursor.execute(rows_sql, {"lo": chunk.lo, "hi": chunk.hi})
        if not walker.feed(cast("list[Row]", cursor.fetchall())):
            return
