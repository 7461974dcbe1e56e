"""``qinglang policy``: show a shipped pack, validate a pack file."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qinglang.cli.context import err, out
from qinglang.clock import SystemClock
from qinglang.errors import InvalidInput, NotFound
from qinglang.policy import Pack, PackError, load_pack, load_packs
from qinglang.policy.campaigns import load_campaigns
from qinglang.policy.model import EvidenceRule

app = typer.Typer(
    help="Policy packs and campaigns: the rules of each text as data.", no_args_is_help=True
)
Lang = Annotated[str, typer.Option("--lang", help="zh-CN (default) or en")]


def _shipped(pack_id: str) -> Pack:
    packs = load_packs()
    if pack_id not in packs:
        known = ", ".join(sorted(packs))
        raise NotFound(f"no pack {pack_id!r}; shipped packs: {known}", code="pack_not_found")
    return packs[pack_id]


@app.command("show")
def show(
    pack_id: Annotated[str, typer.Argument(help="e.g. cac-ws-2023")],
    json_output: Annotated[bool, typer.Option("--json", help="The whole pack as JSON")] = False,
    lang: Lang = "zh-CN",
) -> None:
    """Print a pack: categories, subtypes, evidence rules and acceptance items with articles."""
    pack = _shipped(pack_id)
    if json_output:
        print(json.dumps(asdict(pack), ensure_ascii=False, indent=2))
        return
    out.print(f"{pack.id} · {pack.title.get(lang)} ({pack.issuer}, {pack.issued}, v{pack.version})")
    categories = Table("category", "subtype", "article", "label", "preliminary evidence")
    for category in pack.categories:
        listed = ", ".join(category.evidence)
        if category.evidence_rule is EvidenceRule.IDENTITY_ONLY:
            evidence = f"identity proof; also accepted: {listed}" if listed else "identity proof"
        else:
            evidence = f"one of: {listed}"
        categories.add_row(
            category.code,
            "",
            f"{category.basis.requirement} {category.basis.article}",
            category.label.get(lang),
            f"{category.evidence_basis.article}: {evidence}",
        )
        for subtype in category.subtypes:
            categories.add_row(
                "",
                f"{category.code}.{subtype.code}",
                subtype.basis.article,
                subtype.label.get(lang),
                "",
            )
    out.print(categories)
    items = Table("acceptance item", "article", "label", "satisfied by")
    for item in pack.acceptance_items:
        items.add_row(
            item.code, item.basis.article, item.label.get(lang), item.satisfied_by.get(lang)
        )
    out.print(items)
    if pack.time_limits is not None:
        limits = pack.time_limits
        out.print(
            f"time limits ({limits.basis.requirement} {limits.basis.article}): "
            f"{limits.default_working_days} working days by default. {limits.note.get(lang)}"
        )
        rules = Table("category", "channel", "working days", "why")
        for rule in limits.rules:
            rules.add_row(
                rule.category or "any",
                rule.channel or "any",
                str(rule.working_days),
                rule.reason.get(lang),
            )
        out.print(rules)


@app.command("validate")
def validate(path: Annotated[Path, typer.Argument(help="A pack file (TOML)")]) -> None:
    """Check a pack file in full; print every problem with its path. Exit 2 when invalid."""
    try:
        pack = load_pack(path)
    except PackError as exc:
        for problem in exc.problems:
            err.print(problem, markup=False, soft_wrap=True)
        raise InvalidInput(
            f"{len(exc.problems)} problem(s) in {path.name}", code="invalid_pack"
        ) from None
    rules = len(pack.rule_ids())
    out.print(f"{path.name}: valid pack {pack.id} v{pack.version} ({rules} rules)")


@app.command("campaigns")
def campaigns(lang: Lang = "zh-CN") -> None:
    """List the campaigns: period, report zone, categories, and whether the zone is open now."""
    rules = {pack_id: pack.rule_ids() for pack_id, pack in load_packs().items()}
    now = SystemClock().now()
    table = Table("campaign", "name", "period (China time)", "zone", "categories", "now")
    for campaign in load_campaigns(known_rules=rules).values():
        table.add_row(
            campaign.id,
            campaign.name.get(lang),
            f"{campaign.starts} – {campaign.ends}",
            f"{campaign.zone_code} · {campaign.zone.get(lang)}",
            str(len(campaign.categories)),
            campaign.phase(now).value,
        )
    out.print(table)
