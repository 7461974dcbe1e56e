"""The policy engine: a pure function from a pack and a case's facts to a recommendation.

``evaluate(pack, facts)`` reads only the pack's data (rules, conditions, measures,
grading) and returns a :class:`Decision`: the recommended measures, each with the
requirement ID and article clause that grounds it, what the decision needs before it
may take effect, the grade, and a trace of every rule, matched or not, and why.
The same input always gives the same output, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qinglang.errors import InvalidInput
from qinglang.policy.disposal import (
    REQUIREMENTS,
    Disposal,
    Grade,
    Grading,
    MeasureSpec,
    ParamValue,
    Rule,
)
from qinglang.policy.facts import CaseFacts, check_case_facts
from qinglang.policy.model import Basis, Label, Pack
from qinglang.policy.wording import explain_grade, explain_rule


@dataclass(frozen=True, slots=True)
class Measure:
    """A recommended measure: what, on what, why (requirement and article), with what."""

    code: str
    on: str
    basis: tuple[Basis, ...]
    params: Mapping[str, ParamValue] = field(default_factory=dict, hash=False)
    one_of: str | None = None  # measures sharing it are alternatives: take one of them
    discretionary: bool = False  # the article allows it (可以); it does not require it
    needs_approval: bool = False  # WS-27: a second person signs off

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "on": self.on,
            "basis": [{"id": b.requirement, "article": b.article} for b in self.basis],
            "params": dict(self.params),
            "one_of": self.one_of,
            "discretionary": self.discretionary,
            "needs_approval": self.needs_approval,
        }


@dataclass(frozen=True, slots=True)
class TraceStep:
    rule: str
    matched: bool
    why: Label
    requirement: str
    article: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "matched": self.matched,
            "why": self.why.en,
            "why_zh": self.why.zh,
            "requirement": self.requirement,
            "article": self.article,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    pack: str
    category: str
    subtype: str
    measures: tuple[Measure, ...]
    requires: tuple[str, ...]  # of REQUIREMENTS, in that order
    grade: str | None
    points: int | None
    trace: tuple[TraceStep, ...]
    no_measure_reason: Label | None = None  # set exactly when there is no measure

    def as_dict(self) -> dict[str, Any]:
        reason = self.no_measure_reason
        return {
            "pack": self.pack,
            "category": self.category,
            "subtype": self.subtype,
            "measures": [m.as_dict() for m in self.measures],
            "requires": list(self.requires),
            "grade": self.grade,
            "points": self.points,
            "trace": [step.as_dict() for step in self.trace],
            "no_measure_reason": reason.en if reason else None,
            "no_measure_reason_zh": reason.zh if reason else None,
        }


GRADING_STEP = "ws_19"


def _grade(
    grading: Grading, levels: Mapping[str, str] | None, conditions: tuple[str, ...]
) -> tuple[Grade | None, int | None, TraceStep]:
    """The grade from the dimensions' points, raised to any floor that applies.

    Without levels (not graded yet) a condition's floor still sets the grade: a case the
    pack says to handle strictly (从严, e.g. GD-1's first posting) is never ungraded.
    """
    basis = grading.basis
    order = [g.code for g in grading.grades]
    points: int | None = None
    grade: Grade | None = None
    if levels is not None:
        points = sum(
            level.points
            for d in grading.dimensions
            if (level := grading.level(levels[d.code])) is not None
        )
        grade = grading.grade_for_points(points)
    base = grade
    raised_by = None
    for floor in grading.floors:
        if not floor.applies(levels, conditions):
            continue
        if grade is None or order.index(floor.grade) > order.index(grade.code):
            grade = grading.grades[order.index(floor.grade)]
            raised_by = floor
    if grade is None:
        why = Label(zh="未分级（未提供严重程度等因素）", en="not graded: no grading given")
        return None, None, TraceStep(GRADING_STEP, False, why, basis.requirement, basis.article)
    why = explain_grade(grading, levels, points, base, grade, raised_by)
    return grade, points, TraceStep(GRADING_STEP, True, why, basis.requirement, basis.article)


def _measure(disposal: Disposal, spec: MeasureSpec, basis: Iterable[Basis], rule: Rule) -> Measure:
    kind = disposal.measure(spec.code)
    return Measure(
        code=spec.code,
        on=spec.on,
        basis=tuple(dict.fromkeys(basis)),
        params=dict(spec.params),
        one_of=spec.one_of,
        discretionary=rule.discretionary,
        needs_approval=kind.approval if kind else False,
    )


def _merge(measures: list[Measure]) -> tuple[Measure, ...]:
    """One measure per (code, on), first place kept; bases joined, the longer period kept."""
    merged: dict[tuple[str, str], Measure] = {}
    for m in measures:
        key = (m.code, m.on)
        seen = merged.get(key)
        if seen is None:
            merged[key] = m
            continue
        params = {**seen.params}
        for name, value in m.params.items():
            params[name] = max(params.get(name, value), value)  # longer days; True over False
        if params.get("permanent") is True:
            params.pop("days", None)  # permanent outlasts any number of days
        merged[key] = Measure(
            code=m.code,
            on=m.on,
            basis=tuple(dict.fromkeys(seen.basis + m.basis)),
            params=params,
            one_of=seen.one_of if seen.one_of == m.one_of else None,
            discretionary=seen.discretionary and m.discretionary,
            needs_approval=seen.needs_approval,
        )
    return tuple(merged.values())


def evaluate(pack: Pack, facts: CaseFacts) -> Decision:
    """The pack's recommendation for a case. Unknown codes: :class:`InvalidInput`."""
    disposal = check_case_facts(pack, facts)
    trace: list[TraceStep] = []
    grade: Grade | None = None
    points: int | None = None
    if disposal.grading is not None:
        grade, points, step = _grade(disposal.grading, facts.grading, facts.conditions)
        trace.append(step)
    found: list[Measure] = []
    requires: list[str] = []
    replaced: set[str] = set()
    unmatched: list[TraceStep] = []
    for rule in disposal.rules:
        missing = [f for f in rule.facts if not facts.holds(f)]
        present = [c for c in rule.any_condition if c in facts.conditions]
        earlier = [m for m in found if m.on in rule.needs_measures_on]
        matched = not missing and (not rule.any_condition or bool(present))
        if matched and rule.needs_measures_on and not earlier:
            matched = False
        clauses = [c.basis for code in present if (c := disposal.condition(code)) is not None]
        basis = [Basis(rule.basis.requirement, b.article) for b in clauses] or [rule.basis]
        taken: list[Measure] = []
        if matched:
            for spec in rule.measures:
                if spec.when is None:
                    taken.append(_measure(disposal, spec, basis, rule))
                elif spec.when in present:
                    when = disposal.condition(spec.when)
                    only = [Basis(rule.basis.requirement, when.basis.article)] if when else basis
                    taken.append(_measure(disposal, spec, only, rule))
            if rule.grading and grade is not None and disposal.grading is not None:
                graded = [*basis, disposal.grading.basis]
                taken += [_measure(disposal, spec, graded, rule) for spec in grade.measures]
            requires += rule.requires
            replaced |= set(rule.replaces)
        why = explain_rule(disposal, rule, facts, missing, present, taken, grade, matched)
        step = TraceStep(rule.id, matched, why, rule.basis.requirement, rule.basis.article)
        trace.append(step)
        if not taken and (rule.measures or rule.grading):
            unmatched.append(step)  # a rule that could have given a measure and did not
        found += taken
    measures = _merge(found)
    needed = set(requires) - replaced
    approvals = [m.code for m in measures if m.needs_approval]
    approvals += [r for r in needed if (kind := disposal.measure(r)) is not None and kind.approval]
    if approvals:
        needed.add("approval")
    reason = None
    if not measures:
        reason = Label(
            zh="无处置措施：" + "；".join(f"{s.requirement} {s.why.zh}" for s in unmatched),
            en="No measure: " + "; ".join(f"{s.requirement}: {s.why.en}" for s in unmatched),
        )
    return Decision(
        pack=pack.id,
        category=facts.category,
        subtype=facts.subtype,
        measures=measures,
        requires=tuple(r for r in REQUIREMENTS if r in needed),
        grade=grade.code if grade else None,
        points=points,
        trace=tuple(trace),
        no_measure_reason=reason,
    )


def requires_approval(pack: Pack, measure: str) -> bool:
    """Whether taking ``measure`` needs a second person's sign-off (WS-27), whatever the case."""
    kind = pack.disposal.measure(measure) if pack.disposal else None
    if kind is None:
        raise InvalidInput(f"unknown measure {measure!r} in {pack.id}", code="unknown_measure")
    return kind.approval


def departs_from(decision: Decision, proposed: Mapping[str, Mapping[str, ParamValue]]) -> bool:
    """Whether a proposal (measure code → params) departs from the recommendation.

    A departure needs approval (WS-27). It departs when it proposes a measure that was not
    recommended or with other parameters, or leaves out a recommended measure; of
    alternatives (``one_of``) one suffices, and a discretionary measure (WS-18 refusal)
    may be left out, or taken instead of the rest.
    """
    recommended = {m.code: m for m in decision.measures}
    for code, params in proposed.items():
        if code not in recommended or dict(params) != dict(recommended[code].params):
            return True
    if any(recommended[code].discretionary for code in proposed):
        return False
    groups: dict[str, bool] = {}
    for m in decision.measures:
        if m.discretionary:
            continue
        if m.one_of is not None:
            groups[m.one_of] = groups.get(m.one_of, False) or m.code in proposed
        elif m.code not in proposed:
            return True
    return not all(groups.values())
