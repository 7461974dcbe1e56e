"""The name check's quality targets on the evaluation set (scripts/evaluate_detect.py)."""

from __future__ import annotations

import pytest

from qinglang.detect.registry import load_registry
from tests.detect_eval import evaluate

KINDS = ["traditional", "width", "noise", "shape", "homophone", "pinyin", "initials", "mixture"]


@pytest.fixture(scope="module")
def evaluation():  # type: ignore[no-untyped-def]
    return evaluate(load_registry())


@pytest.mark.parametrize("kind", KINDS)
def test_recall_is_at_least_95_percent_for_each_variant_kind(evaluation, kind: str) -> None:  # type: ignore[no-untyped-def]
    results, _negative = evaluation
    result = results[kind]
    assert result.total >= 50, f"too few {kind} cases to measure"
    assert result.recall >= 0.95, result.misses[:10]
    assert result.precision >= 0.95


def test_ordinary_names_are_refused_less_than_half_a_percent_of_the_time(evaluation) -> None:  # type: ignore[no-untyped-def]
    _results, negative = evaluation
    assert negative.total >= 2000
    assert negative.refuse_rate < 0.005, negative.refused[:10]
