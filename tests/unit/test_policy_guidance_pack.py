"""The guidance pack (GD-1, GD-2, GD-4, GD-5): the rapid channel in hours, minors first,
strict handling of accounts that first post, first repost, repeat or incite, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qinglang.policy import CaseFacts, PackError, evaluate, load_pack, load_packs
from qinglang.policy.model import CaseLimit, Pack
from tests.unit.test_policy_pack import GOOD_CATEGORY, GOOD_HEADER, problems, write

PACKS = load_packs()
GUIDANCE = PACKS["cac-guidance-2023"]
WS = PACKS["cac-ws-2023"]
MINOR = frozenset({"involves_minor"})
CLEAR = {"facts_clear": True, "evidence_sufficient": True}


def test_the_rapid_channel_is_the_guidance_packs_own_zone() -> None:
    zone = GUIDANCE.zone("rapid_channel")
    assert zone is not None
    assert zone.requirement == "GD-1"
    assert zone.label.zh == "网络暴力信息举报快速处置通道"
    assert WS.zone("enterprise_zone") is not None
    assert WS.zone("rapid_channel") is None
    assert [c.code for c in GUIDANCE.categories] == ["cyber_violence", "minor_rights"]
    # It asks only what it needs to act at once: no right-holder proof, no evidence.
    assert [a.code for a in GUIDANCE.acceptance_items] == [
        "statement",
        "reporter_contact",
        "target_locator",
        "declaration",
    ]


@pytest.mark.parametrize(
    ("pack", "category", "subtype", "channel", "flags", "limit"),
    [
        (GUIDANCE, "cyber_violence", "insult_abuse", "web_form", frozenset(), CaseLimit(hours=24)),
        (GUIDANCE, "cyber_violence", "privacy_violation", "api", frozenset(), CaseLimit(hours=12)),
        (GUIDANCE, "cyber_violence", "threats", "api", frozenset(), CaseLimit(hours=12)),
        (GUIDANCE, "cyber_violence", "insult_abuse", "api", MINOR, CaseLimit(hours=12)),
        (GUIDANCE, "minor_rights", "bullying", "web_form", frozenset(), CaseLimit(hours=12)),
        (
            GUIDANCE,
            "cyber_violence",
            "other",
            "regulator_transfer",
            frozenset(),
            CaseLimit(hours=12),
        ),
        (WS, "rumour", "other", "api", frozenset(), CaseLimit(working_days=7)),
        (WS, "rumour", "other", "api", MINOR, CaseLimit(working_days=2)),
    ],
)
def test_time_limits_are_in_hours_on_the_rapid_channel_and_shorter_for_minors(
    pack: Pack,
    category: str,
    subtype: str,
    channel: str,
    flags: frozenset[str],
    limit: CaseLimit,
) -> None:
    assert pack.time_limits is not None
    found = pack.time_limits.limit(category=category, subtype=subtype, channel=channel, flags=flags)
    assert found == limit


@pytest.mark.parametrize(
    ("pack", "category", "flags", "points"),
    [
        (GUIDANCE, "cyber_violence", frozenset(), 2),
        (GUIDANCE, "cyber_violence", MINOR, 5),
        (GUIDANCE, "minor_rights", MINOR, 6),
        (WS, "rumour", frozenset(), 0),
        (WS, "rumour", MINOR, 3),
    ],
)
def test_cyber_violence_and_minors_gain_queue_priority(
    pack: Pack, category: str, flags: frozenset[str], points: int
) -> None:
    found = pack.priority_of(category=category, subtype="other", channel="api", flags=flags)
    assert found == points


def test_one_standard_for_all_the_grading_tables_are_the_same() -> None:
    """GD-5 统一研判标准: the rapid channel grades accounts by the enterprise pack's table."""
    assert GUIDANCE.disposal is not None
    assert WS.disposal is not None
    ours, theirs = GUIDANCE.disposal.grading, WS.disposal.grading
    assert ours is not None
    assert theirs is not None
    assert (ours.dimensions, ours.levels, ours.grades) == (
        theirs.dimensions,
        theirs.levels,
        theirs.grades,
    )
    # The level floors are shared; the guidance adds only condition floors (从严).
    assert {f for f in ours.floors if f.condition is None} == set(theirs.floors)


LOW = {"severity": "low", "frequency": "low", "influence": "low", "harm": "low"}


def _codes(decision: Any) -> list[str]:
    return [m.code for m in decision.measures]


@pytest.mark.parametrize(
    ("facts", "conditions", "grading", "measures", "grade", "requires"),
    [
        # GD-1: clear facts and evidence: removed at once.
        (CLEAR, (), None, ["remove"], None, []),
        # GD-4: grounds but no quick proof: private for 3 days.
        (
            {"grounds_sufficient": True, "evidence_hard_to_obtain_quickly": True},
            (),
            None,
            ["make_private_time_limited"],
            None,
            [],
        ),
        # GD-1 从严: a first poster graded low is still graded serious.
        (
            CLEAR,
            ("first_post",),
            LOW,
            [
                "remove",
                "remove_interaction",
                "mute",
                "suspend_monetisation",
                "freeze_new_followers",
                "remove_violation_followers",
            ],
            "serious",
            [],
        ),
        # …and without any grading given, too.
        (CLEAR, ("repeated_posting",), None, None, "serious", []),
        # Incitement: severe, the account closed and blacklisted, after a second person.
        (
            CLEAR,
            ("incitement",),
            LOW,
            ["remove", "close", "blacklist", "report_to_regulator"],
            "severe",
            ["approval"],
        ),
        # GD-2: a minor harmed lifts a minor grade to general.
        (
            CLEAR,
            ("victim_is_minor",),
            LOW,
            ["remove", "warn", "mute", "suspend_monetisation", "freeze_new_followers"],
            "general",
            [],
        ),
        # Malicious reports may be refused (WS-18) on this channel too.
        ({}, ("forged_evidence",), None, ["refuse_report"], None, []),
    ],
)
def test_the_engine_handles_cyber_violence_accounts_strictly(
    facts: dict[str, bool],
    conditions: tuple[str, ...],
    grading: dict[str, str] | None,
    measures: list[str] | None,
    grade: str | None,
    requires: list[str],
) -> None:
    decision = evaluate(
        GUIDANCE,
        CaseFacts(
            category="cyber_violence",
            subtype="insult_abuse",
            facts=facts,
            conditions=conditions,
            grading=grading,
        ),
    )
    if measures is not None:
        assert _codes(decision) == measures
    assert decision.grade == grade
    assert list(decision.requires) == requires
    for m in decision.measures:
        assert m.basis, m  # every measure has its legal basis
    if conditions and conditions[0] in ("first_post", "repeated_posting", "incitement"):
        accounts = [m for m in decision.measures if m.on == "account"]
        assert accounts
        assert all(b.requirement == "GD-1" for m in accounts for b in m.basis[:1])
        graded = next(s for s in decision.trace if s.rule == "ws_19")
        assert "raised to" in graded.why.en


def test_no_measure_says_why() -> None:
    decision = evaluate(
        GUIDANCE, CaseFacts(category="cyber_violence", subtype="other", facts={"facts_clear": True})
    )
    assert decision.measures == ()
    assert decision.no_measure_reason is not None
    assert "GD-1" in decision.no_measure_reason.en


HOURS_PACK = (
    GOOD_HEADER
    + """
[time_limits]
article = "一"
requirement = "GD-1"
default_hours = 24
note_zh = "x"
note_en = "x"
"""
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HOURS_PACK.replace(
                "default_hours = 24", "default_hours = 24\ndefault_working_days = 3"
            ),
            "bad.toml: time_limits: give exactly one of default_working_days and default_hours",
        ),
        (
            HOURS_PACK
            + '[[time_limits.rule]]\ncategory = "rumour"\nworking_days = 2\n'
            + 'reason_zh = "x"\nreason_en = "x"\n',
            "bad.toml: time_limits.rule[0]: this pack counts in hours: give hours, not "
            "working_days",
        ),
        (
            HOURS_PACK
            + '[[time_limits.rule]]\nflag = "is_famous"\nhours = 2\n'
            + 'reason_zh = "x"\nreason_en = "x"\n',
            "bad.toml: time_limits.rule[0].flag: unknown flag 'is_famous' (one of involves_minor)",
        ),
        (
            HOURS_PACK
            + '[[priority]]\nsubtype = "other"\npoints = 2\nrequirement = "GD-1"\n'
            + 'article = "一"\nreason_zh = "x"\nreason_en = "x"\n',
            "bad.toml: priority[0].subtype: a subtype rule names its category too",
        ),
        (
            HOURS_PACK
            + '[[priority]]\ncategory = "rumour"\nsubtype = "nope"\npoints = 2\n'
            + 'requirement = "GD-1"\narticle = "一"\nreason_zh = "x"\nreason_en = "x"\n',
            "bad.toml: priority[0].subtype: 'nope' is not a subtype of rumour",
        ),
        (
            HOURS_PACK
            + '[[zone]]\ncode = "z"\nrequirement = "GD-1"\nlabel_zh = "x"\nlabel_en = "x"\n'
            + '[[zone]]\ncode = "z"\nrequirement = "GD-1"\nlabel_zh = "x"\nlabel_en = "x"\n',
            "bad.toml: zone: the code 'z' is used twice",
        ),
    ],
    ids=["two-units", "wrong-unit", "unknown-flag", "subtype-alone", "foreign-subtype", "zone"],
)
def test_each_problem_with_hours_priority_and_zones_is_named(
    tmp_path: Path, text: str, expected: str
) -> None:
    found = problems(write(tmp_path, text + GOOD_CATEGORY))
    assert any(p.startswith(expected) for p in found), found


def test_a_grading_floor_names_a_known_condition(tmp_path: Path) -> None:
    text = (Path(GUIDANCE_FILE)).read_text(encoding="utf-8")
    broken = text.replace('condition = "incitement"\ngrade', 'condition = "trolling"\ngrade')
    found = problems(write(tmp_path, broken))
    assert any("grading.floor[" in p and "unknown condition 'trolling'" in p for p in found), found
    both = text.replace(
        'condition = "incitement"\ngrade', 'condition = "incitement"\ndimension = "harm"\ngrade'
    )
    found = problems(write(tmp_path, both, "both.toml"))
    assert any("a floor names a dimension and a level, or a condition" in p for p in found)


GUIDANCE_FILE = (
    Path(__file__).resolve().parents[2] / "src/qinglang/policy/packs/cac-guidance-2023.toml"
)


def test_the_shipped_guidance_file_loads_alone() -> None:
    try:
        pack = load_pack(GUIDANCE_FILE)
    except PackError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(str(exc))
    assert pack.id == "cac-guidance-2023"
    assert pack.time_limits is not None
    assert pack.time_limits.in_hours
    assert pack.time_limits.default == 24
