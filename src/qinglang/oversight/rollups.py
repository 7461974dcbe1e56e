"""Statistics rollups (item 8): the figures kept up to date as the ledger grows.

The ledger says *which rows changed* (the subject of each entry, and the case or reporter
its payload names); :func:`fold_ledger` reads the entries after the watermark in ``seq``
order, reads those rows by key (in batches), works out what each row adds to the figures
now — its *contribution*: counters, duration samples and distinct-target memberships per
China-time day and campaign — and moves the rollups by the difference from what it added
before (kept in ``statistics_contributions``). Counters, contributions and the watermark
move in one transaction, so a fold interrupted halfway is redone whole, and a row folded
twice adds nothing the second time: the rollups always equal the figures of the rows as
they are, which is what the exact queries (:func:`qinglang.oversight.statistics.exact_figures`)
count.

Appends are serialised and commit in ``seq`` order (ledger.service), so the entries
after the watermark are exactly the changes not folded yet. A reader (:func:`tail`)
adds those in memory, without writing, so a figure is never stale.

* Campaigns: each contribution goes to ``*`` (every report) and to its campaign; distinct
  targets and reporters refused cannot be added up over campaigns.
* Medians: log-spaced buckets with ratio :data:`RATIO` (1.01) between bounds, each with its
  count and total; a median is read as the mean of the bucket(s) holding the middle
  rank(s), so it is **within 1 % of the exact median** (exact when the bucket's values are
  all equal). Zero (and negative) durations have a bucket of their own.
* Distinct targets over days s..e: each (target, day it met the figure) is counted once
  on that day with ``since`` = its previous such day; the targets met in s..e are the
  rows of those days with ``since`` < s (exact, for any period of whole days).
* Records the retention purge removes keep their contribution: the rollups keep the
  figures of purged months (counts only), where the exact queries lose them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, select, text, tuple_
from sqlalchemy.orm import Session

from qinglang.cases.models import Case, Objection
from qinglang.db.engine import Database
from qinglang.intake.models import Report, ReporterStanding
from qinglang.ledger.models import LedgerEntry
from qinglang.measures.models import Measure
from qinglang.oversight.models import (
    StatisticsContribution,
    StatisticsCount,
    StatisticsDistinct,
    StatisticsDuration,
    StatisticsTargetDay,
    StatisticsWatermark,
)
from qinglang.oversight.rollup_contributions import (
    NO_DAY,
    Contribution,
    Deltas,
    case_contribution,
    measure_contribution,
    objection_contribution,
    report_contribution,
    standing_contribution,
)

_CHUNK = 900  # keys in one IN list


# -- which rows the entries name, read in batches ---------------------------------------


def _chunks(keys: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(keys)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@dataclass
class _Dirty:
    reports: set[str] = field(default_factory=set)
    cases: set[int] = field(default_factory=set)
    measures: set[int] = field(default_factory=set)
    standings: set[str] = field(default_factory=set)

    def note(self, subject_type: str, subject_id: str, payload: str) -> None:
        if subject_type == "report":
            self.reports.add(subject_id)
        elif subject_type == "case" and (n := _int(subject_id)) is not None:
            self.cases.add(n)
        elif subject_type == "measure" and (n := _int(subject_id)) is not None:
            self.measures.add(n)
        if '"case' in payload or '"reporter"' in payload:
            data = json.loads(payload)
            for key in ("case", "case_id"):
                if (n := _int(data.get(key))) is not None:
                    self.cases.add(n)
            if isinstance(data.get("reporter"), str):
                self.standings.add(data["reporter"])


def _contributions(session: Session, dirty: _Dirty) -> dict[tuple[str, str], Contribution]:
    """The contribution of every named row now (empty where the row is gone)."""
    found: dict[tuple[str, str], Contribution] = {}
    for ref in dirty.reports:
        found[("report", ref)] = Contribution()
    for n in dirty.cases:
        found[("case", str(n))] = Contribution()
    for n in dirty.measures:
        found[("measure", str(n))] = Contribution()
    standings = set(dirty.standings)
    for chunk in _chunks(dirty.reports):
        for row in session.execute(
            select(
                Report.tracking_no, Report.campaign, Report.received_at, Report.accepted_at
            ).where(Report.tracking_no.in_(chunk))
        ):
            found[("report", row[0])] = report_contribution(row)
        standings.update(
            session.scalars(select(Report.reporter_key).where(Report.tracking_no.in_(chunk)))
        )
    scope: dict[int, tuple[str | None, str]] = {}
    case_columns = (
        Case.id,
        Case.campaign,
        Case.category,
        Case.opened_at,
        Case.due_at,
        Case.decided_at,
    )
    for chunk in _chunks(dirty.cases):
        for c in session.execute(select(*case_columns).where(Case.id.in_(chunk))):
            found[("case", str(c[0]))] = case_contribution(c)
            scope[c[0]] = (c[1], c[2])
    measure_columns = (
        Measure.id,
        Measure.case_id,
        Measure.code,
        Measure.on,
        Measure.target,
        Measure.starts_at,
        Measure.applied_at,
    )
    measures: list[Any] = []
    for chunk in _chunks(dirty.cases):
        measures.extend(session.execute(select(*measure_columns).where(Measure.case_id.in_(chunk))))
    seen = {m[0] for m in measures}
    for chunk in _chunks(dirty.measures - seen):
        measures.extend(session.execute(select(*measure_columns).where(Measure.id.in_(chunk))))
    objections: list[Any] = []
    objection_columns = (
        Objection.id,
        Objection.case_id,
        Objection.received_at,
        Objection.outcome,
        Objection.decided_at,
    )
    for chunk in _chunks(dirty.cases):
        objections.extend(
            session.execute(select(*objection_columns).where(Objection.case_id.in_(chunk)))
        )
    missing = {m[1] for m in measures} - scope.keys()
    for chunk in _chunks(missing):
        for n, campaign, category in session.execute(
            select(Case.id, Case.campaign, Case.category).where(Case.id.in_(chunk))
        ):
            scope[n] = (campaign, category)
    for m in measures:
        campaign, category = scope.get(m[1], (None, ""))
        found[("measure", str(m[0]))] = measure_contribution(m, campaign, category)
    for o in objections:
        found[("objection", str(o[0]))] = objection_contribution(o, scope.get(o[1], (None, ""))[0])
    for key in standings:
        found[("standing", key)] = Contribution()
    campaigns: defaultdict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(standings):
        for key, campaign in session.execute(
            select(Report.reporter_key, Report.campaign)
            .where(Report.reporter_key.in_(chunk), Report.campaign.is_not(None))
            .distinct()
        ):
            campaigns[key].add(str(campaign))
        for key, level, updated_at in session.execute(
            select(
                ReporterStanding.reporter_key, ReporterStanding.level, ReporterStanding.updated_at
            ).where(ReporterStanding.reporter_key.in_(chunk))
        ):
            found[("standing", key)] = standing_contribution(level, updated_at, campaigns[key])
    return found


def _pairs(days: Iterable[date]) -> list[tuple[date, date]]:
    ordered = sorted(days)
    return [(d, ordered[i - 1] if i else NO_DAY) for i, d in enumerate(ordered)]


def deltas(session: Session, entries: Sequence[Any]) -> Deltas:
    """How the rollups move for ``entries`` (seq, subject_type, subject_id, payload)."""
    dirty = _Dirty()
    for _, subject_type, subject_id, payload in entries:
        dirty.note(subject_type, subject_id, payload)
    now = _contributions(session, dirty)
    result = Deltas()
    by_kind: defaultdict[str, list[str]] = defaultdict(list)
    for kind, ref in now:
        by_kind[kind].append(ref)
    before: dict[tuple[str, str], str] = {}
    for kind, refs in by_kind.items():
        for chunk in _chunks(refs):
            for ref, body in session.execute(
                select(StatisticsContribution.ref, StatisticsContribution.body).where(
                    StatisticsContribution.kind == kind, StatisticsContribution.ref.in_(chunk)
                )
            ):
                before[(kind, ref)] = body
    for key, contribution in now.items():
        body = contribution.body()
        old = before.get(key, "")
        if body == old:
            continue
        result.add(Contribution.parse(old), -1)
        result.add(contribution, 1)
        result.contributions[key] = body
    _distinct(session, result)
    return result


def _distinct(session: Session, result: Deltas) -> None:
    """Turn membership changes into changes of the distinct-target chains."""
    moved = {m: n for m, n in result.members.items() if n}
    result.members = Counter(moved)
    groups = {(k, f, t) for k, f, t, _ in moved}
    if not groups:
        return
    days: defaultdict[tuple[str, str, str], Counter[date]] = defaultdict(Counter)
    model = StatisticsTargetDay
    for chunk in _chunks({t for _, _, t in groups}):
        for k, f, t, d, n in session.execute(
            select(model.campaign, model.figure, model.target, model.day, model.n).where(
                model.target.in_(chunk)
            )
        ):
            if (k, f, t) in groups:
                days[(k, f, t)][d] += n
    after: defaultdict[tuple[str, str, str], Counter[date]] = defaultdict(Counter)
    for group in groups:
        after[group] = Counter(days[group])
    for (k, f, t, d), n in moved.items():
        after[(k, f, t)][d] += n
    for group in groups:
        k, f, _ = group
        old = _pairs(d for d, n in days[group].items() if n > 0)
        new = _pairs(d for d, n in after[group].items() if n > 0)
        for d, since in old:
            result.distinct[(k, f, d, since)] -= 1
        for d, since in new:
            result.distinct[(k, f, d, since)] += 1


# -- writing -------------------------------------------------------------------------------


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]], on_key: str) -> None:
    """Insert ``rows`` (one per key); on a key already there, ``on_key`` (an SQL SET list
    over ``excluded``). PostgreSQL: COPY into a temporary table, then one INSERT … SELECT;
    SQLite: executemany. Names come from the models; every value is bound or copied."""
    if not rows:
        return
    keys = ", ".join(c.name for c in table.primary_key.columns)
    names = list(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    conflict = f"ON CONFLICT ({keys}) DO UPDATE SET {on_key}"
    if session.get_bind().dialect.name == "postgresql":
        staging = f"staging_{table.name}"
        raw: Any = session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
                f"(LIKE {table.name}) ON COMMIT DELETE ROWS"
            )
            with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[n] for n in names])
            cursor.execute(
                f"INSERT INTO {table.name} ({columns}) "  # noqa: S608
                f"SELECT {columns} FROM {staging} {conflict}"
            )
            cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
        return
    values = ", ".join(f":{n}" for n in names)
    statement = f"INSERT INTO {table.name} ({columns}) VALUES ({values}) "  # noqa: S608
    session.execute(text(statement + conflict), rows)


def _add(session: Session, table: Table, rows: list[dict[str, Any]], adds: Sequence[str]) -> None:
    sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in adds)
    _upsert(session, table, rows, sets)


def _drop_empty(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = [c.name for c in table.primary_key.columns]
    for chunk in range(0, len(rows), _CHUNK):
        part = rows[chunk : chunk + _CHUNK]
        session.execute(
            delete(table).where(
                tuple_(*(table.c[k] for k in keys)).in_([tuple(r[k] for k in keys) for r in part]),
                table.c.n <= 0,
            )
        )


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


def apply(session: Session, found: Deltas) -> None:
    counts = _table(StatisticsCount)
    rows: list[dict[str, Any]] = [
        {"campaign": k, "day": d, "category": c, "figure": f, "n": n}
        for (k, d, c, f), n in found.counts.items()
        if n
    ]
    _add(session, counts, rows, ("n",))
    _drop_empty(session, counts, [r for r in rows if r["n"] < 0])
    durations = _table(StatisticsDuration)
    rows = [
        {"campaign": k, "figure": f, "day": d, "bucket": b, "n": n, "total_us": us}
        for (k, f, d, b), (n, us) in found.durations.items()
        if n or us
    ]
    _add(session, durations, rows, ("n", "total_us"))
    _drop_empty(session, durations, [r for r in rows if r["n"] < 0])
    for model, items, names in (
        (StatisticsTargetDay, found.members, ("campaign", "figure", "target", "day")),
        (StatisticsDistinct, found.distinct, ("campaign", "figure", "day", "since")),
    ):
        table = _table(model)
        rows = [dict(zip(names, key, strict=True)) | {"n": n} for key, n in items.items() if n]
        _add(session, table, rows, ("n",))
        _drop_empty(session, table, [r for r in rows if r["n"] < 0])
    keep = [
        {"kind": kind, "ref": ref, "body": body}
        for (kind, ref), body in found.contributions.items()
        if body
    ]
    if keep:
        table = _table(StatisticsContribution)
        _upsert(session, table, keep, "body = excluded.body")
    gone = [key for key, body in found.contributions.items() if not body]
    for chunk in range(0, len(gone), _CHUNK):
        session.execute(
            delete(StatisticsContribution).where(
                tuple_(StatisticsContribution.kind, StatisticsContribution.ref).in_(
                    gone[chunk : chunk + _CHUNK]
                )
            )
        )


# -- the fold and the reader's tail ------------------------------------------------------

_ENTRY = (LedgerEntry.seq, LedgerEntry.subject_type, LedgerEntry.subject_id, LedgerEntry.payload)


def watermark(session: Session) -> int:
    return session.scalar(select(StatisticsWatermark.seq).where(StatisticsWatermark.id == 1)) or 0


def pending(database: Database) -> bool:
    """Whether the ledger holds entries the rollups have not folded yet."""
    with database.unit_of_work(read_only=True) as uow:
        mark = watermark(uow.session)
        return (
            uow.session.scalar(select(LedgerEntry.seq).where(LedgerEntry.seq > mark).limit(1))
            is not None
        )


def fold_ledger(database: Database, *, batch: int = 5000) -> int:
    """Fold the ledger entries after the watermark into the rollups, ``batch`` entries a
    transaction (counters, contributions and watermark together); how many were folded."""
    if batch < 1:
        raise ValueError("a batch holds at least one entry")
    folded = 0
    while pending(database):
        with database.unit_of_work() as uow:
            session = uow.session
            mark = session.scalars(
                select(StatisticsWatermark).where(StatisticsWatermark.id == 1).with_for_update()
            ).first()
            if mark is None:
                mark = StatisticsWatermark(id=1, seq=0)
                session.add(mark)
            entries = session.execute(
                select(*_ENTRY)
                .where(LedgerEntry.seq > mark.seq)
                .order_by(LedgerEntry.seq)
                .limit(batch)
            ).all()
            if not entries:
                break
            apply(session, deltas(session, entries))
            mark.seq = entries[-1][0]
        folded += len(entries)
    return folded


def tail(session: Session, after: int) -> Deltas | None:
    """What the entries after ``after`` add, computed without writing (None: nothing)."""
    entries = session.execute(
        select(*_ENTRY).where(LedgerEntry.seq > after).order_by(LedgerEntry.seq)
    ).all()
    return deltas(session, entries) if entries else None
