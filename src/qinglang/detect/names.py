"""The account-name check (SM-1): ``allow``, ``review`` or ``refuse``, with reasons.

* A specific protected name (a central body, a central news outlet, the platform's
  verified accounts and registered enterprises), directly or through any variant —
  traditional, full-width, inserted noise, look-alike characters, homophones, pinyin,
  initials — is ``refuse`` in a name, naming the protected name; its verified owner is
  allowed its own name. In a bio it is ``review``: a bio may mention an outlet.
* A protected kind (party and government, judicial, police, military, news media,
  an administrative division, a professional title that needs a qualification) is
  ``review``, naming the kind.
* Anything else is ``allow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qinglang.detect.matcher import Hit
from qinglang.detect.registry import DIVISION_KIND, NameRegistry, tag_value


class Verdict(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Reason:
    # impersonates_protected_name, mentions_protected_name, protected_kind,
    # or administrative_division
    code: str
    kind: str  # the category of the protected name, or the kind's code
    matched: str  # the protected name, or the kind word matched
    field: str  # "name" or "bio"
    span: tuple[int, int]  # in that field, code points
    variants: tuple[str, ...]
    verdict: Verdict

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "kind": self.kind,
            "matched": self.matched,
            "field": self.field,
            "span": list(self.span),
            "variants": list(self.variants),
        }


@dataclass(frozen=True, slots=True)
class NameCheck:
    verdict: Verdict
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, object]:
        return {"verdict": self.verdict.value, "reasons": [r.as_dict() for r in self.reasons]}


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in spans)


def _check_field(text: str, field: str, registry: NameRegistry, owner: str | None) -> list[Reason]:
    reasons: list[Reason] = []
    covered: list[tuple[int, int]] = []  # refused or owned spans: kinds inside them add nothing
    for hit in registry.specific.scan(text):
        name = tag_value(hit.tags, "name") or hit.term
        if owner is not None and tag_value(hit.tags, "owner") == owner:
            covered.append(hit.span)
            continue
        refused = field == "name"
        reasons.append(
            Reason(
                code="impersonates_protected_name" if refused else "mentions_protected_name",
                kind=tag_value(hit.tags, "category") or "",
                matched=name,
                field=field,
                span=hit.span,
                variants=_variants(hit),
                verdict=Verdict.REFUSE if refused else Verdict.REVIEW,
            )
        )
        covered.append(hit.span)
    for hit in registry.protected_kinds.scan(text):
        if _inside(hit.span, covered):
            continue
        reasons.append(
            Reason(
                code=DIVISION_KIND if hit.kind == DIVISION_KIND else "protected_kind",
                kind=hit.kind,
                matched=hit.term,
                field=field,
                span=hit.span,
                variants=_variants(hit),
                verdict=Verdict.REVIEW,
            )
        )
    return reasons


def _variants(hit: Hit) -> tuple[str, ...]:
    return tuple(str(v) for v in hit.variants)


def check_name(
    name: str, bio: str | None = None, *, registry: NameRegistry, owner: str | None = None
) -> NameCheck:
    """Check an account name (and bio). ``owner``: who is asking, to allow their own name."""
    reasons = _check_field(name, "name", registry, owner)
    if bio:
        reasons += _check_field(bio, "bio", registry, owner)
    reasons.sort(key=lambda r: (r.field != "name", r.span, r.code))
    if any(r.verdict is Verdict.REFUSE for r in reasons):
        verdict = Verdict.REFUSE
    elif reasons:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.ALLOW
    return NameCheck(verdict=verdict, reasons=tuple(reasons))
