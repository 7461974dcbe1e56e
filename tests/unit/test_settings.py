"""Settings: defaults, environment and TOML sources, and the errors a person sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from qinglang.errors import ConfigurationError
from qinglang.settings import DEFAULT_SECRET_KEY, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("QINGLANG_"):
            monkeypatch.delenv(name)


def test_defaults_are_an_sqlite_file_under_var_and_shanghai_time() -> None:
    settings = load_settings()
    assert settings.database.get_backend_name() == "sqlite"
    assert settings.database.database == str(Path("var") / "qinglang.db")
    assert settings.time_zone == "Asia/Shanghai"
    assert settings.zone.key == "Asia/Shanghai"
    assert settings.mode == "development"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_DATABASE_URL", "postgresql://postgres@db.example:5432/q")
    monkeypatch.setenv("QINGLANG_TIME_ZONE", "UTC")
    monkeypatch.setenv("QINGLANG_BASE_URL", "https://qinglang.example.cn/")
    settings = load_settings()
    assert settings.database.drivername == "postgresql+psycopg"
    assert settings.time_zone == "UTC"
    assert settings.base_url == "https://qinglang.example.cn"


def test_toml_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "qinglang.toml"
    config.write_text(
        'time_zone = "Asia/Urumqi"\nport = 9000\nlog_level = "DEBUG"\n', encoding="utf-8"
    )
    monkeypatch.setenv("QINGLANG_CONFIG", str(config))
    monkeypatch.setenv("QINGLANG_PORT", "9100")
    settings = load_settings()
    assert settings.time_zone == "Asia/Urumqi"
    assert settings.port == 9100
    assert settings.log_level == "DEBUG"


def test_a_malformed_database_url_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_DATABASE_URL", "not a url")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith("QINGLANG_DATABASE_URL: ")
    assert "\n" not in str(caught.value)


def test_an_unsupported_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_DATABASE_URL", "mysql://root@localhost/q")
    with pytest.raises(ConfigurationError, match="QINGLANG_DATABASE_URL: backend 'mysql'"):
        load_settings()


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_MODE", "production")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert caught.value.code == "configuration_error"
    assert str(caught.value).startswith("QINGLANG_SECRET_KEY: production mode refuses the default")


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_MODE", "production")
    monkeypatch.setenv("QINGLANG_SECRET_KEY", "short")
    with pytest.raises(
        ConfigurationError, match="QINGLANG_SECRET_KEY: production mode needs at least 32"
    ):
        load_settings()


def test_production_accepts_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_MODE", "production")
    monkeypatch.setenv("QINGLANG_SECRET_KEY", "x" * 48)
    settings = load_settings()
    assert settings.is_production
    assert settings.secret_key.get_secret_value() != DEFAULT_SECRET_KEY


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("QINGLANG_TIME_ZONE", "Mars/Olympus", "QINGLANG_TIME_ZONE: unknown time zone"),
        ("QINGLANG_BASE_URL", "ftp://x", "QINGLANG_BASE_URL: must start with http"),
        ("QINGLANG_PORT", "0", "QINGLANG_PORT: "),
        ("QINGLANG_MODE", "staging", "QINGLANG_MODE: "),
        ("QINGLANG_NO_SUCH_THING", "1", None),
    ],
)
def test_each_bad_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str | None
) -> None:
    monkeypatch.setenv(variable, value)
    if message is None:  # unknown environment variables are ignored, not fatal
        assert load_settings()
        return
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)


def test_an_unreadable_config_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("port = = 1", encoding="utf-8")
    monkeypatch.setenv("QINGLANG_CONFIG", str(config))
    with pytest.raises(ConfigurationError, match="QINGLANG_CONFIG: cannot read config file"):
        load_settings()


def test_a_missing_config_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGLANG_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigurationError, match="QINGLANG_CONFIG: no config file at"):
        load_settings()
