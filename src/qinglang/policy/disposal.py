"""What a pack says about disposal (WS-18 to WS-27): facts, conditions, measures, rules, grading.

Frozen values, built by the loader from a validated pack file and read by the engine
(:mod:`qinglang.policy.engine`). Every code here is one of VOCABULARY.md's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from qinglang.policy.model import Basis, Label

# What a decision may need before it takes effect, in the order a decision lists them.
REQUIREMENTS = ("approval", "regulator_review_provincial", "regulator_review_central")
# What a measure acts on (VOCABULARY.md, "Measures").
TARGETS = ("content", "account", "report", "case")

ParamValue = int | bool


class Period(StrEnum):
    NONE = "none"  # no parameter
    DAYS = "days"  # params: days = N, or permanent = true where the measure allows it
    EXPIRY = "expiry"  # params: expires_in_days = N (限时加私)


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact a reviewer establishes (事实清楚, 举证充分, …), true or false."""

    code: str
    label: Label
    text_zh: str  # the words of the articles
    basis: tuple[Basis, ...]
    contradicts: tuple[str, ...] = ()  # facts that cannot hold together with this one


@dataclass(frozen=True, slots=True)
class Condition:
    """One clause (情形) of an article, e.g. WS-21 第二十一条(二)."""

    code: str
    label: Label
    basis: Basis
    text: Label  # text.zh quotes the clause as the spec prints it


@dataclass(frozen=True, slots=True)
class MeasureType:
    code: str
    on: tuple[str, ...]  # what it may act on; the first is the default
    label: Label
    period: Period = Period.NONE
    may_be_permanent: bool = False
    approval: bool = False  # needs a second person's sign-off (WS-27)


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """A measure a rule or a grade recommends, with its parameters."""

    code: str
    on: str
    params: Mapping[str, ParamValue] = field(default_factory=dict, hash=False)
    when: str | None = None  # only when this condition holds
    one_of: str | None = None  # measures with the same one_of are alternatives


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    basis: Basis
    label: Label
    text: Label
    facts: tuple[str, ...] = ()  # all must hold
    any_condition: tuple[str, ...] = ()  # at least one must hold (none listed: no condition)
    measures: tuple[MeasureSpec, ...] = ()
    discretionary: bool = False  # 可以: the platform may, it need not
    grading: bool = False  # adds the grade's account measures (WS-19)
    needs_measures_on: tuple[str, ...] = ()  # only after a measure on one of these
    requires: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    note: Label | None = None


@dataclass(frozen=True, slots=True)
class GradeFloor:
    """A lowest grade where one dimension is at a level, or where a condition holds."""

    dimension: str  # "" for a condition's floor
    level: str
    grade: str
    reason: Label
    condition: str | None = None

    def applies(self, levels: Mapping[str, str] | None, conditions: tuple[str, ...]) -> bool:
        if self.condition is not None:
            return self.condition in conditions
        return levels is not None and levels.get(self.dimension) == self.level


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    label: Label
    min_points: int
    max_points: int
    measures: tuple[MeasureSpec, ...]


@dataclass(frozen=True, slots=True)
class Level:
    code: str
    label: Label
    points: int


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    label: Label


@dataclass(frozen=True, slots=True)
class Grading:
    """WS-19: dimensions × levels → points → a grade, and each grade's account measures."""

    basis: Basis
    text: Label
    note: Label
    dimensions: tuple[Dimension, ...]
    levels: tuple[Level, ...]
    grades: tuple[Grade, ...]  # from the mildest to the gravest
    floors: tuple[GradeFloor, ...] = ()

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    def grade(self, code: str) -> Grade | None:
        return next((g for g in self.grades if g.code == code), None)

    def grade_for_points(self, points: int) -> Grade:
        return next(g for g in self.grades if g.min_points <= points <= g.max_points)


@dataclass(frozen=True, slots=True)
class Approval:
    """WS-27 层级把关: the pack's statement of what needs a second person."""

    basis: Basis
    text: Label
    note: Label


@dataclass(frozen=True, slots=True)
class Disposal:
    facts: tuple[Fact, ...]
    conditions: tuple[Condition, ...]
    measures: tuple[MeasureType, ...]
    rules: tuple[Rule, ...]
    grading: Grading | None = None
    approval: Approval | None = None

    def fact(self, code: str) -> Fact | None:
        return next((f for f in self.facts if f.code == code), None)

    def condition(self, code: str) -> Condition | None:
        return next((c for c in self.conditions if c.code == code), None)

    def measure(self, code: str) -> MeasureType | None:
        return next((m for m in self.measures if m.code == code), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def rule_ids(self) -> set[str]:
        ids = {f"fact.{f.code}" for f in self.facts}
        ids |= {f"condition.{c.code}" for c in self.conditions}
        ids |= {f"measure.{m.code}" for m in self.measures}
        ids |= {f"rule.{r.id}" for r in self.rules}
        if self.grading is not None:
            ids.add("grading")
            ids |= {f"grade.{g.code}" for g in self.grading.grades}
        if self.approval is not None:
            ids.add("approval")
        return ids
