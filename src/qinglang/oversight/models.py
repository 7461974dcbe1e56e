"""Storage for the regulator's side: legal holds, periodic reports, inspection samples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qinglang.db.base import Base


class LegalHold(Base):
    """A hold that keeps a subject's data past retention until it is released (WS-28).

    ``subject_type``: ``case``, ``report``, ``account`` (a platform account) or
    ``subject`` (a person or enterprise); ``subject_id`` names it as the ledger does.
    """

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(160))  # the actor's ref
    placed_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(160))
    release_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_legal_holds_subject", "subject_type", "subject_id", "released_at"),)


class PeriodicReport(Base):
    """A periodic report to the regulator (WS-28, SM-9, ES-1), as generated and hashed."""

    __tablename__ = "periodic_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # e.g. 2026-10
    period_start: Mapped[date]
    period_end: Mapped[date]  # exclusive
    generated_at: Mapped[datetime]
    generated_by: Mapped[str] = mapped_column(String(160))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    json_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))  # the folder holding its files

    __table_args__ = (Index("ix_periodic_reports_period", "period", "generated_at"),)


class Inspection(Base):
    """A random sample of cases an inspector drew for a period (WS-29)."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime]
    period_from: Mapped[date]
    period_to: Mapped[date]  # inclusive
    population: Mapped[int]  # cases in the period the sample was drawn from
    seed: Mapped[str] = mapped_column(String(64))  # reproduces the draw
    case_ids: Mapped[list[Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


# -- statistics rollups (item 8): kept by qinglang.oversight.rollups, read by statistics ----
# ``campaign`` is ``*`` for "every report" (kept apart because distinct counts and
# reporters refused do not add up over campaigns), a campaign's name, or ``=name`` / ``=``
# (exactly that campaign / none) for the periodic report's breakdown. ``category`` is ``""``
# where a figure has none. Durations are in microseconds.

_BIG = BigInteger().with_variant(Integer(), "sqlite")


class StatisticsWatermark(Base):
    """One row (id 1): the last ledger ``seq`` folded into the rollups."""

    __tablename__ = "statistics_watermark"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(_BIG)


class StatisticsCount(Base):
    """How many times ``figure`` happened on China-time ``day``."""

    __tablename__ = "statistics_counts"

    campaign: Mapped[str] = mapped_column(String(72), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    figure: Mapped[str] = mapped_column(String(160), primary_key=True)
    n: Mapped[int] = mapped_column(_BIG)


class StatisticsDuration(Base):
    """A log-spaced histogram bucket of one median's durations on ``day``."""

    __tablename__ = "statistics_durations"

    campaign: Mapped[str] = mapped_column(String(72), primary_key=True)
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(_BIG)
    total_us: Mapped[int] = mapped_column(_BIG)


class StatisticsDistinct(Base):
    """Targets of ``figure`` met on ``day`` whose previous day with it was ``since``
    (``0001-01-01``: none before): the distinct targets of days s..e are the rows of
    those days with ``since`` < s."""

    __tablename__ = "statistics_distinct"

    campaign: Mapped[str] = mapped_column(String(72), primary_key=True)
    figure: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    since: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(_BIG)


class StatisticsTargetDay(Base):
    """The days on which a target met ``figure`` (how many times), to keep the chain
    of :class:`StatisticsDistinct` when a day is added or taken away."""

    __tablename__ = "statistics_target_days"

    # the fold looks rows up by target: it leads the key
    target: Mapped[str] = mapped_column(String(128), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(72), primary_key=True)
    figure: Mapped[str] = mapped_column(String(160), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(_BIG)


class StatisticsContribution(Base):
    """What one row (a report, case, measure, objection or reporter standing) adds to
    the rollups now, so that a change to it moves its figures, and refolding is a no-op."""

    __tablename__ = "statistics_contributions"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(String(128), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
