"""Reading pack files: parse, check the shape, check the references, then build values."""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from qinglang.policy.disposal_loader import build_disposal, check_disposal
from qinglang.policy.model import (
    FLAGS,
    AcceptanceItem,
    Basis,
    Category,
    EvidencePurpose,
    EvidenceRule,
    EvidenceType,
    Label,
    Pack,
    PackZone,
    PriorityRule,
    Selector,
    Subtype,
    TimeLimit,
    TimeLimits,
)
from qinglang.policy.schema import PackFile, PriorityRuleFile, TimeLimitRuleFile

# The channels a report arrives through (intake.channels.Channel; policy may not import intake).
CHANNELS = frozenset({"web_form", "api", "regulator_transfer", "bulk_import"})


def packs_dir() -> Path:
    """The packs shipped with Qinglang."""
    return Path(__file__).parent / "packs"


class PackError(Exception):
    """Everything wrong with pack files: one line each, ``file: path: problem``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    @classmethod
    def in_file(cls, file: str, problems: list[str]) -> PackError:
        return cls([f"{file}: {problem}" for problem in problems])


def location(parts: Iterable[int | str]) -> str:
    """A validation error's location as a path: ``category[0].subtype[2].code``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _duplicates(codes: Iterable[str]) -> list[str]:
    return sorted(code for code, count in Counter(codes).items() if count > 1)


def _cross_check(raw: PackFile) -> list[str]:
    problems: list[str] = []
    types = {e.code: e for e in raw.evidence_type}
    for code in _duplicates(e.code for e in raw.evidence_type):
        problems.append(f"evidence_type: the code {code!r} is used twice")
    for code in _duplicates(c.code for c in raw.category):
        problems.append(f"category: the code {code!r} is used twice")
    for code in _duplicates(a.code for a in raw.acceptance_item):
        problems.append(f"acceptance_item: the code {code!r} is used twice")
    for i, category in enumerate(raw.category):
        where = f"category[{i}]"
        for code in _duplicates(s.code for s in category.subtype):
            problems.append(f"{where}.subtype: the code {code!r} is used twice")
        for j, code in enumerate(category.evidence):
            if code not in types:
                problems.append(f"{where}.evidence[{j}]: unknown evidence type {code!r}")
            elif types[code].purpose not in ("preliminary", "identity"):
                problems.append(
                    f"{where}.evidence[{j}]: {code!r} is {types[code].purpose} evidence, "
                    "not preliminary evidence"
                )
        if category.evidence_rule == "listed_types" and not category.evidence:
            problems.append(f"{where}.evidence: listed_types needs at least one evidence type")
    categories = {c.code: c for c in raw.category}
    selectors: list[tuple[str, Any]] = []
    if raw.time_limits is not None:
        limits = raw.time_limits
        in_hours = limits.default_hours is not None
        if in_hours == (limits.default_working_days is not None):
            problems.append(
                "time_limits: give exactly one of default_working_days and default_hours"
            )
        unit, other = ("hours", "working_days") if in_hours else ("working_days", "hours")
        for i, rule in enumerate(limits.rule):
            where = f"time_limits.rule[{i}]"
            selectors.append((where, rule))
            if getattr(rule, unit) is None or getattr(rule, other) is not None:
                problems.append(f"{where}: this pack counts in {unit}: give {unit}, not {other}")
    for i, prio in enumerate(raw.priority):
        selectors.append((f"priority[{i}]", prio))
    for where, rule in selectors:
        if rule.category is not None and rule.category not in categories:
            problems.append(f"{where}.category: unknown category {rule.category!r}")
        if rule.subtype is not None:
            owner = categories.get(rule.category or "")
            if owner is None:
                problems.append(f"{where}.subtype: a subtype rule names its category too")
            elif rule.subtype not in {s.code for s in owner.subtype}:
                problems.append(
                    f"{where}.subtype: {rule.subtype!r} is not a subtype of {owner.code}"
                )
        if rule.channel is not None and rule.channel not in CHANNELS:
            problems.append(
                f"{where}.channel: unknown channel {rule.channel!r} "
                f"(one of {', '.join(sorted(CHANNELS))})"
            )
        if rule.flag is not None and rule.flag not in FLAGS:
            problems.append(
                f"{where}.flag: unknown flag {rule.flag!r} (one of {', '.join(sorted(FLAGS))})"
            )
        if all(getattr(rule, k) is None for k in ("category", "subtype", "channel", "flag")):
            problems.append(f"{where}: a rule names a category, subtype, channel or flag")
    for code in _duplicates(z.code for z in raw.zone):
        problems.append(f"zone: the code {code!r} is used twice")
    return problems


def _selector(rule: TimeLimitRuleFile | PriorityRuleFile) -> Selector:
    return Selector(
        category=rule.category, subtype=rule.subtype, channel=rule.channel, flag=rule.flag
    )


def _time_limits(raw: PackFile) -> TimeLimits | None:
    limits = raw.time_limits
    if limits is None:
        return None
    in_hours = limits.default_hours is not None
    default = limits.default_hours if in_hours else limits.default_working_days
    assert default is not None  # checked in _cross_check
    return TimeLimits(
        basis=Basis(requirement=limits.requirement, article=limits.article),
        default=default,
        in_hours=in_hours,
        note=_label(limits.note_zh, limits.note_en),
        rules=tuple(
            TimeLimit(
                amount=(r.hours if in_hours else r.working_days) or 0,
                reason=_label(r.reason_zh, r.reason_en),
                when=_selector(r),
                requirement=r.requirement,
            )
            for r in limits.rule
        ),
    )


def _label(zh: str, en: str) -> Label:
    return Label(zh=zh, en=en)


def _build(raw: PackFile, file: str) -> Pack:
    return Pack(
        id=raw.pack.id,
        title=_label(raw.pack.title_zh, raw.pack.title_en),
        issuer=raw.pack.issuer,
        issued=raw.pack.issued,
        source=raw.pack.source,
        version=raw.pack.version,
        file=file,
        time_limits=_time_limits(raw),
        zones=tuple(
            PackZone(
                code=z.code,
                label=_label(z.label_zh, z.label_en),
                requirement=z.requirement,
                note=Label(zh=z.note_zh, en=z.note_en),
            )
            for z in raw.zone
        ),
        priority=tuple(
            PriorityRule(
                points=p.points,
                basis=Basis(requirement=p.requirement, article=p.article),
                reason=_label(p.reason_zh, p.reason_en),
                when=_selector(p),
            )
            for p in raw.priority
        ),
        disposal=build_disposal(raw),
        evidence_types=tuple(
            EvidenceType(
                code=e.code,
                label=_label(e.label_zh, e.label_en),
                purpose=EvidencePurpose(e.purpose),
            )
            for e in raw.evidence_type
        ),
        acceptance_items=tuple(
            AcceptanceItem(
                code=a.code,
                label=_label(a.label_zh, a.label_en),
                satisfied_by=_label(a.satisfied_by_zh, a.satisfied_by_en),
                basis=Basis(requirement=a.requirement, article=a.article),
                only_when_delegated=a.only_when_delegated,
            )
            for a in raw.acceptance_item
        ),
        categories=tuple(
            Category(
                code=c.code,
                label=_label(c.label_zh, c.label_en),
                description=_label(c.description_zh, c.description_en),
                basis=Basis(requirement=c.requirement, article=c.article),
                evidence_rule=EvidenceRule(c.evidence_rule),
                evidence=tuple(c.evidence),
                evidence_basis=Basis(
                    requirement=c.evidence_requirement, article=c.evidence_article
                ),
                subtypes=tuple(
                    Subtype(
                        code=s.code,
                        label=_label(s.label_zh, s.label_en),
                        description=_label(s.description_zh, s.description_en),
                        basis=Basis(requirement=s.requirement, article=s.article),
                    )
                    for s in c.subtype
                ),
            )
            for c in raw.category
        ),
    )


def load_pack(path: Path) -> Pack:
    """Load and validate one pack file; :class:`PackError` lists every problem."""
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackError.in_file(file, [f"cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise PackError.in_file(file, ["is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError.in_file(file, [f"is not valid TOML: {exc}"]) from None
    try:
        raw = PackFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PackError.in_file(file, problems) from None
    problems = _cross_check(raw) + check_disposal(raw)
    if problems:
        raise PackError.in_file(file, problems)
    return _build(raw, file)


def load_packs(directory: Path | None = None) -> dict[str, Pack]:
    """Every ``*.toml`` pack in a directory, by id; all files' problems reported together."""
    packs: dict[str, Pack] = {}
    problems: list[str] = []
    for path in sorted((directory or packs_dir()).glob("*.toml")):
        try:
            pack = load_pack(path)
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        if pack.id in packs:
            problems.append(
                f"{path.name}: pack.id: {pack.id!r} is also the id of {packs[pack.id].file}"
            )
        packs[pack.id] = pack
    if problems:
        raise PackError(problems)
    return packs
