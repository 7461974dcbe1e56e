"""The compliance matrix: ``coverage.toml`` validated in full against the spec and the code.

Each table of ``coverage.toml`` is named by a requirement ID and says how it is
covered::

    [WS-28]
    status = "partial"                       # "partial" or "full"
    policy = ["cac-ws-2023:ws-28-ledger"]    # pack-id:rule-id
    code = ["qinglang.ledger.service:append"]  # importable module:attribute
    tests = ["tests/integration/test_ledger.py::test_append_chains_entries_in_order"]
    note = "what is covered, and for a partial entry what is missing"

Every entry needs at least one ``policy`` or ``code`` reference and at least one
test. Every reference is resolved: a code reference is imported and its attribute
looked up; a test reference must name a file under the project root that defines
the test function (read with :mod:`ast`, never run); a policy reference must name
a rule of a loaded pack. All problems are collected, each naming the file, the
key path and what is wrong.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from qinglang.compliance.requirements import Requirement, load_requirements

COVERAGE_PATH = Path(__file__).with_name("coverage.toml")
STATUSES = ("partial", "full")
KEYS = ("status", "policy", "code", "tests", "note")
LIST_KEYS = ("policy", "code", "tests")

Status = Literal["partial", "full"]
ProblemKind = Literal["invalid", "broken", "unchecked"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_CODE = re.compile(rf"^(?P<module>{_NAME}(?:\.{_NAME})*):(?P<attribute>{_NAME}(?:\.{_NAME})*)$")
_TEST = re.compile(
    rf"^(?P<path>tests/(?:[\w-][\w.-]*/)*[\w-]+\.py)::(?:(?P<cls>{_NAME})::)?(?P<name>test\w*)$"
)
_POLICY = re.compile(r"^(?P<pack>[a-z0-9][a-z0-9.-]*):(?P<rule>[A-Za-z0-9][\w.-]*)$")
_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    list: "an array",
    dict: "a table",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: ``file`` and the key path ``where`` (``WS-28.code[1]``).

    ``invalid``: the entry breaks the file's schema; ``broken``: a reference does
    not resolve; ``unchecked``: a reference could not be checked here.
    """

    kind: ProblemKind
    file: str
    where: str
    message: str
    requirement_id: str | None = None
    reference: str | None = None

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.where, self.message) if part)


@dataclass(frozen=True, slots=True)
class Coverage:
    requirement_id: str
    status: Status
    policy: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    requirement: Requirement
    coverage: Coverage | None
    problems: tuple[Problem, ...] = ()

    @property
    def status(self) -> Literal["partial", "full", "uncovered"]:
        return "uncovered" if self.coverage is None else self.coverage.status


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    covered: int
    full: int
    partial: int
    uncovered: int
    invalid: int
    broken: int
    unchecked: int

    @property
    def ok(self) -> bool:
        """True when every ID is covered and no entry or reference is wrong."""
        return self.uncovered == 0 and self.invalid == 0 and self.broken == 0

    def describe(self) -> str:
        """One line, e.g. ``3 of 52 requirement IDs covered (3 partial); 49 uncovered``."""
        kinds = [f"{n} {kind}" for n, kind in ((self.full, "full"), (self.partial, "partial")) if n]
        line = f"{self.covered} of {self.total} requirement IDs covered"
        line += f" ({', '.join(kinds)})" if kinds else ""
        line += f"; {self.uncovered} uncovered"
        for count, one, many in (
            (self.invalid, "coverage-file error", "coverage-file errors"),
            (self.broken, "broken reference", "broken references"),
            (self.unchecked, "unchecked reference", "unchecked references"),
        ):
            line += f"; {count} {one if count == 1 else many}" if count else ""
        return line


@dataclass(frozen=True, slots=True)
class Matrix:
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...]
    summary: Summary

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``qinglang compliance --json``."""
        return {
            "requirements": [_row_dict(row) for row in self.rows],
            "summary": {**asdict(self.summary), "ok": self.summary.ok},
            "problems": [{**asdict(problem), "text": str(problem)} for problem in self.problems],
        }


def _row_dict(row: Row) -> dict[str, Any]:
    coverage = row.coverage
    return {
        "id": row.requirement.id,
        "family": row.requirement.family,
        "article": row.requirement.article,
        "text": row.requirement.text,
        "status": row.status,
        "policy": list(coverage.policy) if coverage else [],
        "code": list(coverage.code) if coverage else [],
        "tests": list(coverage.tests) if coverage else [],
        "note": coverage.note if coverage else None,
        "problems": [str(problem) for problem in row.problems],
    }


def find_project_root() -> Path | None:
    """The source checkout holding this package (``<root>/src/qinglang``), if there is one.

    None for an installed wheel: its tests are not beside it.
    """
    package = Path(__file__).resolve().parent.parent
    root = package.parent.parent
    if package.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def _toml_type(value: object) -> str:
    return _TOML_TYPES.get(type(value), f"a {type(value).__name__}")


@dataclass
class _Checker:
    file: str
    project_root: Path | None
    policy_rules: Mapping[str, Collection[str]]
    problems: list[Problem] = field(default_factory=list)
    modules: dict[str, object] = field(default_factory=dict)
    test_files: dict[str, ast.Module | str] = field(default_factory=dict)

    def add(self, kind: ProblemKind, where: str, message: str, ref: str | None = None) -> None:
        rid = re.split(r"[.\[]", where, maxsplit=1)[0] or None
        self.problems.append(Problem(kind, self.file, where, message, rid, ref))

    def read(self, path: Path) -> dict[str, Any]:
        try:
            with path.open("rb") as handle:
                return tomllib.load(handle)
        except FileNotFoundError:
            self.add("invalid", "", "file not found")
        except tomllib.TOMLDecodeError as error:
            self.add("invalid", "", f"not valid TOML: {error}")
        return {}

    def entry(self, rid: str, value: object, known: Sequence[str]) -> Coverage | None:
        if rid not in known:
            close = difflib.get_close_matches(rid, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add("invalid", rid, f"unknown requirement ID {rid!r} (not in the spec){hint}")
            return None
        if not isinstance(value, dict):
            self.add("invalid", rid, f"must be a table [{rid}], got {_toml_type(value)}")
            return None
        for key in value:
            if key not in KEYS:
                self.add("invalid", f"{rid}.{key}", f"unknown key; expected {', '.join(KEYS)}")
        lists = {key: self.strings(f"{rid}.{key}", value.get(key, [])) for key in LIST_KEYS}
        note = value.get("note", "")
        if not isinstance(note, str):
            self.add("invalid", f"{rid}.note", f"must be a string, got {_toml_type(note)}")
            note = ""
        status = value.get("status")
        if status is None:
            self.add("invalid", f"{rid}.status", 'missing; must be "partial" or "full"')
        elif status not in STATUSES:
            shown = repr(status) if isinstance(status, str) else _toml_type(status)
            self.add("invalid", f"{rid}.status", f'must be "partial" or "full", got {shown}')
        elif status == "partial" and not note.strip():
            self.add("invalid", f"{rid}.note", "missing; a partial entry must say what is missing")
        if not lists["policy"] and not lists["code"]:
            self.add("invalid", rid, "covered by nothing: needs a `policy` or `code` reference")
        if not lists["tests"]:
            self.add("invalid", f"{rid}.tests", "empty; an entry needs at least one test")
        for key, check in (("policy", self.policy), ("code", self.code), ("tests", self.test)):
            for index, reference in enumerate(lists[key]):
                check(f"{rid}.{key}[{index}]", reference)
        if status not in STATUSES:
            return None
        return Coverage(rid, status, lists["policy"], lists["code"], lists["tests"], note)

    def strings(self, where: str, value: object) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.add("invalid", where, f"must be an array of strings, got {_toml_type(value)}")
            return ()
        kept: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.add(
                    "invalid", f"{where}[{index}]", f"must be a string, got {_toml_type(item)}"
                )
            elif item in kept:
                self.add("invalid", f"{where}[{index}]", f"{item!r} is listed twice", item)
            else:
                kept.append(item)
        return tuple(kept)

    def policy(self, where: str, ref: str) -> None:
        match = _POLICY.match(ref)
        if match is None:
            self.add("invalid", where, f"{ref!r} is not of the form pack-id:rule-id", ref)
            return
        pack, rule = match["pack"], match["rule"]
        rules = self.policy_rules.get(pack)
        if rules is None:
            known = ", ".join(sorted(self.policy_rules)) or "none, no policy packs are loaded"
            self.add("broken", where, f"unknown policy pack {pack!r} (known: {known})", ref)
        elif rule not in rules:
            self.add("broken", where, f"policy pack {pack!r} has no rule {rule!r}", ref)

    def code(self, where: str, ref: str) -> None:
        match = _CODE.match(ref)
        if match is None:
            self.add("invalid", where, f"{ref!r} is not of the form package.module:attribute", ref)
            return
        module_name, attribute = match["module"], match["attribute"]
        if module_name != "qinglang" and not module_name.startswith("qinglang."):
            self.add("invalid", where, f"{ref!r} is outside the qinglang package", ref)
            return
        if module_name not in self.modules:
            try:
                self.modules[module_name] = importlib.import_module(module_name)
            except Exception as error:
                self.modules[module_name] = f"{type(error).__name__}: {error}"
        target = self.modules[module_name]
        if isinstance(target, str):
            self.add("broken", where, f"module {module_name!r} does not import ({target})", ref)
            return
        for part in attribute.split("."):
            if not hasattr(target, part):
                self.add("broken", where, f"{module_name!r} has no attribute {attribute!r}", ref)
                return
            target = getattr(target, part)

    def test(self, where: str, ref: str) -> None:
        match = _TEST.match(ref)
        if match is None:
            self.add(
                "invalid", where, f"{ref!r} is not of the form tests/…/file.py::test_name", ref
            )
            return
        if self.project_root is None:
            message = "not checked: the project's tests are not available (installed package)"
            self.add("unchecked", where, message, ref)
            return
        path, cls, name = match["path"], match["cls"], match["name"]
        tree = self.parse(self.project_root, path)
        if isinstance(tree, str):
            self.add("broken", where, f"{path} {tree}", ref)
            return
        body: list[ast.stmt] = tree.body
        if cls is not None:
            classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == cls]
            if not classes:
                self.add("broken", where, f"{path} has no `class {cls}`", ref)
                return
            body = classes[0].body
        functions = (ast.FunctionDef, ast.AsyncFunctionDef)
        if not any(isinstance(n, functions) and n.name == name for n in body):
            owner = f"`class {cls}` in {path}" if cls else path
            self.add("broken", where, f"{owner} has no `def {name}`", ref)

    def parse(self, root: Path, path: str) -> ast.Module | str:
        if path not in self.test_files:
            file = root / path
            try:
                self.test_files[path] = ast.parse(file.read_text(encoding="utf-8"), str(file))
            except FileNotFoundError:
                self.test_files[path] = "does not exist"
            except (OSError, SyntaxError, ValueError) as error:
                self.test_files[path] = f"cannot be read: {type(error).__name__}: {error}"
        return self.test_files[path]


def _display(path: Path, project_root: Path | None) -> str:
    if project_root is not None:
        try:
            return path.resolve().relative_to(project_root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def load_matrix(
    coverage_path: Path,
    *,
    project_root: Path | None,
    requirements: Sequence[Requirement] | None = None,
    policy_rules: Mapping[str, Collection[str]] | None = None,
) -> Matrix:
    """Validate ``coverage_path`` in full and build one row per requirement.

    ``project_root`` locates test references (None: report them as unchecked);
    ``requirements`` defaults to the packaged spec; ``policy_rules`` maps each
    loaded pack ID to its rule IDs (none loaded: every policy reference is broken).
    """
    spec = tuple(requirements) if requirements is not None else load_requirements()
    checker = _Checker(_display(coverage_path, project_root), project_root, policy_rules or {})
    known = [requirement.id for requirement in spec]
    coverages: dict[str, Coverage] = {}
    for rid, value in checker.read(coverage_path).items():
        coverage = checker.entry(rid, value, known)
        if coverage is not None:
            coverages[rid] = coverage
    problems = tuple(checker.problems)
    rows = tuple(
        Row(r, coverages.get(r.id), tuple(p for p in problems if p.requirement_id == r.id))
        for r in spec
    )
    statuses = [row.status for row in rows]
    kinds = [problem.kind for problem in problems]
    summary = Summary(
        total=len(rows),
        covered=len(rows) - statuses.count("uncovered"),
        full=statuses.count("full"),
        partial=statuses.count("partial"),
        uncovered=statuses.count("uncovered"),
        invalid=kinds.count("invalid"),
        broken=kinds.count("broken"),
        unchecked=kinds.count("unchecked"),
    )
    return Matrix(rows, problems, summary)


def default_matrix(*, policy_rules: Mapping[str, Collection[str]] | None = None) -> Matrix:
    """The project's matrix: the packaged ``coverage.toml`` against the packaged spec."""
    return load_matrix(COVERAGE_PATH, project_root=find_project_root(), policy_rules=policy_rules)
