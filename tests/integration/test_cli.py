"""The ``qinglang`` command as an operator runs it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from qinglang.db.engine import Database
from tests.ledgerutil import flip_byte_in_file, write


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QINGLANG_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "qinglang", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], code: str, exit_code: int
) -> str:
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error[{code}]: "), lines[0]
    return lines[0]


def test_an_unreachable_database_is_one_line_naming_the_setting() -> None:
    result = run(
        "db", "upgrade", env={"QINGLANG_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    )
    line = assert_one_line_error(result, "database_unavailable", 3)
    assert "QINGLANG_DATABASE_URL" in line


def test_a_malformed_database_url_is_one_line_naming_the_setting() -> None:
    result = run("ledger", "verify", env={"QINGLANG_DATABASE_URL": "definitely not a url"})
    line = assert_one_line_error(result, "configuration_error", 3)
    assert line.startswith("error[configuration_error]: QINGLANG_DATABASE_URL: ")


def test_an_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/dir/q.db"
    line = assert_one_line_error(
        run("db", "upgrade", env={"QINGLANG_DATABASE_URL": url}), "database_unavailable", 3
    )
    assert "QINGLANG_DATABASE_URL" in line


def test_production_with_the_default_secret_refuses_to_start(tmp_path: Path) -> None:
    result = run("serve", env={"QINGLANG_MODE": "production", "QINGLANG_DATA_DIR": str(tmp_path)})
    line = assert_one_line_error(result, "configuration_error", 3)
    assert "QINGLANG_SECRET_KEY: production mode refuses the default secret key" in line


def test_an_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    env = {"QINGLANG_DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"}
    line = assert_one_line_error(run("users", "list", env=env), "database_not_migrated", 3)
    assert "qinglang db upgrade" in line
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("db", "status", env=env).returncode == 0
    assert run("users", "list", env=env).returncode == 0


def test_operator_flow_users_tokens_and_verify(database_url: str) -> None:
    env = {"QINGLANG_DATABASE_URL": database_url}
    added = run(
        "users",
        "add",
        "chen",
        "--role",
        "compliance",
        "--role",
        "regulator",
        "--password",
        "a long password",
        "--display-name",
        "陈晓",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert "added user chen" in added.stdout
    duplicate = run(
        "users", "add", "chen", "--role", "reviewer", "--password", "a long password", env=env
    )
    assert_one_line_error(duplicate, "username_taken", 2)
    bad_role = run(
        "users", "add", "wang", "--role", "boss", "--password", "a long password", env=env
    )
    assert_one_line_error(bad_role, "unknown_role", 2)
    assert "chen" in run("users", "list", env=env).stdout

    token = run(
        "tokens",
        "create",
        "--user",
        "chen",
        "--name",
        "export job",
        "--scope",
        "ledger:read",
        env=env,
    )
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("qlt_")
    assert "export job" in run("tokens", "list", env=env).stdout
    assert run("tokens", "revoke", "1", env=env).returncode == 0

    assert run("users", "disable", "chen", env=env).returncode == 0
    verify = run("ledger", "verify", "--json", env=env)
    assert verify.returncode == 0, verify.stderr
    result = json.loads(verify.stdout)
    assert (result["ok"], result["checked"]) == (True, 4)
    assert result["last_seq"] == 4


def test_verify_reports_the_tampered_entry_and_fails(database: Database, database_url: str) -> None:
    for n in range(1, 6):
        write(database, {"n": n, "note": f"row-{n}-ZXCVBNMASDF"})
    if database.dialect != "sqlite":
        pytest.skip(
            "editing the database file by hand is an SQLite scenario; "
            "test_ledger.py covers PostgreSQL"
        )
    flip_byte_in_file(database, b"row-4-ZXCVBNMASDF")
    human = run("ledger", "verify", env={"QINGLANG_DATABASE_URL": database_url})
    assert human.returncode == 4
    assert "BROKEN at entry 4 (hash_mismatch)" in human.stdout
    machine = json.loads(
        run("ledger", "verify", "--json", env={"QINGLANG_DATABASE_URL": database_url}).stdout
    )
    assert machine["broken"]["seq"] == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_migrates_seeds_serves_and_prints_where_to_look(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGLANG_")}
    env["QINGLANG_DATA_DIR"] = str(tmp_path / "var")
    process = subprocess.Popen(
        [sys.executable, "-m", "qinglang", "demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/demo-site/", timeout=2
                ) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        assert body, "the demo site never answered"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            assert json.loads(response.read())["status"] == "ok"
    finally:
        process.terminate()
        stdout, _stderr = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/console/" in stdout
    assert "admin" in stdout
    assert "qinglang-admin" in stdout
    assert (tmp_path / "var" / "qinglang.db").is_file()


def test_pii_reads_stdin_and_needs_no_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qinglang", "pii", "--json"],
        input="张总手机13800138000".encode(),
        capture_output=True,
        env={**os.environ, "QINGLANG_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["hits"] == [{"type": "phone", "span": [4, 15], "masked": "138****8000"}]
    assert answer["masked_text"] == "张总手机138****8000"


def test_names_check_and_scan_from_the_command_line() -> None:
    check = run("names", "check", "人民曰报官方", "--json")
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["verdict"] == "refuse"
    scan = subprocess.run(
        [sys.executable, "-m", "qinglang", "scan", "--json"],
        input="含泪轉讓的门票".encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert scan.returncode == 0, scan.stderr
    assert json.loads(scan.stdout)["hits"][0]["variants"] == ["traditional"]
    unknown = run("scan", "--lexicon", "nope")
    assert_one_line_error(unknown, "lexicon_not_found", 2)
