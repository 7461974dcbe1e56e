"""How a report arrives (channel) and where (zone): GD-3's enterprise zone, CP-1's campaign zones.

A campaign's zone takes reports only within the campaign's period (China time); a
pack's own zones are always open and classify their reports by that pack's categories:
the enterprise report zone (涉企举报专区) by ``cac-ws-2023``, the rapid channel for
cyber-violence reports (GD-1) by ``cac-guidance-2023``. Campaign zones use the
enterprise pack's categories.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from qinglang.errors import Conflict, InvalidInput
from qinglang.policy.campaigns import Campaign, Phase
from qinglang.policy.model import Label, Pack

ENTERPRISE_ZONE = "enterprise_zone"
ENTERPRISE_ZONE_LABEL = Label(zh="涉企举报专区", en="Enterprise report zone")
_REFERENCE = re.compile(r"^[\w\-/()（）〔〕\[\]号第]{3,64}$")


class Channel(StrEnum):
    WEB_FORM = "web_form"  # the public report page
    API = "api"  # an integration with an API token
    REGULATOR_TRANSFER = "regulator_transfer"  # 转交转办: carries the regulator's reference
    BULK_IMPORT = "bulk_import"  # a batch from an earlier system


@dataclass(frozen=True, slots=True)
class Zone:
    code: str
    label: Label
    campaign: Campaign | None  # None for a pack's own zone
    pack: str | None = None  # the pack whose categories classify its reports; None: the default


def parse_channel(value: str, *, regulator_reference: str | None = None) -> Channel:
    try:
        channel = Channel(value)
    except ValueError:
        raise InvalidInput(
            f"unknown channel {value!r}",
            code="unknown_channel",
            details={"known": [c.value for c in Channel]},
        ) from None
    reference = (regulator_reference or "").strip()
    if channel is Channel.REGULATOR_TRANSFER and not _REFERENCE.match(reference):
        raise InvalidInput(
            "a report the regulator transfers carries its reference number (3 to 64 characters)",
            code="regulator_reference_required",
        )
    return channel


def open_zone(
    code: str,
    *,
    at: datetime,
    campaigns: Mapping[str, Campaign],
    packs: Mapping[str, Pack] | None = None,
) -> Zone:
    """The zone ``code`` if it takes reports at ``at``; a clear, coded refusal otherwise."""
    for pack in (packs or {}).values():
        if (own := pack.zone(code)) is not None:
            return Zone(code=code, label=own.label, campaign=None, pack=pack.id)
    if code == ENTERPRISE_ZONE:
        return Zone(code=code, label=ENTERPRISE_ZONE_LABEL, campaign=None)
    campaign = next((c for c in campaigns.values() if c.zone_code == code), None)
    if campaign is None:
        own_zones = {z.code for p in (packs or {}).values() for z in p.zones} | {ENTERPRISE_ZONE}
        known = [*sorted(own_zones), *sorted(c.zone_code for c in campaigns.values())]
        raise InvalidInput(f"unknown zone {code!r}", code="unknown_zone", details={"known": known})
    phase = campaign.phase(at)
    period = f"{campaign.starts} – {campaign.ends}"
    if phase is Phase.NOT_STARTED:
        raise Conflict(
            f"{campaign.zone.zh} opens on {campaign.starts} (campaign period {period})",
            code="zone_not_open_yet",
            details={"starts": str(campaign.starts), "ends": str(campaign.ends)},
        )
    if phase is Phase.ENDED:
        raise Conflict(
            f"{campaign.zone.zh} closed on {campaign.ends}: the campaign ran {period}",
            code="zone_closed",
            details={"starts": str(campaign.starts), "ends": str(campaign.ends)},
        )
    return Zone(code=code, label=campaign.zone, campaign=campaign)
