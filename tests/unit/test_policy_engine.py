"""The policy engine: every clause of WS-18 and WS-20 to WS-25, and the WS-19 grading table.

Each case is a FACTS.json file in ``tests/data/facts/`` (the same files go through
``qinglang policy evaluate`` in ``test_policy_evaluate_cli.py``) and its expected
decision below: the measures with their basis, what the decision requires, the grade.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from qinglang.errors import InvalidInput
from qinglang.policy import CaseFacts, evaluate, load_packs, requires_approval
from qinglang.policy.engine import departs_from
from qinglang.policy.facts import case_facts_from_json

FACTS_DIR = Path(__file__).resolve().parents[1] / "data" / "facts"
PACK = load_packs()["cac-ws-2023"]

M = tuple[str, str, tuple[tuple[str, str], ...], dict[str, Any]]  # code, on, basis, params
Period = tuple[str, dict[str, Any]]  # an account measure of a grade, with its period


@dataclass(frozen=True)
class Expect:
    measures: list[M]
    requires: list[str] = field(default_factory=list)
    grade: str | None = None
    matched: set[str] = field(default_factory=set)  # rules of the trace that matched
    reason_has: list[str] = field(default_factory=list)  # in no_measure_reason (en)


def ws20() -> M:
    return ("remove", "content", (("WS-20", "第二十条"),), {})


def ws21(clause: str) -> M:
    return (
        "make_private_time_limited",
        "content",
        (("WS-21", f"第二十一条({clause})"),),
        {"expires_in_days": 15},
    )


def ws22(clause: str) -> list[M]:
    basis = (("WS-22", f"第二十二条({clause})"),)
    return [
        ("dispute_label", "content", basis, {}),
        ("clarification_response", "content", basis, {}),
    ]


def graded(clause: str, *measures: Period) -> list[M]:
    basis = (("WS-23", f"第二十三条({clause})"), ("WS-19", "第十九条"))
    return [(code, "account", basis, params) for code, params in measures]


GENERAL: list[Period] = [
    ("warn", {}),
    ("mute", {"days": 7}),
    ("suspend_monetisation", {"days": 14}),
    ("freeze_new_followers", {"days": 7}),
]
SERIOUS: list[Period] = [
    ("remove_interaction", {}),
    ("mute", {"days": 30}),
    ("suspend_monetisation", {"days": 90}),
    ("freeze_new_followers", {"days": 30}),
    ("remove_violation_followers", {}),
]
SEVERE: list[Period] = [("close", {}), ("blacklist", {}), ("report_to_regulator", {})]
REFUSE: M = ("refuse_report", "report", (("WS-18", "第十八条"),), {})

CASES: dict[str, Expect] = {
    "ws18-forged-evidence": Expect([REFUSE], matched={"ws_18"}),
    "ws18-flood-reporting": Expect([REFUSE], matched={"ws_18"}),
    "ws20-clear-facts-sufficient-evidence": Expect([ws20()], matched={"ws_20"}),
    "ws21-1-critical-business-juncture": Expect([ws21("一")], matched={"ws_21"}),
    "ws21-2-under-official-investigation": Expect([ws21("二")], matched={"ws_21"}),
    "ws21-3-major-negative-impact": Expect([ws21("三")], matched={"ws_21"}),
    "ws22-1-civil-dispute": Expect(ws22("一"), matched={"ws_22"}),
    "ws22-2-stakeholder-or-competitor": Expect(ws22("二"), matched={"ws_22"}),
    "ws22-3-legal-proceedings-started": Expect(ws22("三"), matched={"ws_22"}),
    "ws22-4-unverifiable-by-authorities": Expect(ws22("四"), matched={"ws_22"}),
    "ws22-5-public-misunderstanding-risk": Expect(ws22("五"), matched={"ws_22"}),
    "ws23-1-account-impersonation": Expect(
        [
            ws20(),
            ("reset_profile", "account", (("WS-23", "第二十三条(一)"),), {}),
            *graded("一", ("warn", {})),
        ],
        grade="minor",
        matched={"ws_19", "ws_20", "ws_23"},
    ),
    "ws23-2-repeat-offender": Expect(
        [ws20(), *graded("二", *SERIOUS)], grade="serious", matched={"ws_19", "ws_20", "ws_23"}
    ),
    "ws23-3-malicious-first-or-mass-posting": Expect(
        [ws20(), *graded("三", *SERIOUS)], grade="serious", matched={"ws_19", "ws_20", "ws_23"}
    ),
    "ws23-4-extortion-by-negative-aggregation": Expect(
        [ws20(), *graded("四", *SEVERE)],
        requires=["approval"],
        grade="severe",
        matched={"ws_19", "ws_20", "ws_23"},
    ),
    "ws23-5-other-serious": Expect(
        [ws20(), *graded("五", *GENERAL)], grade="general", matched={"ws_19", "ws_20", "ws_23"}
    ),
    "ws23-not-graded": Expect([ws20()], matched={"ws_20", "ws_23"}),
    "ws25-stakeholder-party": Expect(
        [ws20()], requires=["approval", "regulator_review_provincial"], matched={"ws_20", "ws_25"}
    ),
    "ws25-major-matter": Expect(
        [ws20()],
        requires=["approval", "regulator_review_central"],
        matched={"ws_20", "ws_25", "ws_25_major"},
    ),
    "ws25-stakeholder-without-measure": Expect(
        [], reason_has=["WS-20: needs facts_clear and evidence_sufficient"]
    ),
    "none-nothing-established": Expect(
        [],
        reason_has=[
            "WS-18: no condition of 第十八条 holds",
            "WS-20: needs facts_clear and evidence_sufficient (not established: facts_clear, "
            "evidence_sufficient)",
            "WS-21: needs grounds_sufficient and evidence_hard_to_obtain_quickly",
            "WS-23: needs facts_clear and evidence_sufficient",
        ],
    ),
    "none-evidence-not-sufficient": Expect(
        [],
        reason_has=[
            "WS-20: needs facts_clear and evidence_sufficient (not established: "
            "evidence_sufficient)"
        ],
    ),
    "none-ws21-ws22-without-condition": Expect(
        [],
        reason_has=[
            "WS-21: grounds_sufficient and evidence_hard_to_obtain_quickly hold, but no "
            "condition of 第二十一条 holds",
            "WS-22: grounds_sufficient and evidence_hard_to_obtain_quickly hold, but no "
            "condition of 第二十二条 holds",
        ],
    ),
    "none-conditions-without-grounds": Expect(
        [],
        reason_has=[
            "WS-21: needs grounds_sufficient and evidence_hard_to_obtain_quickly "
            "(not established: evidence_hard_to_obtain_quickly)"
        ],
    ),
    "none-ws23-condition-without-facts": Expect(
        [],
        reason_has=[
            "WS-23: needs facts_clear and evidence_sufficient (not established: "
            "evidence_sufficient)"
        ],
    ),
}


def case_ids(prefix: str) -> list[str]:
    return [name for name in CASES if name.startswith(prefix)]


def load_case(name: str) -> CaseFacts:
    return case_facts_from_json(json.loads((FACTS_DIR / f"{name}.json").read_text("utf-8")))


def measures_of(decision: dict[str, Any]) -> list[M]:
    return [
        (
            m["code"],
            m["on"],
            tuple((b["id"], b["article"]) for b in m["basis"]),
            m["params"],
        )
        for m in decision["measures"]
    ]


def check(decision: dict[str, Any], expect: Expect) -> None:
    """The JSON form of a decision against the table (shared with the CLI tests)."""
    assert measures_of(decision) == expect.measures
    assert decision["requires"] == expect.requires
    assert decision["grade"] == expect.grade
    assert {s["rule"] for s in decision["trace"] if s["matched"]} == expect.matched
    assert [s["rule"] for s in decision["trace"]] == [
        "ws_19", "ws_18", "ws_20", "ws_21", "ws_22", "ws_23", "ws_25", "ws_25_major"
    ]  # fmt: skip
    assert all(s["why"] and s["why_zh"] for s in decision["trace"])
    if expect.measures:
        assert decision["no_measure_reason"] is None
    else:
        assert decision["no_measure_reason"].startswith("No measure: ")
        assert decision["no_measure_reason_zh"].startswith("无处置措施：")
        for words in expect.reason_has:
            assert words in decision["no_measure_reason"]


def run(name: str) -> dict[str, Any]:
    return evaluate(PACK, load_case(name)).as_dict()


def test_the_table_covers_every_facts_file() -> None:
    assert sorted(CASES) == sorted(p.stem for p in FACTS_DIR.glob("*.json"))


@pytest.mark.parametrize("name", case_ids("ws18-"))
def test_ws_18_malicious_reports_may_be_refused(name: str) -> None:
    decision = run(name)
    check(decision, CASES[name])
    assert decision["measures"][0]["discretionary"] is True  # 可以拒绝处理: may, not must


@pytest.mark.parametrize("name", case_ids("ws20-"))
def test_ws_20_clear_facts_and_sufficient_evidence_remove(name: str) -> None:
    check(run(name), CASES[name])


@pytest.mark.parametrize("name", case_ids("ws21-"))
def test_ws_21_each_condition_makes_private_for_a_limited_time(name: str) -> None:
    check(run(name), CASES[name])


@pytest.mark.parametrize("name", case_ids("ws22-"))
def test_ws_22_each_condition_gives_a_dispute_label_or_a_clarification(name: str) -> None:
    decision = run(name)
    check(decision, CASES[name])
    assert {m["one_of"] for m in decision["measures"]} == {"ws_22"}  # alternatives


@pytest.mark.parametrize("name", case_ids("ws23-"))
def test_ws_23_each_condition_takes_account_measures_by_grade(name: str) -> None:
    decision = run(name)
    check(decision, CASES[name])
    ws23 = next(s for s in decision["trace"] if s["rule"] == "ws_23")
    if decision["grade"] is None:
        assert "grade the case (WS-19)" in ws23["why"]


@pytest.mark.parametrize("name", case_ids("ws25-"))
def test_ws_25_stakeholder_and_major_matters_need_regulator_review(name: str) -> None:
    check(run(name), CASES[name])


@pytest.mark.parametrize("name", case_ids("none-"))
def test_no_measure_says_why(name: str) -> None:
    check(run(name), CASES[name])


# ---------------------------------------------------------------- bad input


def bad(**kwargs: Any) -> InvalidInput:
    facts = {"category": "rumour", "subtype": "other", **kwargs}
    with pytest.raises(InvalidInput) as caught:
        evaluate(PACK, case_facts_from_json(facts))
    return caught.value


def test_unknown_codes_are_refused_each_kind_with_its_code() -> None:
    error = bad(conditions=["critical_business_juncture", "bribery", "rainy_day"])
    assert error.code == "unknown_condition"
    assert error.details == {"conditions": ["bribery", "rainy_day"]}
    assert bad(facts={"facts_clean": True}).code == "unknown_fact"
    error = bad(grading={"severity": "extreme", "frequency": "low", "influence": "low",
                         "harm": "low", "mood": "low"})  # fmt: skip
    assert error.code == "unknown_grading"
    assert error.details == {"grading": ["mood", "severity=extreme"]}


def test_unknown_codes_of_several_kinds_are_listed_together() -> None:
    error = bad(facts={"facts_clean": True}, conditions=["bribery"])
    assert error.code == "unknown_codes"
    assert error.details == {"facts": ["facts_clean"], "conditions": ["bribery"]}
    assert "facts: facts_clean; conditions: bribery" in error.message


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        ({"category": "gossip", "subtype": "other"}, "unknown_category"),
        ({"category": "rumour", "subtype": "account_identity"}, "unknown_subtype"),
        ({"category": "rumour"}, "invalid_facts"),
        ({"category": "rumour", "subtype": "other", "facts": {"facts_clear": "yes"}},
         "invalid_facts"),
        ({"category": "rumour", "subtype": "other", "colour": "red"}, "invalid_facts"),
        ({"category": "rumour", "subtype": "other", "conditions": "civil_dispute"},
         "invalid_facts"),
        ({"category": "rumour", "subtype": "other",
          "facts": {"evidence_sufficient": True, "evidence_hard_to_obtain_quickly": True}},
         "contradictory_facts"),
        ({"category": "rumour", "subtype": "other", "grading": {"severity": "low"}},
         "incomplete_grading"),
    ],
    ids=["category", "subtype", "missing", "not-bool", "extra-key", "not-list",
         "contradiction", "incomplete-grading"],
)  # fmt: skip
def test_bad_facts_are_refused_with_a_code(facts: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        evaluate(PACK, case_facts_from_json(facts))
    assert caught.value.code == code


def test_a_subtype_may_be_written_with_its_category() -> None:
    facts = case_facts_from_json({"category": "rumour", "subtype": "rumour.private_life"})
    assert facts.subtype == "private_life"
    assert evaluate(PACK, facts).subtype == "private_life"


# ---------------------------------------------------------------- determinism, JSON, WS-27


def test_the_same_facts_in_any_order_give_the_same_decision() -> None:
    conditions = ["involves_stakeholder_party", "account_impersonation", "major_matter"]
    grading = {"harm": "high", "severity": "low", "influence": "low", "frequency": "low"}
    decisions = {
        json.dumps(
            evaluate(
                PACK,
                CaseFacts("impersonation", "account_identity",
                          {"evidence_sufficient": True, "facts_clear": True},
                          tuple(order), grading),
            ).as_dict(),
            ensure_ascii=False,
        )
        for order in itertools.permutations(conditions)
    }  # fmt: skip
    assert len(decisions) == 1


def test_the_json_form_has_the_documented_keys() -> None:
    decision = run("ws25-major-matter")
    assert {"measures", "requires", "grade", "trace"} <= set(decision)
    assert set(decision["measures"][0]) >= {"code", "on", "basis", "params"}
    assert set(decision["measures"][0]["basis"][0]) == {"id", "article"}
    assert set(decision["trace"][0]) >= {"rule", "matched", "why", "requirement", "article"}


@pytest.mark.parametrize(
    ("measure", "needed"),
    [("close", True), ("blacklist", True), ("report_to_regulator", True),
     ("regulator_review_provincial", True), ("regulator_review_central", True),
     ("remove", False), ("mute", False), ("make_private_time_limited", False)],
)  # fmt: skip
def test_ws_27_which_measures_need_a_second_person(measure: str, needed: bool) -> None:
    assert requires_approval(PACK, measure) is needed


def test_ws_27_an_unknown_measure_is_an_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        requires_approval(PACK, "exile")
    assert caught.value.code == "unknown_measure"


def test_ws_27_a_departure_from_the_recommendation_is_seen() -> None:
    decision = evaluate(PACK, load_case("ws22-1-civil-dispute"))
    assert not departs_from(decision, {"dispute_label": {}})  # one of the alternatives
    assert not departs_from(decision, {"clarification_response": {}})
    assert departs_from(decision, {})  # nothing taken
    assert departs_from(decision, {"remove": {}})  # not recommended
    private = evaluate(PACK, load_case("ws21-1-critical-business-juncture"))
    assert not departs_from(private, {"make_private_time_limited": {"expires_in_days": 15}})
    assert departs_from(private, {"make_private_time_limited": {"expires_in_days": 30}})
    refused = evaluate(PACK, load_case("ws18-forged-evidence"))
    assert not departs_from(refused, {"refuse_report": {}})
    assert not departs_from(refused, {})  # refusal is allowed, not required


def test_a_measure_recommended_twice_is_listed_once_with_both_bases_and_the_longer_period() -> None:
    from qinglang.policy.engine import Measure, _merge
    from qinglang.policy.model import Basis

    ws23 = Basis("WS-23", "第二十三条(二)")
    ws19 = Basis("WS-19", "第十九条")
    merged = _merge(
        [
            Measure("mute", "account", (ws23,), {"days": 7}),
            Measure("remove", "content", (Basis("WS-20", "第二十条"),)),
            Measure("mute", "account", (ws19, ws23), {"days": 30}),
            Measure("freeze_new_followers", "account", (ws23,), {"days": 7}),
            Measure("freeze_new_followers", "account", (ws19,), {"permanent": True}),
        ]
    )
    assert [(m.code, m.basis, dict(m.params)) for m in merged] == [
        ("mute", (ws23, ws19), {"days": 30}),
        ("remove", (Basis("WS-20", "第二十条"),), {}),
        ("freeze_new_followers", (ws23, ws19), {"permanent": True}),
    ]
