"""``qinglang reports`` and ``qinglang reporters`` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from qinglang.db.engine import Database
from tests.integration.test_cli import assert_one_line_error, run
from tests.reporting import CREDIT_CODE, png


def _report(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "reporter": {"kind": "enterprise", "name": "王经理", "phone": "13800138000"},
        "right_holder": {"name": "示例科技有限公司", "credit_code": CREDIT_CODE},
        "category": "rumour",
        "subtype": "product_quality_defamation",
        "statement": "该文章捏造我公司产品质量问题。",
        "targets": [{"url": "https://news.example.cn/a/1"}],
        "evidence": [
            {"file": "licence.png", "type": "business_licence"},
            {"file": "debunk.png", "type": "official_debunk"},
        ],
        "declaration": {"accepted": True, "version": "2023-08"},
    }
    body.update(fields)
    return body


def test_bulk_import_show_and_close_overdue(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    env = {"QINGLANG_DATABASE_URL": database_url, "QINGLANG_DATA_DIR": str(tmp_path)}
    (tmp_path / "licence.png").write_bytes(png())
    (tmp_path / "debunk.png").write_bytes(png())
    lines = [
        json.dumps(_report(), ensure_ascii=False),
        json.dumps(
            _report(targets=[{"url": "https://news.example.cn/a/2"}], evidence=[]),
            ensure_ascii=False,
        ),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines), encoding="utf-8")
    result = run("reports", "submit", str(batch), "--json", env=env)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["status"] for a in answers] == ["accepted", "needs_supplement"]

    shown = run("reports", "show", answers[0]["tracking_no"], "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    state = json.loads(shown.stdout)
    assert state["channel"] == "bulk_import"
    assert sorted(e["type"] for e in state["evidence"]) == ["business_licence", "official_debunk"]

    closed = run("reports", "close-overdue", env=env)
    assert closed.returncode == 0
    assert "closed 0 report(s)" in closed.stdout


def test_a_transfer_without_its_reference_is_one_line(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    env = {"QINGLANG_DATABASE_URL": database_url, "QINGLANG_DATA_DIR": str(tmp_path)}
    (tmp_path / "licence.png").write_bytes(png())
    (tmp_path / "debunk.png").write_bytes(png())
    report = tmp_path / "one.json"
    report.write_text(json.dumps(_report(), ensure_ascii=False), encoding="utf-8")
    result = run("reports", "submit", str(report), "--channel", "regulator_transfer", env=env)
    assert_one_line_error(result, "regulator_reference_required", 2)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_report(right_holder={"name": "x", "credit_code": "123"})))
    assert_one_line_error(run("reports", "submit", str(bad), env=env), "invalid_credit_code", 2)
    unknown = run("reports", "show", "QL-20261124-00000000-0", env=env)
    assert unknown.returncode == 2
    assert "error[" in unknown.stderr
    assert run("reporters", "list", env=env).returncode == 0


def test_the_worker_runs_what_is_due_once(database: Database, database_url: str) -> None:
    result = run("worker", "--once", env={"QINGLANG_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "timers: 0 change(s)" in result.stdout
