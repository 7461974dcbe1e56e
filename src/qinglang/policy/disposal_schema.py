"""The shape of a pack's disposal sections (TOML): facts, conditions, measures, rules, grading."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Requirement = Annotated[str, StringConstraints(pattern=r"^(WS|GD|SM|CP|RC|BS|ES)-[0-9]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Target = Literal["content", "account", "report", "case"]
Needed = Literal["approval", "regulator_review_provincial", "regulator_review_central"]
ParamValue = Annotated[int, Field(ge=1, le=3650)] | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BasisFile(_Strict):
    requirement: Requirement
    article: Text


class ApprovalFile(_Strict):
    requirement: Requirement
    article: Text
    text_zh: Text
    text_en: Text
    note_zh: Text
    note_en: Text


class FactFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text
    text_zh: Text
    basis: list[BasisFile] = Field(min_length=1)
    contradicts: list[Code] = Field(default_factory=list)


class ConditionFile(_Strict):
    code: Code
    requirement: Requirement
    article: Text
    label_zh: Text
    label_en: Text
    text_zh: Text
    text_en: Text


class MeasureTypeFile(_Strict):
    code: Code
    on: list[Target] = Field(min_length=1)
    label_zh: Text
    label_en: Text
    period: Literal["none", "days", "expiry"] = "none"
    may_be_permanent: bool = False
    approval: bool = False


class MeasureSpecFile(_Strict):
    code: Code
    on: Target | None = None
    params: dict[Code, ParamValue] = Field(default_factory=dict)
    when: Code | None = None
    one_of: Code | None = None


class RuleFile(_Strict):
    id: Code
    requirement: Requirement
    article: Text
    label_zh: Text
    label_en: Text
    text_zh: Text
    text_en: Text
    facts: list[Code] = Field(default_factory=list)
    any_condition: list[Code] = Field(default_factory=list)
    measure: list[MeasureSpecFile] = Field(default_factory=list)
    discretionary: bool = False
    grading: bool = False
    needs_measures_on: list[Target] = Field(default_factory=list)
    requires: list[Needed] = Field(default_factory=list)
    replaces: list[Needed] = Field(default_factory=list)
    note_zh: Text | None = None
    note_en: Text | None = None


class DimensionFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text


class LevelFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text
    points: int = Field(ge=0, le=100)


class GradeFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text
    min_points: int = Field(ge=0)
    max_points: int = Field(ge=0)
    measure: list[MeasureSpecFile] = Field(min_length=1)


class GradeFloorFile(_Strict):
    """A lowest grade: where one dimension is at a level, or where a condition holds."""

    dimension: Code | None = None
    level: Code | None = None
    condition: Code | None = None  # e.g. GD-1's first posting of cyber violence: 从严处置
    grade: Code
    reason_zh: Text
    reason_en: Text


class GradingFile(_Strict):
    requirement: Requirement
    article: Text
    text_zh: Text
    text_en: Text
    note_zh: Text
    note_en: Text
    dimension: list[DimensionFile] = Field(min_length=1)
    level: list[LevelFile] = Field(min_length=2)
    grade: list[GradeFile] = Field(min_length=1)
    floor: list[GradeFloorFile] = Field(default_factory=list)
