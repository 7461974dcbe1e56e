"""Checking a pack's disposal sections against each other, then building their values.

Every problem is one line, ``path: what is wrong``; the loader adds the file name.
Any code a rule or grade names must be defined in the pack (facts, conditions, measures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from qinglang.policy.disposal import (
    REQUIREMENTS,
    Approval,
    Condition,
    Dimension,
    Disposal,
    Fact,
    Grade,
    GradeFloor,
    Grading,
    Level,
    MeasureSpec,
    MeasureType,
    Period,
    Rule,
)
from qinglang.policy.disposal_schema import (
    GradingFile,
    MeasureSpecFile,
    MeasureTypeFile,
    RuleFile,
)
from qinglang.policy.model import Basis, Label
from qinglang.policy.schema import PackFile


def _duplicates(codes: Iterable[str]) -> list[str]:
    return sorted(code for code, count in Counter(codes).items() if count > 1)


def _check_spec(
    where: str, spec: MeasureSpecFile, types: dict[str, MeasureType], problems: list[str]
) -> None:
    kind = types.get(spec.code)
    if kind is None:
        problems.append(f"{where}.code: unknown measure {spec.code!r}")
        return
    if spec.code in REQUIREMENTS:
        problems.append(f"{where}.code: {spec.code!r} is a review, named in `requires`")
    if spec.on is not None and spec.on not in kind.on:
        problems.append(
            f"{where}.on: {spec.code!r} acts on {' or '.join(kind.on)}, not {spec.on!r}"
        )
    elif spec.on is None and len(kind.on) > 1:
        problems.append(f"{where}.on: {spec.code!r} acts on {' or '.join(kind.on)}: name one")
    params = dict(spec.params)
    if kind.period is Period.EXPIRY:
        expected = {"expires_in_days"}
    elif kind.period is Period.DAYS:
        expected = {"permanent"} if params.get("permanent") is True else {"days"}
        if "permanent" in params and not kind.may_be_permanent:
            problems.append(f"{where}.params.permanent: {spec.code!r} cannot be permanent")
            return
    else:
        expected = set()
    if set(params) != expected:
        want = ", ".join(sorted(expected)) or "no parameters"
        problems.append(f"{where}.params: {spec.code!r} takes {want}, not {sorted(params)}")
        return
    for name, value in params.items():
        if (name == "permanent") != isinstance(value, bool):
            problems.append(f"{where}.params.{name}: {value!r} is not a valid value")


def _check_rule(
    where: str,
    rule: RuleFile,
    raw: PackFile,
    types: dict[str, MeasureType],
    problems: list[str],
) -> None:
    facts = {f.code for f in raw.fact}
    conditions = {c.code: c for c in raw.condition}
    for j, code in enumerate(rule.facts):
        if code not in facts:
            problems.append(f"{where}.facts[{j}]: unknown fact {code!r}")
    for j, code in enumerate(rule.any_condition):
        condition = conditions.get(code)
        if condition is None:
            problems.append(f"{where}.any_condition[{j}]: unknown condition {code!r}")
        elif condition.requirement != rule.requirement:
            problems.append(
                f"{where}.any_condition[{j}]: {code!r} is a condition of "
                f"{condition.requirement}, not of {rule.requirement}"
            )
    if not rule.facts and not rule.any_condition:
        problems.append(f"{where}: a rule names facts, conditions or both")
    if not rule.measure and not rule.grading and not rule.requires:
        problems.append(f"{where}: a rule recommends a measure, uses grading or requires a review")
    if rule.grading and raw.grading is None:
        problems.append(f"{where}.grading: the pack has no [grading] section")
    for j, spec in enumerate(rule.measure):
        _check_spec(f"{where}.measure[{j}]", spec, types, problems)
        if spec.when is not None and spec.when not in rule.any_condition:
            problems.append(
                f"{where}.measure[{j}].when: {spec.when!r} is not one of this rule's conditions"
            )
    groups = Counter(s.one_of for s in rule.measure if s.one_of is not None)
    for group, count in sorted(groups.items()):
        if count < 2:
            problems.append(f"{where}.measure: one_of {group!r} has a single measure")
    for key, names in (("requires", rule.requires), ("replaces", rule.replaces)):
        for j, name in enumerate(names):
            if name != "approval" and name not in types:
                problems.append(f"{where}.{key}[{j}]: {name!r} is not among the pack's measures")


def _check_grading(
    grading: GradingFile,
    types: dict[str, MeasureType],
    problems: list[str],
    conditions: set[str],
) -> None:
    where = "grading"
    for key, codes in (
        ("dimension", [d.code for d in grading.dimension]),
        ("level", [lv.code for lv in grading.level]),
        ("grade", [g.code for g in grading.grade]),
    ):
        for code in _duplicates(codes):
            problems.append(f"{where}.{key}: the code {code!r} is used twice")
    top = len(grading.dimension) * max(lv.points for lv in grading.level)
    expected_min = 0
    for i, grade in enumerate(grading.grade):
        here = f"{where}.grade[{i}]"
        if grade.min_points != expected_min:
            problems.append(
                f"{here}.min_points: is {grade.min_points}, expected {expected_min} "
                "(grades cover the points in order, without gaps or overlaps)"
            )
        if grade.max_points < grade.min_points:
            problems.append(f"{here}.max_points: is below min_points")
        expected_min = grade.max_points + 1
        for j, spec in enumerate(grade.measure):
            _check_spec(f"{here}.measure[{j}]", spec, types, problems)
            kind = types.get(spec.code)
            if kind is not None and (spec.on or kind.on[0]) != "account":
                problems.append(
                    f"{here}.measure[{j}]: {spec.code!r} does not act on the account; "
                    "a grade chooses account measures"
                )
            if spec.when is not None or spec.one_of is not None:
                problems.append(f"{here}.measure[{j}]: a grade's measure has no when or one_of")
    if grading.grade and expected_min - 1 != top:
        problems.append(f"{where}.grade: the last grade ends at {expected_min - 1}, not at {top}")
    dimensions = {d.code for d in grading.dimension}
    levels = {lv.code for lv in grading.level}
    grades = {g.code for g in grading.grade}
    for i, floor in enumerate(grading.floor):
        by_level = floor.dimension is not None or floor.level is not None
        if by_level == (floor.condition is not None) or (
            by_level and (floor.dimension is None or floor.level is None)
        ):
            problems.append(
                f"{where}.floor[{i}]: a floor names a dimension and a level, or a condition"
            )
            continue
        for key, value, known in (
            ("dimension", floor.dimension, dimensions),
            ("level", floor.level, levels),
            ("condition", floor.condition, conditions),
            ("grade", floor.grade, grades),
        ):
            if value is not None and value not in known:
                problems.append(f"{where}.floor[{i}].{key}: unknown {key} {value!r}")


def check_disposal(raw: PackFile) -> list[str]:
    """Every cross-reference problem in the disposal sections."""
    problems: list[str] = []
    for key, codes in (
        ("fact", [f.code for f in raw.fact]),
        ("condition", [c.code for c in raw.condition]),
        ("measure", [m.code for m in raw.measure]),
        ("rule", [r.id for r in raw.rule]),
    ):
        for code in _duplicates(codes):
            problems.append(f"{key}: the code {code!r} is used twice")
    facts = {f.code for f in raw.fact}
    for i, fact in enumerate(raw.fact):
        for j, other in enumerate(fact.contradicts):
            if other not in facts or other == fact.code:
                problems.append(f"fact[{i}].contradicts[{j}]: unknown fact {other!r}")
    types = {m.code: _measure_type(m) for m in raw.measure}
    for i, measure in enumerate(raw.measure):
        if measure.may_be_permanent and measure.period != "days":
            problems.append(f"measure[{i}].may_be_permanent: only a measure with days can be")
    for i, rule in enumerate(raw.rule):
        _check_rule(f"rule[{i}]", rule, raw, types, problems)
    used = {code for rule in raw.rule for code in rule.any_condition}
    for i, condition in enumerate(raw.condition):
        if condition.code not in used:
            problems.append(f"condition[{i}]: {condition.code!r} is used by no rule")
    if raw.grading is not None:
        _check_grading(raw.grading, types, problems, {c.code for c in raw.condition})
    return problems


def _label(zh: str, en: str) -> Label:
    return Label(zh=zh, en=en)


def _measure_type(m: MeasureTypeFile) -> MeasureType:
    return MeasureType(
        code=m.code,
        on=tuple(m.on),
        label=_label(m.label_zh, m.label_en),
        period=Period(m.period),
        may_be_permanent=m.may_be_permanent,
        approval=m.approval,
    )


def _spec(spec: MeasureSpecFile, types: dict[str, MeasureType]) -> MeasureSpec:
    return MeasureSpec(
        code=spec.code,
        on=spec.on or types[spec.code].on[0],
        params=dict(spec.params),
        when=spec.when,
        one_of=spec.one_of,
    )


def _rule(rule: RuleFile, types: dict[str, MeasureType]) -> Rule:
    note = None
    if rule.note_zh or rule.note_en:
        note = _label(rule.note_zh or rule.note_en or "", rule.note_en or rule.note_zh or "")
    return Rule(
        id=rule.id,
        basis=Basis(requirement=rule.requirement, article=rule.article),
        label=_label(rule.label_zh, rule.label_en),
        text=_label(rule.text_zh, rule.text_en),
        facts=tuple(rule.facts),
        any_condition=tuple(rule.any_condition),
        measures=tuple(_spec(s, types) for s in rule.measure),
        discretionary=rule.discretionary,
        grading=rule.grading,
        needs_measures_on=tuple(rule.needs_measures_on),
        requires=tuple(rule.requires),
        replaces=tuple(rule.replaces),
        note=note,
    )


def _grading(g: GradingFile, types: dict[str, MeasureType]) -> Grading:
    return Grading(
        basis=Basis(requirement=g.requirement, article=g.article),
        text=_label(g.text_zh, g.text_en),
        note=_label(g.note_zh, g.note_en),
        dimensions=tuple(Dimension(d.code, _label(d.label_zh, d.label_en)) for d in g.dimension),
        levels=tuple(Level(lv.code, _label(lv.label_zh, lv.label_en), lv.points) for lv in g.level),
        grades=tuple(
            Grade(
                code=grade.code,
                label=_label(grade.label_zh, grade.label_en),
                min_points=grade.min_points,
                max_points=grade.max_points,
                measures=tuple(_spec(s, types) for s in grade.measure),
            )
            for grade in g.grade
        ),
        floors=tuple(
            GradeFloor(
                f.dimension or "",
                f.level or "",
                f.grade,
                _label(f.reason_zh, f.reason_en),
                condition=f.condition,
            )
            for f in g.floor
        ),
    )


def build_disposal(raw: PackFile) -> Disposal | None:
    """The disposal values of a checked pack; None when it states no disposal rules."""
    if not (raw.fact or raw.condition or raw.measure or raw.rule or raw.grading):
        return None
    types = {m.code: _measure_type(m) for m in raw.measure}
    approval = None
    if raw.approval is not None:
        a = raw.approval
        approval = Approval(
            basis=Basis(requirement=a.requirement, article=a.article),
            text=_label(a.text_zh, a.text_en),
            note=_label(a.note_zh, a.note_en),
        )
    return Disposal(
        facts=tuple(
            Fact(
                code=f.code,
                label=_label(f.label_zh, f.label_en),
                text_zh=f.text_zh,
                basis=tuple(Basis(requirement=b.requirement, article=b.article) for b in f.basis),
                contradicts=tuple(f.contradicts),
            )
            for f in raw.fact
        ),
        conditions=tuple(
            Condition(
                code=c.code,
                label=_label(c.label_zh, c.label_en),
                basis=Basis(requirement=c.requirement, article=c.article),
                text=_label(c.text_zh, c.text_en),
            )
            for c in raw.condition
        ),
        measures=tuple(types.values()),
        rules=tuple(_rule(r, types) for r in raw.rule),
        grading=_grading(raw.grading, types) if raw.grading is not None else None,
        approval=approval,
    )
