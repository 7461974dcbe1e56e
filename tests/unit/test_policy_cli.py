"""``qinglang policy show|validate`` as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qinglang.cli.policy import app
from qinglang.errors import InvalidInput, NotFound
from qinglang.policy import packs_dir

runner = CliRunner()


def test_show_prints_categories_subtypes_and_articles() -> None:
    result = runner.invoke(app, ["show", "cac-ws-2023"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "网站平台受理处置涉企网络侵权信息举报工作规范" in result.output
    assert "rumour.product_quality_defamation" in result.output
    assert "第十条(六)" in result.output
    assert "identity proof" in result.output


def test_show_in_english_and_as_json() -> None:
    english = runner.invoke(app, ["show", "cac-ws-2023", "--lang", "en"], env={"COLUMNS": "200"})
    assert "Product or service defamation" in english.output
    data = json.loads(runner.invoke(app, ["show", "cac-ws-2023", "--json"]).output)
    assert [c["code"] for c in data["categories"]] == [
        "impersonation",
        "misleading",
        "rumour",
        "insult",
        "privacy_leak",
        "interference",
    ]


def test_show_an_unknown_pack() -> None:
    result = runner.invoke(app, ["show", "cac-nothing"])
    assert isinstance(result.exception, NotFound)
    assert result.exception.code == "pack_not_found"


def test_validate_a_good_and_a_bad_file(tmp_path: Path) -> None:
    good = runner.invoke(app, ["validate", str(packs_dir() / "cac-ws-2023.toml")])
    assert good.exit_code == 0
    assert "valid pack cac-ws-2023" in good.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[pack]\nid = 'x'\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(bad)])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.code == "invalid_pack"
    assert "bad.toml: pack.title_zh: Field required" in result.stderr


@pytest.mark.parametrize("pack_id", ["cac-ws-2023"])
def test_the_compliance_matrix_resolves_pack_rules(pack_id: str) -> None:
    from qinglang.cli.compliance import _project_matrix

    matrix = _project_matrix()
    broken = [p for p in matrix.problems if p.kind == "broken" and pack_id in str(p)]
    assert broken == []


def test_campaigns_lists_the_three_with_periods_and_zones() -> None:
    result = runner.invoke(app, ["campaigns"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "2023-asian-games" in result.output
    assert "2023-08-28 – 2023-10-29" in result.output
    assert "asian_games_zone" in result.output
    assert "ended" in result.output  # all three ended in 2023
