"""``qinglang compliance``: the compliance matrix as a table or as JSON.

Exits 1 when a requirement ID is uncovered, an entry of ``coverage.toml`` is
invalid or a reference in it is broken; 0 otherwise.
"""

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qinglang.cli.context import err, out
from qinglang.compliance import Matrix, Row, default_matrix
from qinglang.policy import load_packs

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object (requirements, summary, problems) instead of a table.",
    ),
]

_TEXT_WIDTH = 60
_STATUS_STYLES = {"full": "green", "partial": "yellow", "uncovered": "red"}
_PROBLEM_STYLES = {"invalid": "red", "broken": "red", "unchecked": "yellow"}


def _shorten(text: str, width: int = _TEXT_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _references(row: Row, references: tuple[str, ...]) -> Text:
    marked = {problem.reference: problem.kind for problem in row.problems if problem.reference}
    cell = Text()
    for index, reference in enumerate(references):
        if index:
            cell.append("\n")
        kind = marked.get(reference)
        if kind is None:
            cell.append(reference)
        else:
            cell.append(f"{reference} ({kind})", style=_PROBLEM_STYLES[kind])
    return cell


def _table(matrix: Matrix) -> Table:
    table = Table(title="Compliance matrix", show_lines=True)
    for name in ("ID", "article", "requirement", "status", "policy", "code", "tests"):
        table.add_column(name, no_wrap=name in ("ID", "status"), overflow="fold")
    for row in matrix.rows:
        coverage = row.coverage
        table.add_row(
            row.requirement.id,
            row.requirement.article or "",
            _shorten(row.requirement.text),
            Text(row.status, style=_STATUS_STYLES[row.status]),
            _references(row, coverage.policy if coverage else ()),
            _references(row, coverage.code if coverage else ()),
            _references(row, coverage.tests if coverage else ()),
        )
    return table


def report(
    matrix: Matrix, *, json_output: bool, stdout: Console = out, stderr: Console = err
) -> int:
    """Print ``matrix`` as a table, its problems and a summary line, or as JSON.

    Returns the exit code: 1 unless every ID is covered and nothing is wrong.
    """
    if json_output:
        typer.echo(json.dumps(matrix.as_dict(), ensure_ascii=False, indent=2))
    else:
        stdout.print(_table(matrix))
        for problem in matrix.problems:
            line = Text(f"{problem.kind}: {problem}", style=_PROBLEM_STYLES[problem.kind])
            stderr.print(line, soft_wrap=True)
        stdout.print(Text(matrix.summary.describe()), soft_wrap=True)
    return 0 if matrix.summary.ok else 1


def compliance_command(load: Callable[[], Matrix]) -> Callable[[bool], None]:
    """A ``compliance`` command that reports the matrix ``load()`` returns."""

    def compliance(json_output: JsonOption = False) -> None:
        """Print every requirement ID with the policy rules, code and tests that cover it.

        Exits 1 when an ID is uncovered or a reference in the matrix is broken.
        """
        code = report(load(), json_output=json_output)
        if code:
            raise typer.Exit(code)

    return compliance


def _project_matrix() -> Matrix:
    """The packaged matrix, with the shipped packs' rule ids to resolve policy references."""
    packs = load_packs()
    return default_matrix(policy_rules={pid: pack.rule_ids() for pid, pack in packs.items()})


compliance = compliance_command(_project_matrix)
