"""Policy packs: the shipped cac-ws-2023 pack says what the texts say; bad packs are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qinglang.policy import PackError, load_pack, load_packs, packs_dir
from qinglang.policy.model import EvidencePurpose, EvidenceRule

VOCABULARY = Path(__file__).resolve().parents[3] / "shared" / "spec" / "VOCABULARY.md"
WS_PACK = packs_dir() / "cac-ws-2023.toml"


def vocabulary_table(heading: str) -> list[list[str]]:
    if not VOCABULARY.is_file():
        pytest.skip("../shared/spec/VOCABULARY.md is not beside the project")
    text = VOCABULARY.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_the_ws_pack_has_exactly_the_vocabularys_categories_and_subtypes() -> None:
    pack = load_pack(WS_PACK)
    expected = {}
    for category, chinese, subtypes in vocabulary_table("Categories of enterprise-related"):
        codes = re.findall(r"`([a-z_]+)` \((\d+)\.(\d+)\)", subtypes)
        expected[category.strip("`")] = (chinese, [c for c, _a, _i in codes])
    assert {c.code: (c.label.zh, [s.code for s in c.subtypes]) for c in pack.categories} == expected


def test_the_ws_pack_has_exactly_the_vocabularys_evidence_types_and_items() -> None:
    pack = load_pack(WS_PACK)
    types = {row[0].strip("`"): row[1] for row in vocabulary_table("Evidence types")}
    assert {e.code: e.label.zh for e in pack.evidence_types} == types
    items = {row[0].strip("`"): row[1] for row in vocabulary_table("Acceptance items")}
    assert {a.code: a.label.zh for a in pack.acceptance_items} == items


@pytest.mark.parametrize(
    ("category", "rule", "article", "requirement"),
    [
        ("impersonation", EvidenceRule.IDENTITY_ONLY, "第七条", "WS-7"),
        ("misleading", EvidenceRule.LISTED_TYPES, "第九条", "WS-9"),
        ("rumour", EvidenceRule.LISTED_TYPES, "第十一条", "WS-11"),
        ("insult", EvidenceRule.IDENTITY_ONLY, "第十三条", "WS-13"),
        ("privacy_leak", EvidenceRule.IDENTITY_ONLY, "第十五条", "WS-15"),
        ("interference", EvidenceRule.LISTED_TYPES, "第十七条", "WS-17"),
    ],
)
def test_evidence_rules_follow_the_articles(
    category: str, rule: EvidenceRule, article: str, requirement: str
) -> None:
    found = load_pack(WS_PACK).category(category)
    assert found is not None
    assert found.evidence_rule is rule
    assert (found.evidence_basis.article, found.evidence_basis.requirement) == (
        article,
        requirement,
    )


def test_evidence_counts_match_the_articles() -> None:
    pack = load_pack(WS_PACK)
    counts = {c.code: len(c.evidence) for c in pack.categories}
    # WS-7 four kinds of extra proof, WS-9 seven, WS-11 eight, WS-17 three.
    assert counts == {
        "impersonation": 4,
        "misleading": 7,
        "rumour": 8,
        "insult": 0,
        "privacy_leak": 0,
        "interference": 3,
    }
    agent = next(a for a in pack.acceptance_items if a.code == "agent_proof")
    assert agent.only_when_delegated
    assert pack.evidence_type("content_snapshot").purpose is EvidencePurpose.SNAPSHOT  # type: ignore[union-attr]
    assert "subtype.rumour.product_quality_defamation" in pack.rule_ids()


def test_all_shipped_packs_load() -> None:
    assert "cac-ws-2023" in load_packs()


GOOD_HEADER = """
[pack]
id = "test-pack"
title_zh = "测试"
title_en = "Test"
issuer = "测试"
issued = "2026-01-01"
source = "x.md"
version = 1
"""
GOOD_CATEGORY = """
[[evidence_type]]
code = "business_licence"
label_zh = "营业执照"
label_en = "Business licence"
purpose = "identity"

[[category]]
code = "rumour"
article = "第四条(三)"
requirement = "WS-10"
label_zh = "谣言性信息"
label_en = "Rumour"
description_zh = "谣言"
description_en = "Rumour"
evidence_rule = "identity_only"
evidence = []
evidence_article = "第十一条"
evidence_requirement = "WS-11"

[[category.subtype]]
code = "other"
article = "第十条(八)"
requirement = "WS-10"
label_zh = "其他"
label_en = "Other"
description_zh = "其他"
description_en = "Other"
"""


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PackError) as caught:
        load_pack(path)
    return caught.value.problems


def test_a_good_minimal_pack_loads(tmp_path: Path) -> None:
    assert load_pack(write(tmp_path, GOOD_HEADER + GOOD_CATEGORY)).id == "test-pack"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('issued = "2026-01-01"', 'issued = "yesterday"'),
            "bad.toml: pack.issued: String should match pattern",
        ),
        (
            lambda t: t.replace('code = "rumour"', 'code = "Rumour!"'),
            "bad.toml: category[0].code: String should match pattern",
        ),
        (
            lambda t: t.replace('label_en = "Rumour"\n', ""),
            "bad.toml: category[0].label_en: Field required",
        ),
        (
            lambda t: t + '\ncolour = "red"\n',
            "bad.toml: category[0].subtype[0].colour: Extra inputs are not permitted",
        ),
        (
            lambda t: t.replace('requirement = "WS-10"', 'requirement = "WS10"', 1),
            "bad.toml: category[0].requirement: String should match pattern",
        ),
        (
            lambda t: t.replace("evidence = []", 'evidence = ["no_such_type"]'),
            "bad.toml: category[0].evidence[0]: unknown evidence type 'no_such_type'",
        ),
        (
            lambda t: t.replace(
                'evidence_rule = "identity_only"', 'evidence_rule = "listed_types"'
            ),
            "bad.toml: category[0].evidence: listed_types needs at least one evidence type",
        ),
        (
            lambda t: t.replace('evidence_rule = "identity_only"', 'evidence_rule = "whatever"'),
            "bad.toml: category[0].evidence_rule: Input should be 'identity_only', "
            "'listed_types' or 'none'",
        ),
        (
            lambda t: t + t[t.index("[[category.subtype]]") :],
            "bad.toml: category[0].subtype: the code 'other' is used twice",
        ),
        (lambda t: t + "[[[", "bad.toml: is not valid TOML"),
    ],
    ids=[
        "date",
        "code",
        "missing",
        "unknown-key",
        "requirement",
        "unknown-evidence",
        "listed-without-types",
        "rule",
        "duplicate",
        "toml",
    ],
)
def test_each_problem_names_file_path_and_what_is_wrong(
    tmp_path: Path, edit, expected: str
) -> None:  # type: ignore[no-untyped-def]
    found = problems(write(tmp_path, edit(GOOD_HEADER + GOOD_CATEGORY)))
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        (GOOD_HEADER + GOOD_CATEGORY)
        .replace("version = 1", "version = 0")
        .replace('label_zh = "其他"', 'label_zh = ""')
    )
    found = problems(write(tmp_path, text))
    assert len(found) == 2
    assert found[0].startswith("bad.toml: pack.version:")
    assert found[1].startswith("bad.toml: category[0].subtype[0].label_zh:")


def test_evidence_of_the_wrong_purpose_is_not_preliminary(tmp_path: Path) -> None:
    text = (GOOD_HEADER + GOOD_CATEGORY).replace('purpose = "identity"', 'purpose = "delegation"')
    text = text.replace("evidence = []", 'evidence = ["business_licence"]')
    assert problems(write(tmp_path, text)) == [
        "bad.toml: category[0].evidence[0]: 'business_licence' is delegation evidence, "
        "not preliminary evidence"
    ]


def test_a_missing_file_and_a_duplicate_pack_id(tmp_path: Path) -> None:
    assert problems(tmp_path / "absent.toml")[0].startswith("absent.toml: cannot read")
    write(tmp_path, GOOD_HEADER + GOOD_CATEGORY, "a.toml")
    write(tmp_path, GOOD_HEADER + GOOD_CATEGORY, "b.toml")
    with pytest.raises(PackError) as caught:
        load_packs(tmp_path)
    assert caught.value.problems == ["b.toml: pack.id: 'test-pack' is also the id of a.toml"]


def test_the_time_limits_are_the_platforms_choice_stated_in_the_pack() -> None:
    from qinglang.intake.channels import Channel
    from qinglang.policy.loader import CHANNELS, load_packs

    assert {c.value for c in Channel} == CHANNELS  # policy may not import intake
    limits = load_packs()["cac-ws-2023"].time_limits
    assert limits is not None
    assert limits.basis.requirement == "WS-3"
    assert limits.working_days(category="rumour", channel="api") == limits.default_working_days
    assert limits.working_days(category="privacy_leak", channel="web_form") == 2
    # the shortest applying rule wins
    assert limits.working_days(category="interference", channel="regulator_transfer") == 3


def test_a_time_limit_rule_naming_an_unknown_category_or_channel_is_an_error(
    tmp_path: Path,
) -> None:
    from qinglang.policy.loader import PackError, load_pack, packs_dir

    text = (packs_dir() / "cac-ws-2023.toml").read_text(encoding="utf-8")
    text = text.replace(
        'category = "privacy_leak"\nworking_days = 2', 'category = "gossip"\nworking_days = 2'
    )
    text = text.replace('channel = "regulator_transfer"', 'channel = "pigeon"')
    broken = tmp_path / "broken.toml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as error:
        load_pack(broken)
    problems = "\n".join(error.value.problems)
    assert "time_limits.rule[0].category: unknown category 'gossip'" in problems
    assert "time_limits.rule[2].channel: unknown channel 'pigeon'" in problems
