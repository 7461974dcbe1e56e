"""Why a rule matched or did not, and how a grade was reached, in Chinese and English.

English names the codes (what an integrator greps for); Chinese uses the labels a
reviewer reads in the console.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from qinglang.policy.disposal import Disposal, Grade, GradeFloor, Grading, Rule
from qinglang.policy.facts import CaseFacts
from qinglang.policy.model import Label

if TYPE_CHECKING:
    from qinglang.policy.engine import Measure


def _fact_zh(disposal: Disposal, codes: Sequence[str]) -> str:
    return "、".join((f.label.zh if (f := disposal.fact(c)) else c) for c in codes)


def _conditions(disposal: Disposal, codes: Sequence[str]) -> Label:
    zh, en = [], []
    for code in codes:
        condition = disposal.condition(code)
        article = condition.basis.article if condition else ""
        zh.append(f"{condition.label.zh if condition else code}（{article}）")
        en.append(f"{code} ({article})")
    return Label(zh="、".join(zh), en=", ".join(en))


def _measure_zh(disposal: Disposal, code: str) -> str:
    kind = disposal.measure(code)
    return kind.label.zh if kind else code


def _params(params: Mapping[str, object]) -> str:
    return ", ".join(f"{k} {v}" if v is not True else k for k, v in params.items())


def _measures(disposal: Disposal, taken: Sequence[Measure]) -> Label:
    """``remove, dispute_label or clarification_response, mute (days 7)``."""
    zh: list[str] = []
    en: list[str] = []
    groups: dict[str, int] = {}
    for m in taken:
        name_en = m.code + (f" ({_params(m.params)})" if m.params else "")
        name_zh = _measure_zh(disposal, m.code) + (f"（{_params(m.params)}）" if m.params else "")
        if m.one_of is not None and m.one_of in groups:
            at = groups[m.one_of]
            en[at] += f" or {name_en}"
            zh[at] += f"或{name_zh}"
            continue
        if m.one_of is not None:
            groups[m.one_of] = len(en)
        en.append(name_en)
        zh.append(name_zh)
    return Label(zh="、".join(zh), en=", ".join(en))


def _unmatched(
    disposal: Disposal, rule: Rule, missing: Sequence[str], present: Sequence[str]
) -> Label:
    article = rule.basis.article
    no_condition = bool(rule.any_condition) and not present
    listed = ", ".join(rule.any_condition)
    if missing:
        en = f"needs {' and '.join(rule.facts)} (not established: {', '.join(missing)})"
        zh = f"需要{_fact_zh(disposal, rule.facts)}（未认定：{_fact_zh(disposal, missing)}）"
        if no_condition:
            en += f", and no condition of {article} holds ({listed})"
            zh += f"，且不存在{article}所列情形"
        return Label(zh=zh, en=en)
    if no_condition:
        held = f"{' and '.join(rule.facts)} hold, but " if rule.facts else ""
        held_zh = f"{_fact_zh(disposal, rule.facts)}，但" if rule.facts else ""
        return Label(
            zh=f"{held_zh}不存在{article}所列情形",
            en=f"{held}no condition of {article} holds ({listed})",
        )
    on = " or ".join(rule.needs_measures_on)
    conditions = _conditions(disposal, present)
    return Label(
        zh=f"存在{conditions.zh}，但未建议对{_targets_zh(rule.needs_measures_on)}采取处置措施，无需报审",
        en=f"{conditions.en} holds, but no measure on {on} is recommended, so no review is needed",
    )


_TARGET_ZH = {"content": "内容", "account": "账号", "report": "举报", "case": "案件"}


def _targets_zh(targets: Sequence[str]) -> str:
    return "或".join(_TARGET_ZH.get(t, t) for t in targets)


def explain_rule(
    disposal: Disposal,
    rule: Rule,
    facts: CaseFacts,
    missing: Sequence[str],
    present: Sequence[str],
    taken: Sequence[Measure],
    grade: Grade | None,
    matched: bool,
) -> Label:
    if not matched:
        return _unmatched(disposal, rule, missing, present)
    zh: list[str] = []
    en: list[str] = []
    if rule.facts:
        zh.append(_fact_zh(disposal, rule.facts))
        en.append(f"{' and '.join(rule.facts)} hold")
    if present:
        conditions = _conditions(disposal, present)
        zh.append(f"存在情形：{conditions.zh}")
        en.append(f"condition {conditions.en}")
    head_zh, head_en = "；".join(zh), "; ".join(en)
    tail_zh: list[str] = []
    tail_en: list[str] = []
    if taken:
        listed = _measures(disposal, taken)
        may_zh, may_en = ("可以", " may be taken") if rule.discretionary else ("", "")
        tail_zh.append(f"{may_zh}{listed.zh}")
        tail_en.append(f"{listed.en}{may_en}")
    if rule.grading and grade is None:
        tail_zh.append("尚未分级，请按第十九条分级以确定账号处置措施")
        tail_en.append("not graded yet, so grade the case (WS-19) to choose the account measures")
    elif rule.grading and grade is not None:
        tail_zh.append(f"账号处置按{grade.label.zh}级")
        tail_en.append(f"account measures of grade {grade.code}")
    if rule.requires:
        names = [r for r in rule.requires if r != "approval"]
        instead_zh = "、".join(_measure_zh(disposal, r) for r in rule.replaces)
        instead_zh = f"（代替{instead_zh}）" if instead_zh else ""
        tail_zh.append("生效前须" + "、".join(_measure_zh(disposal, r) for r in names) + instead_zh)
        instead = f" (instead of {', '.join(rule.replaces)})" if rule.replaces else ""
        tail_en.append(f"needs {', '.join(names)} before it takes effect{instead}")
    return Label(
        zh=f"{head_zh} → {'；'.join(tail_zh)}",
        en=f"{head_en} → {'; '.join(tail_en)}",
    )


def explain_grade(
    grading: Grading,
    levels: Mapping[str, str] | None,
    points: int | None,
    base: Grade | None,
    grade: Grade,
    floor: GradeFloor | None,
) -> Label:
    zh: list[str] = []
    en: list[str] = []
    for d in grading.dimensions:
        level = grading.level(levels[d.code]) if levels is not None else None
        if level is None:
            continue
        zh.append(f"{d.label.zh}{level.label.zh}({level.points})")
        en.append(f"{d.code} {level.code} ({level.points})")
    if base is not None and points is not None:
        text_zh = f"{' + '.join(zh)} = {points}分 → {base.label.zh}"
        text_en = f"{' + '.join(en)} = {points} points → {base.code}"
    else:
        text_zh, text_en = "未提供分级因素", "no grading given"
    if floor is not None:
        text_zh += f"；{floor.reason.zh}（定为{grade.label.zh}）"
        text_en += f"; raised to {grade.code}: {floor.reason.en}"
    return Label(zh=text_zh, en=text_en)
