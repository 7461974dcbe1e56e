"""The shape of a pack file (TOML), checked by Pydantic so that every error is reported."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from qinglang.policy.disposal_schema import (
    ApprovalFile,
    ConditionFile,
    FactFile,
    GradingFile,
    MeasureTypeFile,
    RuleFile,
)

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Requirement = Annotated[str, StringConstraints(pattern=r"^(WS|GD|SM|CP|RC|BS|ES)-[0-9]+$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackHeader(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    title_zh: Text
    title_en: Text
    issuer: Text
    issued: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    source: Text
    version: int = Field(ge=1)


class SubtypeFile(_Strict):
    code: Code
    article: Text
    requirement: Requirement
    label_zh: Text
    label_en: Text
    description_zh: Text
    description_en: Text


class CategoryFile(_Strict):
    code: Code
    article: Text
    requirement: Requirement
    label_zh: Text
    label_en: Text
    description_zh: Text
    description_en: Text
    evidence_rule: Literal["identity_only", "listed_types", "none"]
    evidence: list[Code] = Field(default_factory=list)
    evidence_article: Text
    evidence_requirement: Requirement
    subtype: list[SubtypeFile] = Field(min_length=1)


class AcceptanceItemFile(_Strict):
    code: Code
    article: Text
    requirement: Requirement
    label_zh: Text
    label_en: Text
    satisfied_by_zh: Text
    satisfied_by_en: Text
    only_when_delegated: bool = False


class EvidenceTypeFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text
    purpose: Literal["identity", "delegation", "preliminary", "snapshot"]


class TimeLimitRuleFile(_Strict):
    """A limit for reports that match every selector given (category, subtype, channel, flag).

    A pack counts in one unit: every rule gives ``working_days`` or every rule gives
    ``hours``, as its default does.
    """

    category: Code | None = None
    subtype: Code | None = None  # within category
    channel: Code | None = None
    flag: Code | None = None  # e.g. involves_minor (GD-2)
    working_days: int | None = Field(default=None, ge=1, le=60)
    hours: int | None = Field(default=None, ge=1, le=720)
    requirement: Requirement | None = None  # where the rule comes from, if not the section's
    reason_zh: Text
    reason_en: Text


class TimeLimitsFile(_Strict):
    article: Text
    requirement: Requirement
    default_working_days: int | None = Field(default=None, ge=1, le=60)
    default_hours: int | None = Field(default=None, ge=1, le=720)  # a rapid channel (GD-1)
    note_zh: Text
    note_en: Text
    rule: list[TimeLimitRuleFile] = Field(default_factory=list)


class PriorityRuleFile(_Strict):
    """Points a case gains in the queue when its report matches every selector given."""

    category: Code | None = None
    subtype: Code | None = None
    channel: Code | None = None
    flag: Code | None = None
    points: int = Field(ge=1, le=100)
    requirement: Requirement
    article: Text
    reason_zh: Text
    reason_en: Text


class ZoneFile(_Strict):
    """A report zone whose reports this pack's categories classify (GD-3, GD-1)."""

    code: Code
    label_zh: Text
    label_en: Text
    requirement: Requirement
    note_zh: Text = ""
    note_en: Text = ""


class PackFile(_Strict):
    pack: PackHeader
    time_limits: TimeLimitsFile | None = None
    zone: list[ZoneFile] = Field(default_factory=list)
    priority: list[PriorityRuleFile] = Field(default_factory=list)
    category: list[CategoryFile] = Field(default_factory=list)
    acceptance_item: list[AcceptanceItemFile] = Field(default_factory=list)
    evidence_type: list[EvidenceTypeFile] = Field(default_factory=list)
    # Disposal (WS-18 to WS-27): see disposal_schema.py.
    approval: ApprovalFile | None = None
    fact: list[FactFile] = Field(default_factory=list)
    condition: list[ConditionFile] = Field(default_factory=list)
    measure: list[MeasureTypeFile] = Field(default_factory=list)
    rule: list[RuleFile] = Field(default_factory=list)
    grading: GradingFile | None = None


class CampaignHeader(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    name_zh: Text
    name_en: Text
    issuer: Text
    issued: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    source: Text
    starts: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    ends: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    period_note: str = ""
    requirement: Requirement = "CP-1"


class CampaignZoneFile(_Strict):
    code: Code
    label_zh: Text
    label_en: Text


class CampaignCategoryFile(_Strict):
    code: Code
    item: int = Field(ge=1)
    label_zh: Text
    label_en: Text
    description_zh: Text
    related: list[str] = Field(default_factory=list)  # "pack-id:rule-id"


class CampaignFile(_Strict):
    campaign: CampaignHeader
    zone: CampaignZoneFile
    category: list[CampaignCategoryFile] = Field(min_length=1)
