"""Completeness under WS-5: which acceptance items a report meets, per the policy pack.

Pure: a report's facts and a pack in, every unmet item out (all at once, never only
the first), each with a stable code and a message in zh-CN and English. Evidence of
a type the category does not accept is kept but not counted, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass

from qinglang.errors import InvalidInput
from qinglang.intake.identifiers import email, phone
from qinglang.policy.model import EvidencePurpose, EvidenceRule, Label, Pack


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What completeness looks at; the submission layer has checked shapes and sizes."""

    category: str
    subtype: str
    statement: str
    delegated: bool
    reporter_name: str
    reporter_phone: str | None
    reporter_email: str | None
    targets: tuple[str, ...]
    evidence_types: tuple[str, ...]  # the type of each attached evidence item
    declaration_accepted: bool


@dataclass(frozen=True, slots=True)
class Missing:
    item: str  # an acceptance item code (VOCABULARY.md)
    code: str  # what exactly is wrong
    message: Label


@dataclass(frozen=True, slots=True)
class Completeness:
    missing: tuple[Missing, ...]
    not_counted: tuple[str, ...]  # evidence types kept but not accepted for the category

    @property
    def complete(self) -> bool:
        return not self.missing


def _label(pack: Pack, codes: tuple[str, ...], locale: str) -> str:
    names = []
    for code in codes:
        found = pack.evidence_type(code)
        names.append(found.label.get(locale) if found else code)
    return "、".join(names) if locale == "zh" else ", ".join(names)


def check(facts: ReportFacts, pack: Pack) -> Completeness:
    """Every unmet acceptance item of ``facts`` under ``pack``'s rules.

    The items are WS-5's; a pack asks for those it lists (the rapid channel of GD-1 asks
    for no right-holder proof and no preliminary evidence, so that it can act at once).
    """
    category = pack.category(facts.category)
    if category is None:
        raise InvalidInput(
            f"unknown category {facts.category!r}",
            code="unknown_category",
            details={"known": [c.code for c in pack.categories]},
        )
    if category.subtype(facts.subtype) is None:
        other = next((c.code for c in pack.categories if c.subtype(facts.subtype)), None)
        raise InvalidInput(
            f"{facts.subtype!r} is not a subtype of {category.code}"
            + (f" (it belongs to {other})" if other else ""),
            code="subtype_of_other_category" if other else "unknown_subtype",
            details={"known": [s.code for s in category.subtypes]},
        )
    unknown = sorted({t for t in facts.evidence_types if pack.evidence_type(t) is None})
    if unknown:
        raise InvalidInput(
            f"unknown evidence types: {', '.join(unknown)}", code="unknown_evidence_type"
        )

    present = set(facts.evidence_types)
    purposes = {t: pack.evidence_type(t).purpose for t in present}  # type: ignore[union-attr]
    identity = {t for t, p in purposes.items() if p is EvidencePurpose.IDENTITY}
    accepted = set(category.evidence)
    preliminary = {t for t, p in purposes.items() if p is EvidencePurpose.PRELIMINARY}
    missing: list[Missing] = []

    def lack(item: str, code: str, zh: str, en: str) -> None:
        missing.append(Missing(item=item, code=code, message=Label(zh=zh, en=en)))

    if not facts.statement.strip():
        lack(
            "statement",
            "statement_missing",
            "请填写举报事项与理由。",
            "State the facts reported and the grounds.",
        )
    if not identity:
        identity_types = tuple(
            t.code for t in pack.evidence_types if t.purpose is EvidencePurpose.IDENTITY
        )
        lack(
            "right_holder_proof",
            "right_holder_proof_missing",
            f"请提供权利主体资格证明：{_label(pack, identity_types, 'zh')}之一。",
            f"Provide proof of the right holder: one of {_label(pack, identity_types, 'en')}.",
        )
    if facts.delegated:
        needed = tuple(t for t in ("agent_identity", "power_of_attorney") if t not in present)
        if needed:
            lack(
                "agent_proof",
                "agent_proof_missing",
                f"委托举报还需提供：{_label(pack, needed, 'zh')}。",
                f"A delegated report also needs: {_label(pack, needed, 'en')}.",
            )
    contacts = [c for c in (facts.reporter_phone, facts.reporter_email) if c and c.strip()]
    if not facts.reporter_name.strip():
        lack(
            "reporter_contact",
            "reporter_name_missing",
            "请填写举报人姓名。",
            "Give the reporter's name.",
        )
    elif not contacts:
        lack(
            "reporter_contact",
            "reporter_contact_missing",
            "请至少提供一个电话或电子邮箱。",
            "Give at least one phone number or e-mail address.",
        )
    else:
        phone_ok = bool(facts.reporter_phone and phone(facts.reporter_phone))
        email_ok = bool(facts.reporter_email and email(facts.reporter_email))
        if not (phone_ok or email_ok):
            lack(
                "reporter_contact",
                "reporter_contact_invalid",
                "所留电话或电子邮箱无法识别，请核对。",
                "The phone number or e-mail address given does not parse; check it.",
            )
    if not any(t.strip() for t in facts.targets):
        lack(
            "target_locator",
            "target_locator_missing",
            "请提供被举报内容的具体网址或平台内容、账号编号。",
            "Give the exact URL, or the platform content or account id, of what is reported.",
        )
    if category.evidence_rule is EvidenceRule.LISTED_TYPES and not (preliminary & accepted):
        lack(
            "preliminary_evidence",
            "preliminary_evidence_missing",
            f"{category.label.zh}举报需提供初步证据材料，可为："
            f"{_label(pack, category.evidence, 'zh')}（{category.evidence_basis.article}）。",
            f"A {category.label.en.lower()} report needs preliminary evidence, such as: "
            f"{_label(pack, category.evidence, 'en')} ({category.evidence_basis.requirement}).",
        )
    elif category.evidence_rule is EvidenceRule.IDENTITY_ONLY and not identity:
        lack(
            "preliminary_evidence",
            "preliminary_evidence_missing",
            f"{category.label.zh}举报以身份证明为初步证据（{category.evidence_basis.article}）。",
            f"For a {category.label.en.lower()} report the identity proof is the preliminary "
            f"evidence ({category.evidence_basis.requirement}).",
        )
    if not facts.declaration_accepted:
        lack(
            "declaration",
            "declaration_missing",
            "请阅读并确认举报真实性、合法性保证。",
            "Read and accept the declaration that the report is true and lawful.",
        )
    not_counted = tuple(sorted(preliminary - accepted))
    asked = {a.code for a in pack.acceptance_items}  # a pack asks only for its own items
    return Completeness(
        missing=tuple(m for m in missing if m.item in asked), not_counted=not_counted
    )
