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
    NONE = "none"  # no preliminary evidence needed to accept (the snapshot is taken)


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
class Selector:
    """Which reports a rule is for: every selector given must match (None: any)."""

    category: str | None = None
    subtype: str | None = None  # within category
    channel: str | None = None
    flag: str | None = None  # a flag the report carries, e.g. involves_minor (GD-2)

    def applies(
        self, *, category: str, subtype: str = "", channel: str, flags: frozenset[str] = frozenset()
    ) -> bool:
        return (
            self.category in (None, category)
            and self.subtype in (None, subtype)
            and self.channel in (None, channel)
            and (self.flag is None or self.flag in flags)
        )


# The flags a report may carry, which rules may select on.
FLAGS = frozenset({"involves_minor"})


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A case's time limit (限时办结, WS-3) for the reports a selector picks."""

    amount: int  # in the pack's unit: working days, or hours
    reason: Label
    when: Selector = Selector()
    requirement: str | None = None  # where the rule comes from, when not WS-3

    # The selectors as attributes, as the CLI and console show them.
    @property
    def category(self) -> str | None:
        return self.when.category

    @property
    def channel(self) -> str | None:
        return self.when.channel

    @property
    def working_days(self) -> int:
        return self.amount


@dataclass(frozen=True, slots=True)
class CaseLimit:
    """A case's time limit: working days, or hours for a rapid channel (GD-1)."""

    working_days: int | None = None
    hours: int | None = None

    def describe(self, locale: str = "en") -> str:
        if self.hours is not None:
            return f"{self.hours} 小时" if locale.startswith("zh") else f"{self.hours} hours"
        zh, en = f"{self.working_days} 个工作日", f"{self.working_days} working days"
        return zh if locale.startswith("zh") else en


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """The platform's chosen limits: the texts require 限时办结 but fix no number of days.

    A pack counts in one unit: working days (``in_hours`` false) or, for a rapid channel
    such as cyber-violence reports (GD-1), hours around the clock.
    """

    basis: Basis
    default: int
    note: Label
    rules: tuple[TimeLimit, ...] = ()
    in_hours: bool = False

    @property
    def default_working_days(self) -> int:
        return self.default

    def limit(
        self, *, category: str, subtype: str = "", channel: str, flags: frozenset[str] = frozenset()
    ) -> CaseLimit:
        """The shortest limit among the rules that apply, else the default."""
        applying = [
            r.amount
            for r in self.rules
            if r.when.applies(category=category, subtype=subtype, channel=channel, flags=flags)
        ]
        amount = min(applying) if applying else self.default
        return CaseLimit(hours=amount) if self.in_hours else CaseLimit(working_days=amount)

    def working_days(self, *, category: str, channel: str) -> int:
        """The limit in working days of a pack that counts in them."""
        if self.in_hours:
            raise ValueError("this pack's limits are in hours")
        found = self.limit(category=category, channel=channel).working_days
        assert found is not None
        return found


@dataclass(frozen=True, slots=True)
class PriorityRule:
    """Points a case gains in the queue (GD-1 rapid channel, GD-2 minors first)."""

    points: int
    basis: Basis
    reason: Label
    when: Selector = Selector()


@dataclass(frozen=True, slots=True)
class PackZone:
    """A report zone whose reports this pack classifies (the enterprise zone, GD-3; the
    rapid channel, GD-1)."""

    code: str
    label: Label
    requirement: str
    note: Label = Label(zh="", en="")


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
    zones: tuple[PackZone, ...] = ()
    priority: tuple[PriorityRule, ...] = ()
    file: str = field(default="", compare=False)

    def acceptance_item(self, code: str) -> AcceptanceItem | None:
        return next((a for a in self.acceptance_items if a.code == code), None)

    def zone(self, code: str) -> PackZone | None:
        return next((z for z in self.zones if z.code == code), None)

    def priority_of(
        self, *, category: str, subtype: str, channel: str, flags: frozenset[str] = frozenset()
    ) -> int:
        """The points a new case gains in the queue: the sum of the rules that apply."""
        return sum(
            r.points
            for r in self.priority
            if r.when.applies(category=category, subtype=subtype, channel=channel, flags=flags)
        )

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
        ids |= {f"zone.{z.code}" for z in self.zones}
        if self.priority:
            ids.add("priority")
        if self.disposal is not None:
            ids |= self.disposal.rule_ids()
        return frozenset(ids)
