"""``/api/v1/statistics``: the figures per campaign and period (CP-2; compliance, regulator)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from qinglang.auth.permissions import Permission, require
from qinglang.cases.deadlines import CHINA
from qinglang.errors import InvalidInput
from qinglang.oversight.statistics import campaign_statistics
from qinglang.web.api.v1.schemas import ERRORS
from qinglang.web.deps import ApiActor, DatabaseDep

router = APIRouter(prefix="/statistics", tags=["statistics"])


def parse_day(value: str | None, name: str, default: date) -> date:
    """A ``YYYY-MM-DD`` query value; ``invalid_date`` (422) otherwise."""
    if value is None or value == "":
        return default
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name} is a date written YYYY-MM-DD, not {value!r}",
            code="invalid_date",
            details={"parameter": name, "value": value[:40]},
        ) from None


@router.get("", responses=ERRORS, summary="Figures per campaign and period")
def statistics(
    actor: ApiActor,
    database: DatabaseDep,
    campaign: Annotated[str | None, Query(max_length=64, description="a campaign id")] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="first China-time day, YYYY-MM-DD")
    ] = None,
    to: Annotated[
        str | None, Query(description="last China-time day (inclusive), YYYY-MM-DD")
    ] = None,
) -> dict[str, Any]:
    """Items removed, accounts handled (closed, muted or demonetised, followers cleared),
    content labelled, medians to acceptance, decision and action (seconds), the share
    decided within the time limit, objections and reversals, reports received, accepted
    and refused as malicious. Both days are inclusive; by default, this month so far."""
    require(actor, Permission.STATISTICS_READ)
    today = database.clock.now().astimezone(CHINA).date()
    end = parse_day(to, "to", today)
    start = parse_day(from_, "from", end.replace(day=1))
    return campaign_statistics(
        database, actor=actor, campaign=campaign or None, start=start, end=end
    )
