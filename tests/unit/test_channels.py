"""Channels and zones: the enterprise zone is open; a campaign zone only within its period."""

from __future__ import annotations

from datetime import datetime

import pytest

from qinglang.errors import Conflict, InvalidInput
from qinglang.intake.channels import ENTERPRISE_ZONE, Channel, open_zone, parse_channel
from qinglang.policy.campaigns import CHINA, load_campaigns

CAMPAIGNS = load_campaigns()


def test_the_enterprise_zone_is_always_open() -> None:
    zone = open_zone(ENTERPRISE_ZONE, at=datetime(2026, 11, 24, tzinfo=CHINA), campaigns=CAMPAIGNS)
    assert (zone.label.zh, zone.campaign) == ("涉企举报专区", None)


def test_a_campaign_zone_carries_its_campaign_within_the_period() -> None:
    zone = open_zone(
        "asian_games_zone", at=datetime(2023, 9, 10, 12, tzinfo=CHINA), campaigns=CAMPAIGNS
    )
    assert zone.campaign is not None
    assert zone.campaign.id == "2023-asian-games"


@pytest.mark.parametrize(
    ("at", "code"),
    [
        (datetime(2023, 8, 27, 23, 0, tzinfo=CHINA), "zone_not_open_yet"),
        (datetime(2023, 10, 30, 0, 0, tzinfo=CHINA), "zone_closed"),
    ],
)
def test_outside_its_period_a_campaign_zone_refuses_with_a_clear_message(
    at: datetime, code: str
) -> None:
    with pytest.raises(Conflict) as caught:
        open_zone("asian_games_zone", at=at, campaigns=CAMPAIGNS)
    assert caught.value.code == code
    assert "2023-08-28 – 2023-10-29" in caught.value.message
    assert "亚运会和亚残运会专项行动举报专区" in caught.value.message


def test_an_unknown_zone_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        open_zone("moon_zone", at=datetime(2026, 1, 1, tzinfo=CHINA), campaigns=CAMPAIGNS)
    assert caught.value.code == "unknown_zone"
    assert ENTERPRISE_ZONE in caught.value.details["known"]


@pytest.mark.parametrize(
    ("value", "reference", "expected"),
    [
        ("web_form", None, Channel.WEB_FORM),
        ("api", None, Channel.API),
        ("regulator_transfer", "京网信转〔2026〕118号", Channel.REGULATOR_TRANSFER),
        ("bulk_import", None, Channel.BULK_IMPORT),
    ],
)
def test_channels(value: str, reference: str | None, expected: Channel) -> None:
    assert parse_channel(value, regulator_reference=reference) is expected


@pytest.mark.parametrize(
    ("value", "reference", "code"),
    [
        ("fax", None, "unknown_channel"),
        ("regulator_transfer", None, "regulator_reference_required"),
        ("regulator_transfer", "x", "regulator_reference_required"),
        ("regulator_transfer", "bad\nref", "regulator_reference_required"),
    ],
)
def test_bad_channels(value: str, reference: str | None, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_channel(value, regulator_reference=reference)
    assert caught.value.code == code
