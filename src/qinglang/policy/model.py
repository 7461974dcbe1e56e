"""What a loaded pack is: frozen values, looked up by code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qinglang.policy.disposal import Disposal


class EvidencePurpose(StrEnum):
    IDENTITY = "identity"  # proves the right holder (WS-5(二))
    DELEGATION = "delegation"  # the agent's identity and power of attorney
    PRELIMINARY = "preliminary"  # preliminary evidence for a category (WS-5(五))
    SNAPSHOT = "snapshot"  # taken by the system at intake


class EvidenceRule(StrEnum):
    """How a category's preliminary evidence (WS-5(五)) is satisfied."""

    IDENTITY_ONLY = "identity_only"  # WS-7, 13, 15: identity proof suffices
    LISTED_TYPES = "listed_types"  # one of the category's listed evidence types


@dataclass(frozen=True, slots=True)
class Label:
    zh: str
    en: str

    def get(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


@dataclass(frozen=True, slots=True)
class Basis:
    """Where a rule comes from: a requirement ID of spec/README.md and the article."""

    requirement: str
    article: str


@dataclass(frozen=True, slots=True)
class EvidenceType:
    code: str
    label: Label
    purpose: EvidencePurpose


@dataclass(frozen=True, slots=True)
class Subtype:
    code: str  # within its category; written category.subtype
    label: Label
    description: Label
    basis: Basis


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: Label
    description: Label
    basis: Basis
    subtypes: tuple[Subtype, ...]
    evidence_rule: EvidenceRule
    evidence: tuple[str, ...]  # evidence type codes accepted as preliminary evidence
    evidence_basis: Basis

    def subtype(self, code: str) -> Subtype | None:
        return next((s for s in self.subtypes if s.code == code), None)


@dataclass(frozen=True, slots=True)
class AcceptanceItem:
    code: str
    label: Label
    satisfied_by: Label  # what satisfies it, as a person reads it
    basis: Basis
    only_when_delegated: bool = False


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A case's time limit (限时办结, WS-3) for a category and/or channel, in working days."""

    working_days: int
    reason: Label
    category: str | None = None  # None: any category
    channel: str | None = None  # None: any channel

    def applies(self, category: str, channel: str) -> bool:
        return self.category in (None, category) and self.channel in (None, channel)


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """The platform's chosen limits: the texts require 限时办结 but fix no number of days."""

    basis: Basis
    default_working_days: int
    note: Label
    rules: tuple[TimeLimit, ...] = ()

    def working_days(self, *, category: str, channel: str) -> int:
        """The shortest limit among the rules that apply, else the default."""
        applying = [r.working_days for r in self.rules if r.applies(category, channel)]
        return min(applying) if applying else self.default_working_days


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    title: Label
    issuer: str
    issued: str
    source: str
    version: int
    categories: tuple[Category, ...]
    acceptance_items: tuple[AcceptanceItem, ...]
    evidence_types: tuple[EvidenceType, ...]
    time_limits: TimeLimits | None = None
    disposal: Disposal | None = None  # facts, conditions, measures, rules, grading (WS-18 to 27)
    file: str = field(default="", compare=False)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def evidence_type(self, code: str) -> EvidenceType | None:
        return next((e for e in self.evidence_types if e.code == code), None)

    def rule_ids(self) -> frozenset[str]:
        """Every addressable rule, for the compliance matrix (``pack-id:rule-id``)."""
        ids = {f"category.{c.code}" for c in self.categories}
        ids |= {f"subtype.{c.code}.{s.code}" for c in self.categories for s in c.subtypes}
        ids |= {f"evidence.{c.code}" for c in self.categories}
        ids |= {f"acceptance.{a.code}" for a in self.acceptance_items}
        if self.time_limits is not None:
            ids.add("time_limits")
        if self.disposal is not None:
            ids |= self.disposal.rule_ids()
        return frozenset(ids)
