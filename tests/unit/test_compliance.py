"""The compliance matrix: the spec's requirement IDs, coverage.toml's validation, the command."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qinglang.cli.compliance import compliance, compliance_command, report
from qinglang.compliance import (
    COVERAGE_PATH,
    SPEC_PATH,
    Matrix,
    find_project_root,
    load_matrix,
    load_requirements,
    parse_requirements,
)
from qinglang.policy import load_packs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_SPEC = PROJECT_ROOT.parent / "shared" / "spec" / "README.md"

# ---------------------------------------------------------------- the spec copy

_DIGITS = "一二三四五六七八九"


def _article(number: int) -> str:
    tens, units = divmod(number, 10)
    prefix = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return f"第{prefix}{_DIGITS[units - 1] if units else ''}条"


EXPECTED_IDS = [
    *(f"WS-{n}" for n in range(3, 30)),
    *(f"GD-{n}" for n in range(1, 6)),
    *(f"SM-{n}" for n in range(1, 14)),
    *(f"CP-{n}" for n in range(1, 4)),
    "RC-1",
    "BS-1",
    "BS-2",
    "ES-1",
]


def test_the_spec_copy_has_52_requirements_in_document_order() -> None:
    requirements = load_requirements()

    assert len(requirements) == 52
    assert [r.id for r in requirements] == EXPECTED_IDS
    assert list(dict.fromkeys(r.family for r in requirements)) == [
        "WS",
        "GD",
        "SM",
        "CP",
        "RC",
        "BS",
        "ES",
    ]
    assert all(r.id.startswith(r.family + "-") and r.text for r in requirements)


def test_ws_requirements_carry_their_article_and_the_others_none() -> None:
    requirements = load_requirements()

    articles = {r.id: r.article for r in requirements}
    assert articles["WS-3"] == "第三条"
    assert articles["WS-28"] == "第二十八条"
    for number in range(3, 30):
        assert articles[f"WS-{number}"] == _article(number)
    assert all(r.article is None for r in requirements if r.family != "WS")


def test_a_requirement_keeps_its_text() -> None:
    by_id = {r.id: r for r in load_requirements()}

    assert by_id["WS-26"].text == "No abuse of disposal power: no paid or favour deletion."
    assert by_id["ES-1"].text.startswith("Figures a regulator counts")


@pytest.mark.skipif(not SHARED_SPEC.is_file(), reason="../shared is not beside the repository")
def test_the_spec_copy_equals_the_shared_spec() -> None:
    assert SPEC_PATH.read_bytes() == SHARED_SPEC.read_bytes()


def test_a_duplicated_requirement_id_is_refused() -> None:
    text = "| ID | what |\n|---|---|\n| GD-1 | one |\n| GD-1 | again |\n"

    with pytest.raises(ValueError, match=r"spec/README.md:4: GD-1 is already defined on line 3"):
        parse_requirements(text)


def test_a_row_that_does_not_match_its_header_is_refused() -> None:
    text = "| ID | article | what |\n|---|---|---|\n| WS-3 | 第三条 |\n"

    with pytest.raises(ValueError, match=r"spec/README.md:3: row WS-3 has 2 cells"):
        parse_requirements(text)


def test_the_project_root_is_found_from_the_package() -> None:
    assert find_project_root() == PROJECT_ROOT


def test_the_project_coverage_file_is_well_formed() -> None:
    rules = {pack_id: pack.rule_ids() for pack_id, pack in load_packs().items()}
    matrix = load_matrix(COVERAGE_PATH, project_root=PROJECT_ROOT, policy_rules=rules)

    # Every reference resolves: code imports, tests exist, pack rules are real.
    assert [str(p) for p in matrix.problems] == []
    assert matrix.summary.total == 52
    ws28 = next(row for row in matrix.rows if row.requirement.id == "WS-28")
    assert ws28.status == "full"  # retention, exports, periodic reports and the portal too
    assert ws28.coverage is not None
    assert any("test_ledger_export" in t for t in ws28.coverage.tests)


# ---------------------------------------------------------------- coverage.toml

SPEC = """\
| ID | article | what the system must do |
|---|---|---|
| WS-3 | 第三条 | Every case carries a deadline. |
| WS-28 | 第二十八条 | A work ledger. |

| ID | what the system must do |
|---|---|
| GD-1 | A rapid-handling channel. |
"""
REQUIREMENTS = parse_requirements(SPEC)
SAMPLE_TESTS = """\
def test_one() -> None:
    pass


class TestGroup:
    def test_two(self) -> None:
        pass


async def test_three() -> None:
    pass
"""
CODE = "qinglang.compliance.requirements:parse_requirements"
TEST = "tests/unit/test_sample.py::test_one"


def entry(rid: str = "WS-3", /, **fields: object) -> str:
    values: dict[str, object] = {"status": "full", "code": [CODE], "tests": [TEST], **fields}
    lines = [f"[{rid}]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


def load(
    tmp_path: Path,
    coverage: str,
    *,
    root: bool = True,
    policy_rules: dict[str, set[str]] | None = None,
) -> Matrix:
    (tmp_path / "tests" / "unit").mkdir(parents=True, exist_ok=True)
    (tmp_path / "tests" / "unit" / "test_sample.py").write_text(SAMPLE_TESTS, encoding="utf-8")
    path = tmp_path / "coverage.toml"
    path.write_text(coverage, encoding="utf-8")
    return load_matrix(
        path,
        project_root=tmp_path if root else None,
        requirements=REQUIREMENTS,
        policy_rules=policy_rules,
    )


def problems(matrix: Matrix) -> list[str]:
    return [str(problem) for problem in matrix.problems]


def test_a_valid_entry_covers_its_requirement(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(note="all of it"))

    assert problems(matrix) == []
    assert [row.status for row in matrix.rows] == ["full", "uncovered", "uncovered"]
    assert matrix.rows[0].coverage is not None
    assert matrix.rows[0].coverage.code == (CODE,)
    assert matrix.summary.describe() == "1 of 3 requirement IDs covered (1 full); 2 uncovered"
    assert not matrix.summary.ok


def test_every_kind_of_reference_resolves(tmp_path: Path) -> None:
    coverage = entry(
        policy=["cac-ws-2023:ws-3-deadline"],
        code=[CODE, "qinglang.compliance.matrix:Summary.describe"],
        tests=[
            TEST,
            "tests/unit/test_sample.py::TestGroup::test_two",
            "tests/unit/test_sample.py::test_three",
        ],
    )

    matrix = load(tmp_path, coverage, policy_rules={"cac-ws-2023": {"ws-3-deadline"}})

    assert problems(matrix) == []


def test_unknown_requirement_id(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry("WS-30"))

    assert problems(matrix) == [
        "coverage.toml: WS-30: unknown requirement ID 'WS-30' (not in the spec); "
        "did you mean 'WS-3'?"
    ]
    assert matrix.summary.invalid == 1


def test_unknown_key(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(test=[TEST]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.test: unknown key; expected status, policy, code, tests, note"
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": 1}, 'WS-3.status: must be "partial" or "full", got an integer'),
        ({"code": CODE}, "WS-3.code: must be an array of strings, got a string"),
        ({"tests": [TEST, 7]}, "WS-3.tests[1]: must be a string, got an integer"),
        ({"note": ["x"]}, "WS-3.note: must be a string, got an array"),
    ],
)
def test_wrong_type(tmp_path: Path, fields: dict[str, object], expected: str) -> None:
    matrix = load(tmp_path, entry(**fields))

    assert problems(matrix)[0] == f"coverage.toml: {expected}"


def test_an_entry_that_is_not_a_table(tmp_path: Path) -> None:
    matrix = load(tmp_path, 'WS-3 = "full"\n')

    assert problems(matrix) == ["coverage.toml: WS-3: must be a table [WS-3], got a string"]
    assert matrix.rows[0].status == "uncovered"


def test_missing_or_unknown_status(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(status=None) + entry("WS-28", status="done"))

    assert problems(matrix) == [
        'coverage.toml: WS-3.status: missing; must be "partial" or "full"',
        'coverage.toml: WS-28.status: must be "partial" or "full", got \'done\'',
    ]
    assert [row.status for row in matrix.rows] == ["uncovered", "uncovered", "uncovered"]


def test_a_partial_entry_must_say_what_is_missing(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(status="partial"))

    assert problems(matrix) == [
        "coverage.toml: WS-3.note: missing; a partial entry must say what is missing"
    ]


def test_an_entry_covered_by_nothing(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(code=[], tests=[]))

    assert problems(matrix) == [
        "coverage.toml: WS-3: covered by nothing: needs a `policy` or `code` reference",
        "coverage.toml: WS-3.tests: empty; an entry needs at least one test",
    ]


def test_a_reference_listed_twice(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(code=[CODE, CODE]))

    assert problems(matrix) == [f"coverage.toml: WS-3.code[1]: '{CODE}' is listed twice"]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("qinglang.ledger.service.append", "is not of the form package.module:attribute"),
        ("os.path:join", "is outside the qinglang package"),
    ],
)
def test_a_malformed_code_reference(tmp_path: Path, reference: str, expected: str) -> None:
    matrix = load(tmp_path, entry(code=[reference]))

    assert problems(matrix) == [f"coverage.toml: WS-3.code[0]: {reference!r} {expected}"]
    assert matrix.problems[0].kind == "invalid"


def test_a_code_reference_whose_module_does_not_import(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(code=["qinglang.no_such_module:thing"]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.code[0]: module 'qinglang.no_such_module' does not import "
        "(ModuleNotFoundError: No module named 'qinglang.no_such_module')"
    ]
    assert matrix.problems[0].kind == "broken"
    assert matrix.rows[0].status == "full"  # still shown, with the broken reference marked
    assert matrix.summary.broken == 1
    assert not matrix.summary.ok


def test_a_code_reference_whose_attribute_does_not_exist(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(code=["qinglang.compliance.matrix:Summary.nothing"]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.code[0]: 'qinglang.compliance.matrix' has no attribute "
        "'Summary.nothing'"
    ]


def test_a_malformed_test_reference(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(tests=["../elsewhere/test_x.py::test_one"]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.tests[0]: '../elsewhere/test_x.py::test_one' "
        "is not of the form tests/…/file.py::test_name"
    ]


def test_a_test_reference_whose_file_does_not_exist(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(tests=["tests/unit/test_gone.py::test_one"]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.tests[0]: tests/unit/test_gone.py does not exist"
    ]
    assert matrix.problems[0].kind == "broken"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        (
            "tests/unit/test_sample.py::test_four",
            "tests/unit/test_sample.py has no `def test_four`",
        ),
        (
            "tests/unit/test_sample.py::test_two",
            "tests/unit/test_sample.py has no `def test_two`",
        ),
        (
            "tests/unit/test_sample.py::TestGroup::test_one",
            "`class TestGroup` in tests/unit/test_sample.py has no `def test_one`",
        ),
        (
            "tests/unit/test_sample.py::TestOther::test_two",
            "tests/unit/test_sample.py has no `class TestOther`",
        ),
    ],
)
def test_a_test_reference_whose_function_does_not_exist(
    tmp_path: Path, reference: str, expected: str
) -> None:
    matrix = load(tmp_path, entry(tests=[reference]))

    assert problems(matrix) == [f"coverage.toml: WS-3.tests[0]: {expected}"]


def test_a_test_named_only_in_a_comment_does_not_count(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fake.py").write_text("# def test_claimed(): ...\n")

    matrix = load(tmp_path, entry(tests=["tests/test_fake.py::test_claimed"]))

    assert problems(matrix) == [
        "coverage.toml: WS-3.tests[0]: tests/test_fake.py has no `def test_claimed`"
    ]


def test_test_references_are_unchecked_without_a_project_root(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry(tests=["tests/unit/test_gone.py::test_one"]), root=False)

    assert [p.kind for p in matrix.problems] == ["unchecked"]
    assert "not checked" in problems(matrix)[0]
    assert matrix.summary.unchecked == 1
    assert matrix.summary.broken == 0


@pytest.mark.parametrize(
    ("reference", "packs", "expected"),
    [
        ("CAC WS", {}, "'CAC WS' is not of the form pack-id:rule-id"),
        ("cac-ws-2023:r1", {}, "unknown policy pack 'cac-ws-2023' (known: none, no policy"),
        ("cac-ws-2023:r9", {"cac-ws-2023": {"r1"}}, "policy pack 'cac-ws-2023' has no rule 'r9'"),
    ],
)
def test_a_bad_policy_reference(
    tmp_path: Path, reference: str, packs: dict[str, set[str]], expected: str
) -> None:
    matrix = load(tmp_path, entry(policy=[reference]), policy_rules=packs)

    [problem] = problems(matrix)
    assert problem.startswith(f"coverage.toml: WS-3.policy[0]: {expected}")


def test_a_file_that_is_not_toml(tmp_path: Path) -> None:
    matrix = load(tmp_path, "[WS-3\nstatus = 1\n")

    [problem] = problems(matrix)
    assert problem.startswith("coverage.toml: not valid TOML: ")
    assert matrix.summary.uncovered == 3


def test_a_missing_file(tmp_path: Path) -> None:
    matrix = load_matrix(tmp_path / "none.toml", project_root=tmp_path, requirements=REQUIREMENTS)

    assert problems(matrix) == ["none.toml: file not found"]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    coverage = entry("WS-3", status="half", extra=1) + entry(
        "GD-1", code=["qinglang.nowhere:x"], tests=["tests/unit/test_sample.py::test_nine"]
    )

    matrix = load(tmp_path, coverage)

    assert [p.where for p in matrix.problems] == [
        "WS-3.extra",
        "WS-3.status",
        "GD-1.code[0]",
        "GD-1.tests[0]",
    ]
    assert [p.requirement_id for p in matrix.problems] == ["WS-3", "WS-3", "GD-1", "GD-1"]
    assert matrix.summary.describe() == (
        "1 of 3 requirement IDs covered (1 full); 2 uncovered; "
        "2 coverage-file errors; 2 broken references"
    )


# ---------------------------------------------------------------- the command


def _app(command: Callable[..., None]) -> typer.Typer:
    app = typer.Typer()
    app.command("compliance")(command)

    @app.command("other")
    def other() -> None:  # a second command, so `compliance` is a subcommand
        """Nothing."""

    return app


def _full_matrix(tmp_path: Path) -> Matrix:
    return load(
        tmp_path, entry("WS-3") + entry("WS-28") + entry("GD-1", status="partial", note="x")
    )


def test_the_command_fails_while_ids_are_uncovered() -> None:
    result = CliRunner().invoke(_app(compliance), ["compliance"])

    assert result.exit_code == 1
    assert re.search(
        r"^\d+ of 52 requirement IDs covered( \(.*\))?; \d+ uncovered", result.stdout, re.M
    )
    assert "WS-28" in result.stdout


def test_the_command_passes_when_everything_is_covered(tmp_path: Path) -> None:
    matrix = _full_matrix(tmp_path)

    result = CliRunner().invoke(_app(compliance_command(lambda: matrix)), ["compliance"])

    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(
        "3 of 3 requirement IDs covered (2 full, 1 partial); 0 uncovered"
    )


def test_the_command_fails_on_a_broken_reference_even_when_all_ids_are_covered(
    tmp_path: Path,
) -> None:
    matrix = load(
        tmp_path,
        entry("WS-3") + entry("WS-28") + entry("GD-1", tests=["tests/unit/test_sample.py::test_x"]),
    )

    result = CliRunner().invoke(_app(compliance_command(lambda: matrix)), ["compliance"])

    assert result.exit_code == 1
    assert "broken: coverage.toml: GD-1.tests[0]" in result.output
    assert "3 of 3 requirement IDs covered (3 full); 0 uncovered; 1 broken reference" in (
        result.stdout
    )


def test_the_command_prints_json(tmp_path: Path) -> None:
    matrix = load(tmp_path, entry("WS-3", code=["qinglang.nowhere:x"]))

    result = CliRunner().invoke(_app(compliance_command(lambda: matrix)), ["compliance", "--json"])

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) == {"requirements", "summary", "problems"}
    assert [r["id"] for r in data["requirements"]] == ["WS-3", "WS-28", "GD-1"]
    assert data["requirements"][0]["article"] == "第三条"
    assert data["requirements"][0]["status"] == "full"
    assert data["requirements"][1]["status"] == "uncovered"
    assert data["summary"]["uncovered"] == 2
    assert data["summary"]["broken"] == 1
    assert data["summary"]["ok"] is False
    assert data["problems"][0]["kind"] == "broken"
    assert data["problems"][0]["where"] == "WS-3.code[0]"


def test_report_returns_the_exit_code(tmp_path: Path) -> None:
    assert report(_full_matrix(tmp_path), json_output=True) == 0
