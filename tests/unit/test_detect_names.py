"""The account-name check (SM-1): refuse impersonation, review protected kinds, allow the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinglang.detect.names import Verdict, check_name
from qinglang.detect.registry import ProtectedName, RegistryError, load_registry

REGISTRY = load_registry()


@pytest.mark.parametrize(
    ("name", "verdict", "matched", "variants"),
    [
        ("人民日报", Verdict.REFUSE, "人民日报", ("exact",)),
        ("人民日報", Verdict.REFUSE, "人民日报", ("traditional",)),
        ("入民日报", Verdict.REFUSE, "人民日报", ("shape",)),
        ("人 民·日 报", Verdict.REFUSE, "人民日报", ("noise",)),
        ("renminribao", Verdict.REFUSE, "人民日报", ("pinyin",)),
        ("rmrb官方", Verdict.REFUSE, "人民日报", ("initials",)),
        ("新华社快讯", Verdict.REFUSE, "新华通讯社", ("exact",)),
        ("ＣＣＴＶ体育", Verdict.REFUSE, "中央广播电视总台", ("width",)),
        ("最高人民法院", Verdict.REFUSE, "最高人民法院", ("exact",)),
        ("深圳公安", Verdict.REVIEW, "公安", ("exact",)),
        ("王老师讲数学", Verdict.REVIEW, "老师", ("exact",)),
        ("张律师说法", Verdict.REVIEW, "律师", ("exact",)),
        ("云泽融媒体", Verdict.REVIEW, "融媒体", ("exact",)),
        ("内蒙古牧场", Verdict.REVIEW, "内蒙古", ("exact",)),
        ("一只柠檬", Verdict.ALLOW, None, ()),
        ("猫咪观察员", Verdict.ALLOW, None, ()),
        ("我老是迟到", Verdict.ALLOW, None, ()),  # 老是 sounds like 老师 but is not a title
        (
            "样式设计",
            Verdict.ALLOW,
            None,
            (),
        ),  # 样式 sounds like 央视: short forms match exactly only
    ],
)
def test_verdicts(
    name: str, verdict: Verdict, matched: str | None, variants: tuple[str, ...]
) -> None:
    check = check_name(name, registry=REGISTRY)
    assert check.verdict is verdict, check
    found = {(r.matched, r.variants, r.field) for r in check.reasons}
    if matched is None:
        assert found == set()
    else:
        assert (matched, variants, "name") in found


def test_reasons_name_the_kind_and_the_span() -> None:
    check = check_name("深圳公安", registry=REGISTRY)
    assert [r.as_dict() for r in check.reasons] == [
        {
            "code": "administrative_division",
            "kind": "administrative_division",
            "matched": "深圳",
            "field": "name",
            "span": [0, 2],
            "variants": ["exact"],
        },
        {
            "code": "protected_kind",
            "kind": "police",
            "matched": "公安",
            "field": "name",
            "span": [2, 4],
            "variants": ["exact"],
        },
    ]


def test_a_kind_inside_a_refused_name_adds_no_review_reason() -> None:
    check = check_name("人民日报", registry=REGISTRY)  # 日报 is a news-media kind word
    assert [r.code for r in check.reasons] == ["impersonates_protected_name"]


def test_a_protected_name_in_the_bio_is_review_not_refuse() -> None:
    check = check_name("小林爱读书", bio="每天读人民日报", registry=REGISTRY)
    assert check.verdict is Verdict.REVIEW
    assert [(r.code, r.field) for r in check.reasons] == [("mentions_protected_name", "bio")]


def test_the_verified_owner_may_use_its_own_name() -> None:
    registry = REGISTRY.with_verified(
        [
            ProtectedName(
                name="华锦科技", aliases=("华锦科技官方",), category="enterprise", owner="account:7"
            )
        ]
    )
    assert check_name("华锦科技官方客服", registry=registry).verdict is Verdict.REFUSE
    assert check_name("華錦科技", registry=registry).verdict is Verdict.REFUSE
    assert check_name("华锦科技", registry=registry, owner="account:7").verdict is Verdict.ALLOW
    assert check_name("华锦科技", registry=registry, owner="account:8").verdict is Verdict.REFUSE


@pytest.mark.parametrize(
    "name", ["", "\ud800", "\u202e人民日报\u202c", "e\u0301\u0301", "人" * 100_000, "\U0010ffff"]
)
def test_awkward_names_never_raise(name: str) -> None:
    assert check_name(name, bio=name, registry=REGISTRY).verdict in set(Verdict)


def test_registry_problems_name_file_and_path(tmp_path: Path) -> None:
    (tmp_path / "protected_names.toml").write_text(
        '[[name]]\nname = "x"\ncategory = "secret_society"\nalias = ["y"]\n', encoding="utf-8"
    )
    (tmp_path / "protected_kinds.toml").write_text(
        '[[kind]]\ncode = "k"\nwords = "not a list"\n', encoding="utf-8"
    )
    (tmp_path / "divisions.tsv").write_text("110000\tplanet\t北京\t\n", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_registry(tmp_path)
    problems = caught.value.problems
    assert "protected_names.toml: name[0]: unknown keys ['alias']" in problems
    assert any(
        p.startswith("protected_names.toml: name[0].category: 'secret_society' is not one of")
        for p in problems
    )
    assert "protected_kinds.toml: kind[0].label_zh: required, a non-empty string" in problems
    assert "protected_kinds.toml: kind[0].words: must be a list of non-empty strings" in problems
    assert "divisions.tsv: line 1: expected adcode, level, name, short_name" in problems


def test_the_shipped_registry_covers_every_division() -> None:
    levels = {d.level for d in REGISTRY.divisions}
    assert levels == {"province", "prefecture", "county"}
    assert len(REGISTRY.divisions) > 3000
    assert {"北京", "内蒙古", "延边"} <= {d.short_name for d in REGISTRY.divisions}
