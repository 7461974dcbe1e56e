"""Campaigns are data (CP-1): the shipped three, their periods in China time, and bad files."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from qinglang.policy import PackError, load_packs
from qinglang.policy.campaigns import CHINA, Phase, campaigns_dir, load_campaign, load_campaigns

RULES = {pack_id: pack.rule_ids() for pack_id, pack in load_packs().items()}


def test_the_three_campaigns_of_the_texts_ship_with_their_categories() -> None:
    campaigns = load_campaigns(known_rules=RULES)
    assert {c.id: len(c.categories) for c in campaigns.values()} == {
        "2023-business-environment": 10,
        "2023-minors-summer": 7,
        "2023-asian-games": 8,
    }
    games = campaigns["2023-asian-games"]
    assert (games.starts, games.ends) == (date(2023, 8, 28), date(2023, 10, 29))
    assert games.zone.zh == "亚运会和亚残运会专项行动举报专区"
    assert [c.item for c in games.categories] == list(range(1, 9))
    assert games.category("impersonation") is not None
    assert "cac-ws-2023:category.impersonation" in games.category("impersonation").related  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        (datetime(2023, 8, 27, 23, 59, tzinfo=CHINA), Phase.NOT_STARTED),
        (datetime(2023, 8, 28, 0, 0, tzinfo=CHINA), Phase.OPEN),
        (datetime(2023, 10, 29, 23, 59, tzinfo=CHINA), Phase.OPEN),
        (datetime(2023, 10, 29, 15, 59, tzinfo=UTC), Phase.OPEN),  # 23:59 in Beijing
        (datetime(2023, 10, 29, 16, 0, tzinfo=UTC), Phase.ENDED),  # midnight in Beijing
    ],
)
def test_a_zone_is_open_only_within_its_period_in_china_time(at: datetime, phase: Phase) -> None:
    assert load_campaigns()["2023-asian-games"].phase(at) is phase


def test_adding_a_campaign_is_adding_a_file(tmp_path: Path) -> None:
    for path in campaigns_dir().glob("*.toml"):
        shutil.copy(path, tmp_path)
    text = (campaigns_dir() / "2023-asian-games.toml").read_text(encoding="utf-8")
    new = text.replace('id = "2023-asian-games"', 'id = "2026-winter"').replace(
        'code = "asian_games_zone"', 'code = "winter_zone"'
    )
    (tmp_path / "2026-winter.toml").write_text(new, encoding="utf-8")
    assert "2026-winter" in load_campaigns(tmp_path, known_rules=RULES)


def _bad(tmp_path: Path, edit) -> list[str]:  # type: ignore[no-untyped-def]
    text = edit((campaigns_dir() / "2023-asian-games.toml").read_text(encoding="utf-8"))
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_campaign(path, known_rules=RULES)
    return caught.value.problems


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('ends = "2023-10-29"', 'ends = "2023-08-01"'),
            "bad.toml: campaign.ends: the campaign ends before it starts",
        ),
        (
            lambda t: t.replace("item = 2\n", "item = 1\n"),
            "bad.toml: category: the item 1 is used twice",
        ),
        (
            lambda t: t.replace('code = "piracy"', 'code = "impersonation"'),
            "bad.toml: category: the code 'impersonation' is used twice",
        ),
        (
            lambda t: t.replace('"cac-ws-2023:category.rumour"', '"cac-ws-2023:category.gossip"'),
            "bad.toml: category[0].related[0]: no rule 'cac-ws-2023:category.gossip' "
            "in the loaded packs",
        ),
        (
            lambda t: t.replace('starts = "2023-08-28"', 'starts = "28 August"'),
            "bad.toml: campaign.starts: String should match pattern",
        ),
        (lambda t: t.replace("[zone]", "[zones]"), "bad.toml: zone: Field required"),
    ],
    ids=["ends-before-starts", "duplicate-item", "duplicate-code", "unknown-rule", "date", "zone"],
)
def test_each_bad_campaign_names_file_path_and_problem(tmp_path: Path, edit, expected: str) -> None:  # type: ignore[no-untyped-def]
    found = _bad(tmp_path, edit)
    assert any(p.startswith(expected) for p in found), found


def test_two_campaigns_cannot_share_a_zone(tmp_path: Path) -> None:
    shutil.copy(campaigns_dir() / "2023-asian-games.toml", tmp_path / "a.toml")
    text = (campaigns_dir() / "2023-asian-games.toml").read_text(encoding="utf-8")
    (tmp_path / "b.toml").write_text(
        text.replace('id = "2023-asian-games"', 'id = "copy"'), encoding="utf-8"
    )
    with pytest.raises(PackError) as caught:
        load_campaigns(tmp_path)
    assert caught.value.problems == [
        "b.toml: zone.code: 'asian_games_zone' is also the zone of a.toml"
    ]
