"""Inspections (WS-29): an inspector draws a random sample of the cases opened in a period,
and reads each sampled case on one printable page.

The draw is seeded: the seed is stored with the sample, and the same seed over the same
period draws the same cases again (:func:`redraw`), so anyone can check that the sample was
not picked by hand. The population is every case opened in the period (China time, both
days included), in id order; the sample is ``random.Random(seed).sample`` of it.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import Case
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import InvalidInput, NotFound
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.oversight.models import Inspection
from qinglang.oversight.timeline import case_record

MAX_SAMPLE = 500
MAX_PERIOD_DAYS = 366 * 2
_SEED = re.compile(r"^[0-9A-Za-z_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as [start, end) instants in ``zone``."""
        return (
            datetime.combine(self.start, time(), zone),
            datetime.combine(self.end + timedelta(days=1), time(), zone),
        )


def _period(start: date, end: date) -> Period:
    if end < start:
        raise InvalidInput("the period ends before it starts", code="invalid_range")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidInput("a period is at most two years", code="period_too_long")
    return Period(start, end)


def _population(uow: UnitOfWork, period: Period, zone: ZoneInfo) -> list[int]:
    first, after = period.bounds(zone)
    return list(
        uow.session.scalars(
            select(Case.id).where(Case.opened_at >= first, Case.opened_at < after).order_by(Case.id)
        )
    )


def sample_of(population: list[int], *, size: int, seed: str) -> list[int]:
    """The seeded draw: the same population, size and seed always give the same cases."""
    draw = random.Random(seed)  # noqa: S311  (a reproducible draw from a published seed)
    chosen = draw.sample(population, min(size, len(population)))
    return sorted(chosen)


def draw(
    database: Database,
    *,
    actor: Actor,
    start: date,
    end: date,
    size: int,
    zone: ZoneInfo,
    seed: str | None = None,
    note: str = "",
) -> Inspection:
    """Draw ``size`` cases opened from ``start`` to ``end`` (inclusive); ``INSPECTION_DRAWN``."""
    require(actor, Permission.OVERSIGHT_INSPECT)
    if actor.user_id is None:
        raise InvalidInput("an inspection is drawn by a signed-in inspector", code="user_required")
    if not 1 <= size <= MAX_SAMPLE:
        raise InvalidInput(f"a sample is 1 to {MAX_SAMPLE} cases", code="invalid_sample_size")
    seed = (seed or "").strip() or secrets.token_hex(16)
    if not _SEED.match(seed):
        raise InvalidInput("a seed is 1 to 64 letters, digits, '-' or '_'", code="invalid_seed")
    period = _period(start, end)
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        population = _population(uow, period, zone)
        chosen = sample_of(population, size=size, seed=seed)
        inspection = Inspection(
            drawn_by=actor.user_id,
            drawn_at=uow.clock.now(),
            period_from=period.start,
            period_to=period.end,
            population=len(population),
            seed=seed,
            case_ids=chosen,
            note=note.strip()[:2000],
        )
        uow.session.add(inspection)
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.INSPECTION_DRAWN,
            subject=Subject.of(SubjectType.SYSTEM, f"inspection:{inspection.id}"),
            payload={
                "inspection": inspection.id,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "population": len(population),
                "size": size,
                "seed": seed,
                "cases": chosen,
            },
        )
        return inspection


def redraw(database: Database, *, actor: Actor, inspection_id: int, zone: ZoneInfo) -> list[int]:
    """The draw again from the stored seed, over the period's cases as they are now."""
    require(actor, Permission.OVERSIGHT_READ)
    inspection = get(database, actor=actor, inspection_id=inspection_id)
    with database.unit_of_work(read_only=True) as uow:
        population = _population(uow, Period(inspection.period_from, inspection.period_to), zone)
    return sample_of(population, size=len(inspection.case_ids), seed=inspection.seed)


def get(database: Database, *, actor: Actor, inspection_id: int) -> Inspection:
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work(read_only=True) as uow:
        found = uow.session.get(Inspection, inspection_id)
        if found is None:
            raise NotFound(f"there is no inspection {inspection_id}", code="inspection_not_found")
        return found


def list_inspections(database: Database, *, actor: Actor, limit: int = 100) -> list[Inspection]:
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(select(Inspection).order_by(Inspection.id.desc()).limit(limit))
        )


def inspected_case(
    database: Database, *, actor: Actor, inspection_id: int, case_id: int
) -> dict[str, Any]:
    """One sampled case's page: its full record (timeline, basis, deadline met or missed,
    evidence hashes); reading it is entered in the ledger. A case outside the sample is 404."""
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        inspection = uow.session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(f"there is no inspection {inspection_id}", code="inspection_not_found")
        if case_id not in inspection.case_ids:
            raise NotFound(
                f"case {case_id} is not in inspection {inspection_id}'s sample",
                code="case_not_sampled",
            )
        record = case_record(uow, case_id=case_id)
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_QUERIED,
            subject=Subject.of(
                SubjectType.USER, actor.user_id if actor.user_id is not None else actor.name
            ),
            payload={"what": "inspection_case", "inspection": inspection_id, "case": case_id},
        )
    return record | {
        "inspection": {
            "id": inspection.id,
            "seed": inspection.seed,
            "from": inspection.period_from.isoformat(),
            "to": inspection.period_to.isoformat(),
        }
    }
