"""Campaigns (清朗专项行动, CP-1) as data: a name, a period, its categories, its report zone.

Adding a campaign is adding a file to ``campaigns/``; no code changes. A campaign's
zone takes reports only within its period, counted in China Standard Time and
inclusive of both end dates.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from qinglang.policy.loader import PackError, location
from qinglang.policy.model import Label
from qinglang.policy.schema import CampaignFile

CHINA = ZoneInfo("Asia/Shanghai")


def campaigns_dir() -> Path:
    return Path(__file__).parent / "campaigns"


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    OPEN = "open"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class CampaignCategory:
    code: str
    item: int  # the item number in the campaign's notice
    label: Label
    description: str
    related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: Label
    issuer: str
    issued: date
    source: str
    starts: date
    ends: date
    period_note: str
    zone_code: str
    zone: Label
    categories: tuple[CampaignCategory, ...]
    file: str

    def phase(self, at: datetime) -> Phase:
        day = at.astimezone(CHINA).date()
        if day < self.starts:
            return Phase.NOT_STARTED
        return Phase.OPEN if day <= self.ends else Phase.ENDED

    def category(self, code: str) -> CampaignCategory | None:
        return next((c for c in self.categories if c.code == code), None)


def _check(raw: CampaignFile, known_rules: dict[str, frozenset[str]] | None) -> list[str]:
    problems = []
    starts, ends = date.fromisoformat(raw.campaign.starts), date.fromisoformat(raw.campaign.ends)
    if ends < starts:
        problems.append("campaign.ends: the campaign ends before it starts")
    counts = Counter(c.code for c in raw.category)
    problems += [f"category: the code {c!r} is used twice" for c, n in counts.items() if n > 1]
    items = Counter(c.item for c in raw.category)
    problems += [f"category: the item {i} is used twice" for i, n in items.items() if n > 1]
    for i, category in enumerate(raw.category):
        for j, ref in enumerate(category.related):
            pack, _, rule = ref.partition(":")
            if known_rules is not None and rule not in known_rules.get(pack, frozenset()):
                problems.append(f"category[{i}].related[{j}]: no rule {ref!r} in the loaded packs")
    return problems


def load_campaign(path: Path, *, known_rules: dict[str, frozenset[str]] | None = None) -> Campaign:
    """Load one campaign file; :class:`PackError` lists every problem with its path."""
    file = path.name
    try:
        raw = CampaignFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise PackError.in_file(file, [f"cannot read: {exc.strerror or exc}"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError.in_file(file, [f"is not valid TOML: {exc}"]) from None
    except ValidationError as exc:
        problems = [f"{location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PackError.in_file(file, problems) from None
    problems = _check(raw, known_rules)
    if problems:
        raise PackError.in_file(file, problems)
    head = raw.campaign
    return Campaign(
        id=head.id,
        name=Label(zh=head.name_zh, en=head.name_en),
        issuer=head.issuer,
        issued=date.fromisoformat(head.issued),
        source=head.source,
        starts=date.fromisoformat(head.starts),
        ends=date.fromisoformat(head.ends),
        period_note=head.period_note,
        zone_code=raw.zone.code,
        zone=Label(zh=raw.zone.label_zh, en=raw.zone.label_en),
        categories=tuple(
            CampaignCategory(
                code=c.code,
                item=c.item,
                label=Label(zh=c.label_zh, en=c.label_en),
                description=c.description_zh,
                related=tuple(c.related),
            )
            for c in raw.category
        ),
        file=file,
    )


def load_campaigns(
    directory: Path | None = None, *, known_rules: dict[str, frozenset[str]] | None = None
) -> dict[str, Campaign]:
    campaigns: dict[str, Campaign] = {}
    problems: list[str] = []
    zones: dict[str, str] = {}
    for path in sorted((directory or campaigns_dir()).glob("*.toml")):
        try:
            campaign = load_campaign(path, known_rules=known_rules)
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if campaign.id in campaigns:
            other = campaigns[campaign.id].file
            problems.append(f"{path.name}: campaign.id: {campaign.id!r} is also in {other}")
        if campaign.zone_code in zones:
            other = zones[campaign.zone_code]
            problems.append(
                f"{path.name}: zone.code: {campaign.zone_code!r} is also the zone of {other}"
            )
        campaigns[campaign.id] = campaign
        zones[campaign.zone_code] = path.name
    if problems:
        raise PackError(problems)
    return campaigns
