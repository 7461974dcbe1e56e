"""``qinglang policy``: show a shipped pack, validate a pack file, evaluate a case's facts."""

from __future__ import annotations

import json
import sys
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
from qinglang.policy.disposal import Disposal, MeasureSpec
from qinglang.policy.engine import Decision, evaluate
from qinglang.policy.facts import case_facts_from_json
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
        elif category.evidence_rule is EvidenceRule.NONE:
            evidence = f"not required; accepted: {listed}" if listed else "not required"
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
        unit = "hours" if limits.in_hours else "working days"
        out.print(
            f"time limits ({limits.basis.requirement} {limits.basis.article}): "
            f"{limits.default} {unit} by default. {limits.note.get(lang)}"
        )
        rules = Table("category", "subtype", "channel", "flag", unit, "why")
        for rule in limits.rules:
            rules.add_row(
                rule.when.category or "any",
                rule.when.subtype or "any",
                rule.when.channel or "any",
                rule.when.flag or "–",
                str(rule.amount),
                rule.reason.get(lang),
            )
        out.print(rules)
    if pack.priority:
        order = Table("category", "flag", "points", "basis", "why")
        for prio in pack.priority:
            order.add_row(
                prio.when.category or "any",
                prio.when.flag or "–",
                str(prio.points),
                f"{prio.basis.requirement} {prio.basis.article}",
                prio.reason.get(lang),
            )
        out.print(order)
    if pack.disposal is not None:
        _show_disposal(pack.disposal, lang)


def _spec(spec: MeasureSpec) -> str:
    params = ", ".join(f"{k} {v}" if v is not True else k for k, v in spec.params.items())
    text = f"{spec.code} ({params})" if params else spec.code
    if spec.when:
        text += f" when {spec.when}"
    return text + (f" (one of {spec.one_of})" if spec.one_of else "")


def _show_disposal(disposal: Disposal, lang: str) -> None:
    """Facts, conditions, measures, rules and grading (WS-18 to WS-27)."""
    facts = Table("fact", "articles", "label", "cannot hold with")
    for fact in disposal.facts:
        articles = ", ".join(f"{b.requirement} {b.article}" for b in fact.basis)
        facts.add_row(fact.code, articles, fact.label.get(lang), ", ".join(fact.contradicts))
    out.print(facts)
    conditions = Table("condition", "article", "label", "text")
    for condition in disposal.conditions:
        basis = condition.basis
        conditions.add_row(
            condition.code,
            f"{basis.requirement} {basis.article}",
            condition.label.get(lang),
            condition.text.get(lang),
        )
    out.print(conditions)
    measures = Table("measure", "on", "label", "period", "approval (WS-27)")
    for kind in disposal.measures:
        period = kind.period.value + (" or permanent" if kind.may_be_permanent else "")
        approval = "yes" if kind.approval else ""
        measures.add_row(kind.code, " or ".join(kind.on), kind.label.get(lang), period, approval)
    out.print(measures)
    rules = Table("rule", "article", "facts (all)", "conditions (any)", "measures", "requires")
    for rule in disposal.rules:
        recommends = [_spec(s) for s in rule.measures]
        if rule.grading:
            recommends.append("grade's account measures (WS-19)")
        requires = ", ".join(rule.requires)
        if rule.replaces:
            requires += f" (instead of {', '.join(rule.replaces)})"
        if rule.needs_measures_on:
            requires += f" when a measure on {' or '.join(rule.needs_measures_on)}"
        rules.add_row(
            rule.id,
            f"{rule.basis.requirement} {rule.basis.article}",
            ", ".join(rule.facts),
            ", ".join(rule.any_condition),
            ("may: " if rule.discretionary else "") + "; ".join(recommends),
            requires,
        )
    out.print(rules)
    if disposal.approval is not None:
        signoff = disposal.approval
        out.print(
            f"approval ({signoff.basis.requirement} {signoff.basis.article}): "
            f"{signoff.note.get(lang)}",
            markup=False,
        )
    grading = disposal.grading
    if grading is not None:
        dimensions = ", ".join(f"{d.code} {d.label.get(lang)}" for d in grading.dimensions)
        levels = ", ".join(f"{lv.code} {lv.label.get(lang)} = {lv.points}" for lv in grading.levels)
        out.print(
            f"grading ({grading.basis.requirement} {grading.basis.article}): {dimensions}; "
            f"levels {levels}. {grading.note.get(lang)}",
            markup=False,
        )
        grades = Table("grade", "label", "points", "account measures")
        for grade in grading.grades:
            grades.add_row(
                grade.code,
                grade.label.get(lang),
                f"{grade.min_points}–{grade.max_points}",
                ", ".join(_spec(s) for s in grade.measures),
            )
        out.print(grades)
        for floor in grading.floors:
            out.print(
                f"floor: {floor.dimension} {floor.level} → at least {floor.grade}: "
                f"{floor.reason.get(lang)}",
                markup=False,
            )


def _read_facts(path: str) -> object:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"cannot read {path}: {exc.strerror or exc}", code="cannot_read_facts"
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text", code="invalid_json") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            code="invalid_json",
        ) from None


def _print_decision(pack: Pack, decision: Decision, lang: str) -> None:
    category = pack.category(decision.category)
    subtype = category.subtype(decision.subtype) if category else None
    names = ""
    if category is not None and subtype is not None:
        names = f" ({category.label.get(lang)} · {subtype.label.get(lang)})"
    out.print(f"{pack.id} · {decision.category}.{decision.subtype}{names}", markup=False)
    grading = pack.disposal.grading if pack.disposal else None
    grade = grading.grade(decision.grade) if grading and decision.grade else None
    if grade is not None:
        label = grade.label.get(lang)
        out.print(f"grade: {grade.code} {label} ({decision.points} points)", markup=False)
    else:
        out.print("grade: not graded", markup=False)
    if decision.measures:
        out.print("measures:", markup=False)
    for m in decision.measures:
        parts = [m.code, f"on {m.on}"]
        if m.params:
            parts.append(", ".join(f"{k} {v}" for k, v in m.params.items()))
        if m.one_of:
            parts.append(f"one of {m.one_of}")
        if m.discretionary:
            parts.append("may be taken")
        if m.needs_approval:
            parts.append("needs approval")
        basis = ", ".join(f"{b.requirement} {b.article}" for b in m.basis)
        out.print(f"  {' · '.join(parts)} — {basis}", markup=False)
    out.print(f"requires: {', '.join(decision.requires) or 'nothing'}", markup=False)
    out.print("trace:", markup=False)
    for step in decision.trace:
        mark = "match" if step.matched else "no   "
        where = f"{step.requirement} {step.article}"
        out.print(f"  {mark} {step.rule} ({where}): {step.why.get(lang)}", markup=False)
    if decision.no_measure_reason is not None:
        out.print(decision.no_measure_reason.get(lang), markup=False)


@app.command("evaluate")
def evaluate_command(
    facts_file: Annotated[str, typer.Argument(metavar="FACTS.json", help="The facts, or -")],
    pack_id: Annotated[str, typer.Option("--pack", help="A shipped pack")] = "cac-ws-2023",
    json_output: Annotated[bool, typer.Option("--json", help="The decision as JSON")] = False,
    lang: Lang = "zh-CN",
) -> None:
    """Recommend measures for a case's facts: basis, requirements, grade and the full trace.

    FACTS.json is {"category", "subtype", "facts": {code: bool}, "conditions": [codes],
    "grading": {"severity", "frequency", "influence", "harm"}}. Needs no database.
    """
    pack = _shipped(pack_id)
    decision = evaluate(pack, case_facts_from_json(_read_facts(facts_file)))
    if json_output:
        print(json.dumps(decision.as_dict(), ensure_ascii=False, indent=2))
        return
    _print_decision(pack, decision, lang)


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
