"""WS-19 grading: severity, frequency, influence, harm → a grade → account measures, periods.

The levels (low, medium, high), points, grades and periods are the platform's choice,
stated in the cac-ws-2023 pack (VOCABULARY.md fixes none); one standard for every case.
"""

from __future__ import annotations

import itertools

import pytest

from qinglang.policy import CaseFacts, Decision, evaluate, load_packs

PACK = load_packs()["cac-ws-2023"]

LEVELS = ("low", "medium", "high")
DIMENSIONS = ("severity", "frequency", "influence", "harm")


def grade_of(severity: str, frequency: str, influence: str, harm: str) -> Decision:
    grading = dict(zip(DIMENSIONS, (severity, frequency, influence, harm), strict=True))
    facts = CaseFacts(
        category="rumour",
        subtype="other",
        facts={"facts_clear": True, "evidence_sufficient": True},
        conditions=("repeat_offender",),
        grading=grading,
    )
    return evaluate(PACK, facts)


@pytest.mark.parametrize(
    ("levels", "grade", "periods"),
    [
        (("low", "low", "low", "low"), "minor", {"warn": {}}),
        (("medium", "low", "low", "low"), "minor", {"warn": {}}),
        (
            ("low", "medium", "medium", "low"),
            "general",
            {
                "warn": {},
                "mute": {"days": 7},
                "suspend_monetisation": {"days": 14},
                "freeze_new_followers": {"days": 7},
            },
        ),
        (
            ("medium", "medium", "medium", "medium"),
            "serious",
            {
                "remove_interaction": {},
                "mute": {"days": 30},
                "suspend_monetisation": {"days": 90},
                "freeze_new_followers": {"days": 30},
                "remove_violation_followers": {},
            },
        ),
        (
            ("high", "high", "medium", "medium"),
            "severe",
            {"close": {}, "blacklist": {}, "report_to_regulator": {}},
        ),
    ],
    ids=["minor-0", "minor-1", "general", "serious", "severe"],
)
def test_ws_19_each_grade_has_its_account_measures_and_periods(
    levels: tuple[str, str, str, str], grade: str, periods: dict[str, dict[str, int]]
) -> None:
    decision = grade_of(*levels)
    assert decision.grade == grade
    account = {m.code: dict(m.params) for m in decision.measures if m.on == "account"}
    assert account == periods
    step = decision.trace[0]
    assert (step.rule, step.matched, step.requirement) == ("ws_19", True, "WS-19")


def test_ws_19_floors_raise_the_grade_when_one_factor_is_grave() -> None:
    harm = grade_of("low", "low", "low", "high")  # 2 points: general, raised by harm
    assert harm.grade == "serious"
    assert "raised to serious" in harm.trace[0].why.en
    severity = grade_of("high", "low", "low", "low")
    assert severity.grade == "general"


def test_ws_19_one_standard_every_combination_has_one_grade_and_more_is_never_milder() -> None:
    order = ["minor", "general", "serious", "severe"]
    grades: dict[tuple[str, ...], int] = {}
    for levels in itertools.product(LEVELS, repeat=4):
        decision = grade_of(*levels)
        assert decision.grade in order
        grades[levels] = order.index(decision.grade)
    for levels, rank in grades.items():
        for i, level in enumerate(levels):
            if level != "high":
                worse = list(levels)
                worse[i] = LEVELS[LEVELS.index(level) + 1]
                assert grades[tuple(worse)] >= rank, (levels, worse)


def test_ws_19_a_mute_suspends_monetisation_two_to_three_times_and_freezes_followers() -> None:
    grading = PACK.disposal.grading  # type: ignore[union-attr]
    assert grading is not None
    for grade in grading.grades:
        params = {m.code: dict(m.params) for m in grade.measures}
        if "mute" in params:
            mute = params["mute"]["days"]
            assert 2 * mute <= params["suspend_monetisation"]["days"] <= 3 * mute  # SM-9
            assert params["freeze_new_followers"]["days"] >= mute  # SM-10


def test_grading_alone_gives_a_grade_but_no_account_measure_without_ws_23() -> None:
    facts = CaseFacts(
        category="rumour",
        subtype="other",
        facts={"facts_clear": True, "evidence_sufficient": True},
        grading=dict.fromkeys(DIMENSIONS, "high"),
    )
    decision = evaluate(PACK, facts)
    assert decision.grade == "severe"
    assert [m.code for m in decision.measures] == ["remove"]
