"""The cac-ws-2023 pack's disposal data says what the texts say; broken disposal data is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from qinglang.policy import PackError, load_pack, packs_dir
from qinglang.policy.disposal import Disposal, Period

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec"
WS_PACK = packs_dir() / "cac-ws-2023.toml"
NUMERALS = "一二三四五"


def disposal() -> Disposal:
    found = load_pack(WS_PACK).disposal
    assert found is not None
    return found


def vocabulary_rows(heading: str) -> list[list[str]]:
    path = SPEC / "VOCABULARY.md"
    if not path.is_file():
        pytest.skip("../shared/spec/VOCABULARY.md is not beside the project")
    section = path.read_text(encoding="utf-8").split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip().strip("`") for cell in row.strip("|").split("|")] for row in rows]


def test_facts_and_conditions_are_exactly_the_vocabularys_with_their_clauses() -> None:
    pack = disposal()
    facts: dict[str, str] = {}
    conditions: dict[str, tuple[str, str]] = {}
    for code, source in vocabulary_rows("Facts a reviewer establishes"):
        found = re.match(r"^(WS-\d+)(?:\((\d)\))? (.+)$", source)
        if found is None:
            facts[code] = source
        else:
            requirement, item, label = found.groups()
            conditions[code] = (requirement, label)
            condition = pack.condition(code)
            assert condition is not None, code
            assert condition.basis.requirement == requirement
            if item:  # WS-21(2) is 第二十一条(二)
                assert condition.basis.article.endswith(f"({NUMERALS[int(item) - 1]})")
    assert {f.code: f.label.zh for f in pack.facts} == facts
    assert {c.code: (c.basis.requirement, c.label.zh) for c in pack.conditions} == conditions


def test_measures_are_exactly_the_vocabularys_with_what_they_act_on() -> None:
    pack = disposal()
    expected: dict[str, tuple[str, tuple[str, ...]]] = {}
    for code, chinese, on in vocabulary_rows("Measures"):
        targets = tuple(re.findall(r"content|account|report|case", on))
        expected[code] = (re.sub(r"\s*\(.*\)$", "", chinese), targets)
    found = {m.code: (m.label.zh, m.on) for m in pack.measures}
    assert set(found) == set(expected)
    for code, (label, targets) in expected.items():
        assert found[code][1] == targets, code
        assert found[code][0].startswith(label), code
    timed = {m.code: m.period for m in pack.measures if m.period is not Period.NONE}
    assert timed == {
        "make_private_time_limited": Period.EXPIRY,
        "mute": Period.DAYS,
        "suspend_monetisation": Period.DAYS,
        "freeze_new_followers": Period.DAYS,
    }


def test_every_quoted_text_is_the_spec_word_for_word() -> None:
    path = SPEC / "2023-08-10-work-spec-enterprise-infringement-reports.md"
    if not path.is_file():
        pytest.skip("../shared/spec is not beside the project")
    spec = path.read_text(encoding="utf-8")
    pack = disposal()
    quoted = [c.text.zh for c in pack.conditions] + [r.text.zh for r in pack.rules]
    quoted += [f.text_zh for f in pack.facts]
    assert pack.grading is not None
    assert pack.approval is not None
    quoted += [pack.grading.text.zh, pack.approval.text.zh]
    for text in quoted:
        assert text in spec, text


def test_ws_27_the_pack_says_which_measures_need_a_second_person() -> None:
    pack = disposal()
    approval = {m.code for m in pack.measures if m.approval}
    assert {"close", "blacklist", "report_to_regulator"} <= approval
    assert {"regulator_review_provincial", "regulator_review_central"} <= approval
    assert pack.approval is not None
    assert pack.approval.basis.requirement == "WS-27"


def test_rules_and_grading_are_addressable_for_the_compliance_matrix() -> None:
    ids = load_pack(WS_PACK).rule_ids()
    for rule in ("ws_18", "ws_20", "ws_21", "ws_22", "ws_23", "ws_25", "ws_25_major"):
        assert f"rule.{rule}" in ids
    assert {"grading", "approval", "condition.major_matter", "fact.facts_clear"} <= ids
    assert {"measure.make_private_time_limited", "grade.severe"} <= ids


# ---------------------------------------------------------------- broken packs

Edit = Callable[[str], str]


def once(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


BROKEN: list[tuple[str, Edit, str]] = [
    (
        "unknown-fact",
        once('facts = ["facts_clear", "evidence_sufficient"]', 'facts = ["facts_clean"]'),
        "broken.toml: rule[1].facts[0]: unknown fact 'facts_clean'",
    ),
    (
        "unknown-condition",
        once(
            'any_condition = ["forged_evidence", "flood_reporting"]',
            'any_condition = ["forged_evidence", "bribery"]',
        ),
        "broken.toml: rule[0].any_condition[1]: unknown condition 'bribery'",
    ),
    (
        "condition-of-another-article",
        once('any_condition = ["involves_stakeholder_party"]', 'any_condition = ["civil_dispute"]'),
        "broken.toml: rule[5].any_condition[0]: 'civil_dispute' is a condition of WS-22, "
        "not of WS-25",
    ),
    (
        "condition-used-by-no-rule",
        once(
            'any_condition = ["forged_evidence", "flood_reporting"]',
            'any_condition = ["forged_evidence"]',
        ),
        "broken.toml: condition[1]: 'flood_reporting' is used by no rule",
    ),
    (
        "unknown-measure",
        once('code = "refuse_report"\n\n[[rule]]', 'code = "ignore"\n\n[[rule]]'),
        "broken.toml: rule[0].measure[0].code: unknown measure 'ignore'",
    ),
    (
        "wrong-target",
        once('code = "remove"\n\n[[rule]]', 'code = "remove"\non = "account"\n\n[[rule]]'),
        "broken.toml: rule[1].measure[0].on: 'remove' acts on content, not 'account'",
    ),
    (
        "missing-expiry",
        once("params = { expires_in_days = 15 }", "params = { days = 15 }"),
        "broken.toml: rule[2].measure[0].params: 'make_private_time_limited' takes "
        "expires_in_days, not ['days']",
    ),
    (
        "permanent-not-allowed",
        once("params = { days = 7 }", "params = { permanent = true }"),
        "broken.toml: grading.grade[1].measure[1].params.permanent: 'mute' cannot be permanent",
    ),
    (
        "ambiguous-target",
        once('code = "report_to_regulator"\non = "account"', 'code = "report_to_regulator"'),
        "broken.toml: grading.grade[3].measure[2].on: 'report_to_regulator' acts on case or "
        "account: name one",
    ),
    (
        "grade-gap",
        once("min_points = 4", "min_points = 5"),
        "broken.toml: grading.grade[2].min_points: is 5, expected 4",
    ),
    (
        "grade-content-measure",
        once(
            '[[grading.grade.measure]]\ncode = "warn"', '[[grading.grade.measure]]\ncode = "remove"'
        ),
        "broken.toml: grading.grade[0].measure[0]: 'remove' does not act on the account",
    ),
    (
        "unknown-floor-dimension",
        once('dimension = "harm"\nlevel = "high"', 'dimension = "mood"\nlevel = "high"'),
        "broken.toml: grading.floor[0].dimension: unknown dimension 'mood'",
    ),
    (
        "when-not-a-rule-condition",
        once('when = "account_impersonation"', 'when = "civil_dispute"'),
        "broken.toml: rule[4].measure[0].when: 'civil_dispute' is not one of this rule's "
        "conditions",
    ),
    (
        "single-alternative",
        once(
            'code = "clarification_response"\none_of = "ws_22"', 'code = "clarification_response"'
        ),
        "broken.toml: rule[3].measure: one_of 'ws_22' has a single measure",
    ),
    (
        "unknown-requirement",
        once('requires = ["regulator_review_central"]', 'requires = ["regulator_review_county"]'),
        "broken.toml: rule[6].requires[0]: Input should be 'approval', "
        "'regulator_review_provincial' or 'regulator_review_central'",
    ),
    (
        "duplicate-condition",
        once('code = "flood_reporting"\nrequirement', 'code = "forged_evidence"\nrequirement'),
        "broken.toml: condition: the code 'forged_evidence' is used twice",
    ),
    (
        "unknown-contradiction",
        once('contradicts = ["evidence_hard_to_obtain_quickly"]', 'contradicts = ["luck"]'),
        "broken.toml: fact[1].contradicts[0]: unknown fact 'luck'",
    ),
    (
        "rule-without-anything",
        once('\n[[rule.measure]]\ncode = "remove"\n', "\n"),
        "broken.toml: rule[1]: a rule recommends a measure, uses grading or requires a review",
    ),
    (
        "unknown-key",
        once("discretionary = true", "discretionary = true\nprobably = true"),
        "broken.toml: rule[0].probably: Extra inputs are not permitted",
    ),
]


def broken(tmp_path: Path, *edits: Edit) -> list[str]:
    text = WS_PACK.read_text(encoding="utf-8")
    for edit in edits:
        text = edit(text)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    return caught.value.problems


@pytest.mark.parametrize(("edit", "expected"), [(e, x) for _, e, x in BROKEN],
                         ids=[name for name, _, _ in BROKEN])  # fmt: skip
def test_each_disposal_problem_names_file_path_and_what_is_wrong(
    tmp_path: Path, edit: Edit, expected: str
) -> None:
    found = broken(tmp_path, edit)
    assert any(p.startswith(expected) for p in found), found


def test_every_disposal_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = broken(tmp_path, BROKEN[0][1], BROKEN[1][1], BROKEN[9][1])
    assert [p.split(":")[1].strip() for p in found] == [
        "rule[0].any_condition[1]",
        "rule[1].facts[0]",
        "condition[1]",  # flood_reporting, no longer used by WS-18
        "grading.grade[2].min_points",
    ]
