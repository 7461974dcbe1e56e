"""``/transparency``: the platform's public account of how it handles reports (BS-1, RC-1).

No sign-in and no script; zh-CN first, ``?lang=en``. It lists the report channels and what
each takes (the report page, the API, the packs' own zones such as the rapid channel for
cyber violence and harm to minors, and the campaigns' zones with their periods), the
handling results of a month by category, where typical cases will be published, and the
public key that verifies the ledger's signed exports.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from qinglang.intake.channels import ENTERPRISE_ZONE
from qinglang.intake.reports import Intake
from qinglang.oversight import signing
from qinglang.oversight.transparency import public_results
from qinglang.policy.campaigns import Phase
from qinglang.web.deps import DatabaseDep, SettingsDep
from qinglang.web.public.rendering import render

router = APIRouter(include_in_schema=False)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str | None, today: date) -> tuple[date, date, str | None]:
    """The month asked for (``YYYY-MM``), else this month; and a problem code, if any."""
    found = _MONTH.match((value or "").strip())
    problem = "invalid_period" if value and not found else None
    year, month = (int(found.group(1)), int(found.group(2))) if found else (today.year, today.month)
    if not 1 <= month <= 12 or not 2000 <= year <= 9999:
        year, month, problem = today.year, today.month, "invalid_period"
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last), problem


def _channels(intake: Intake, now: datetime) -> dict[str, Any]:
    packs = [intake.pack, *(p for p in intake.packs.values() if p.id != intake.pack.id)]
    zones = []
    for pack in packs:
        for zone in pack.zones:
            limits = pack.time_limits
            zones.append(
                {
                    "code": zone.code,
                    "label": zone.label,
                    "note": zone.note,
                    "requirement": zone.requirement,
                    "href": "/report"
                    if zone.code == ENTERPRISE_ZONE
                    else f"/report?zone={zone.code}",
                    "categories": [c.label for c in pack.categories],
                    "in_hours": bool(limits and limits.in_hours),
                    "default_limit": limits.default if limits else None,
                    "pack": pack,
                }
            )
    campaigns = [
        {
            "campaign": c,
            "open": c.phase(now) is Phase.OPEN,
            "phase": c.phase(now).value,
            "href": f"/report?zone={c.zone_code}",
        }
        for c in sorted(intake.campaigns.values(), key=lambda c: c.starts)
    ]
    return {"zones": zones, "campaigns": campaigns, "enterprise": intake.pack}


@router.get("/transparency", response_class=HTMLResponse)
def transparency(request: Request, database: DatabaseDep, settings: SettingsDep) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    now = database.clock.now()
    start, end, problem = _month(
        request.query_params.get("period"), now.astimezone(settings.zone).date()
    )
    public_pem = signing.public_key_pem(settings)
    context: dict[str, Any] = {
        "period": f"{start:%Y-%m}",
        "period_problem": problem,
        "results": public_results(database, start=start, end=end),
        "public_key": public_pem,
        "fingerprint": signing.fingerprint(public_pem) if public_pem else None,
        **_channels(intake, now),
    }
    return render(request, "transparency.html", context)
