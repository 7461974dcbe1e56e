"""The compliance matrix: every spec requirement ID and the rules, code and tests covering it."""

from qinglang.compliance.matrix import (
    COVERAGE_PATH,
    Coverage,
    Matrix,
    Problem,
    ProblemKind,
    Row,
    Status,
    Summary,
    default_matrix,
    find_project_root,
    load_matrix,
)
from qinglang.compliance.requirements import (
    SPEC_PATH,
    Requirement,
    load_requirements,
    parse_requirements,
)

__all__ = [
    "COVERAGE_PATH",
    "SPEC_PATH",
    "Coverage",
    "Matrix",
    "Problem",
    "ProblemKind",
    "Requirement",
    "Row",
    "Status",
    "Summary",
    "default_matrix",
    "find_project_root",
    "load_matrix",
    "load_requirements",
    "parse_requirements",
]
