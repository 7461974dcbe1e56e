"""Settings for the outbox and the webhook adapter: each bad value names its variable."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from qinglang.errors import ConfigurationError
from qinglang.measures import RetryPolicy
from qinglang.settings import load_settings

SECRET = "w" * 32


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("QINGLANG_"):
            monkeypatch.delenv(name)


def test_defaults_use_the_demo_platform_and_a_two_minute_lease() -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    policy = RetryPolicy.from_settings(settings)
    assert policy == RetryPolicy(
        base=timedelta(seconds=10),
        cap=timedelta(minutes=15),
        lease=timedelta(minutes=2),
        ledger_every=10,
    )
    assert settings.worker_batch_size == 50


def test_a_webhook_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_WEBHOOK_URL", "https://platform.example.cn/qinglang/measures")
    monkeypatch.setenv("QINGLANG_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("QINGLANG_OUTBOX_RETRY_MAX_SECONDS", "3600")
    settings = load_settings()
    assert settings.webhook_url == "https://platform.example.cn/qinglang/measures"
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == SECRET
    assert settings.outbox_retry_max_seconds == 3600


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"webhook_url": "https://p.example/m"}, "QINGLANG_WEBHOOK_SECRET"),
        (
            {"webhook_url": "https://p.example/m", "webhook_secret": "short"},
            "QINGLANG_WEBHOOK_SECRET",
        ),
        ({"webhook_url": "ftp://p.example/m", "webhook_secret": SECRET}, "QINGLANG_WEBHOOK_URL"),
        ({"webhook_snapshot_url": "p.example/s"}, "QINGLANG_WEBHOOK_SNAPSHOT_URL"),
        ({"outbox_retry_base_seconds": 0}, "QINGLANG_OUTBOX_RETRY_BASE_SECONDS"),
        (
            {"outbox_retry_base_seconds": 60, "outbox_retry_max_seconds": 30},
            "QINGLANG_OUTBOX_RETRY_MAX_SECONDS",
        ),
        ({"outbox_lease_seconds": 1}, "QINGLANG_OUTBOX_LEASE_SECONDS"),
        (
            {"outbox_lease_seconds": 30, "webhook_timeout_seconds": 20},
            "QINGLANG_OUTBOX_LEASE_SECONDS",
        ),
        ({"outbox_failure_ledger_every": 0}, "QINGLANG_OUTBOX_FAILURE_LEDGER_EVERY"),
        ({"worker_batch_size": 0}, "QINGLANG_WORKER_BATCH_SIZE"),
        ({"webhook_timeout_seconds": 0}, "QINGLANG_WEBHOOK_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_name_their_variable(values: dict[str, object], variable: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**values)
    assert caught.value.message.startswith(f"{variable}:")
