"""The facts of a case as a reviewer records them: the engine's input.

:class:`CaseFacts` is typed; :func:`case_facts_from_json` reads the JSON form
(``qinglang policy evaluate FACTS.json``, the API) and :func:`check_case_facts`
checks every code against a pack, naming all the unknown ones at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from qinglang.errors import InvalidInput
from qinglang.policy.disposal import Disposal
from qinglang.policy.model import Pack


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the reviewer established about one case.

    ``facts``: fact code → true/false (an absent fact is not established);
    ``conditions``: the condition codes that hold; ``grading``: dimension → level
    (WS-19), or None when the case is not graded yet.
    """

    category: str
    subtype: str
    facts: Mapping[str, bool] = field(default_factory=dict)
    conditions: tuple[str, ...] = ()
    grading: Mapping[str, str] | None = None

    def holds(self, fact: str) -> bool:
        return self.facts.get(fact, False)


class _FactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: StrictStr
    subtype: StrictStr
    facts: dict[StrictStr, StrictBool] = Field(default_factory=dict)
    conditions: list[StrictStr] = Field(default_factory=list)
    grading: dict[StrictStr, StrictStr] | None = None


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(facts)"


def case_facts_from_json(data: Any) -> CaseFacts:
    """Read ``{"category", "subtype", "facts", "conditions", "grading"}``; shape errors only."""
    try:
        parsed = _FactsFile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise InvalidInput(
            "; ".join(problems), code="invalid_facts", details={"problems": problems}
        ) from None
    subtype = parsed.subtype
    prefix = f"{parsed.category}."
    if subtype.startswith(prefix):  # "rumour.private_life" is accepted as well
        subtype = subtype[len(prefix) :]
    return CaseFacts(
        category=parsed.category,
        subtype=subtype,
        facts=dict(parsed.facts),
        conditions=tuple(dict.fromkeys(parsed.conditions)),
        grading=dict(parsed.grading) if parsed.grading is not None else None,
    )


def _unknown_codes(disposal: Disposal, case: CaseFacts) -> dict[str, list[str]]:
    unknown: dict[str, list[str]] = {}
    facts = sorted(code for code in case.facts if disposal.fact(code) is None)
    conditions = [code for code in case.conditions if disposal.condition(code) is None]
    grading: list[str] = []
    if case.grading is not None:
        table = disposal.grading
        dimensions = {d.code for d in table.dimensions} if table else set()
        for dimension, level in sorted(case.grading.items()):
            if dimension not in dimensions:
                grading.append(dimension)
            elif table is not None and table.level(level) is None:
                grading.append(f"{dimension}={level}")
    for key, codes in (("facts", facts), ("conditions", conditions), ("grading", grading)):
        if codes:
            unknown[key] = codes
    return unknown


_UNKNOWN_CODE = {
    "facts": "unknown_fact",
    "conditions": "unknown_condition",
    "grading": "unknown_grading",
}


def check_case_facts(pack: Pack, case: CaseFacts) -> Disposal:
    """Every code of ``case`` is the pack's, and the facts agree; the pack's disposal rules."""
    disposal = pack.disposal
    if disposal is None:
        raise InvalidInput(f"pack {pack.id} states no disposal rules", code="no_disposal_rules")
    category = pack.category(case.category)
    if category is None:
        known = ", ".join(c.code for c in pack.categories)
        raise InvalidInput(
            f"unknown category {case.category!r} (one of {known})", code="unknown_category"
        )
    if category.subtype(case.subtype) is None:
        known = ", ".join(s.code for s in category.subtypes)
        raise InvalidInput(
            f"unknown subtype {case.subtype!r} of {category.code} (one of {known})",
            code="unknown_subtype",
        )
    unknown = _unknown_codes(disposal, case)
    if unknown:
        code = _UNKNOWN_CODE[next(iter(unknown))] if len(unknown) == 1 else "unknown_codes"
        listed = "; ".join(f"{key}: {', '.join(codes)}" for key, codes in unknown.items())
        raise InvalidInput(f"unknown codes in {pack.id}: {listed}", code=code, details=unknown)
    for fact in disposal.facts:
        clash = [other for other in fact.contradicts if case.holds(other)]
        if case.holds(fact.code) and clash:
            raise InvalidInput(
                f"{fact.code} and {', '.join(clash)} cannot both hold",
                code="contradictory_facts",
                details={"facts": [fact.code, *clash]},
            )
    if case.grading is not None and disposal.grading is not None:
        missing = [d.code for d in disposal.grading.dimensions if d.code not in case.grading]
        if missing:
            raise InvalidInput(
                f"grading needs every dimension; missing: {', '.join(missing)}",
                code="incomplete_grading",
                details={"missing": missing},
            )
    return disposal
