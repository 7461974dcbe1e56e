"""The retention setting (WS-28) and the checkpoint's payload: pure parts."""

from __future__ import annotations

import pytest

from qinglang.errors import ConfigurationError, InvalidInput
from qinglang.ledger.retention import Checkpoint, checkpoint_of
from qinglang.oversight.holds import parse_subject
from qinglang.settings import load_settings


def test_retention_under_180_days_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_RETENTION_DAYS", "179")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith("QINGLANG_RETENTION_DAYS: must be at least 180 days")
    assert "\n" not in str(caught.value)


def test_retention_defaults_to_180_days() -> None:
    assert load_settings().retention_days == 180


def test_a_checkpoint_payload_names_the_last_purged_entry() -> None:
    assert checkpoint_of('{"ledger":{"last_seq":9,"last_hash":"ab"}}') == Checkpoint(9, "ab")
    assert checkpoint_of('{"counts":{}}') is None


def test_a_hold_names_one_known_kind_of_subject() -> None:
    assert parse_subject("account:3") == ("account", "3")
    with pytest.raises(InvalidInput):
        parse_subject("post:3")
