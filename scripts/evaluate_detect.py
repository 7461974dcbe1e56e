"""Print the name check's recall and precision per variant kind, and its false refusals.

    .venv/bin/python scripts/evaluate_detect.py [--misses]

Targets (issue 4): recall >= 95% for each variant kind; ``refuse`` on fewer than 0.5%
of the negative set. The same numbers are held by tests/unit/test_detect_evaluation.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.detect_eval import evaluate

from qinglang.detect.registry import load_registry


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list what was missed or refused")
    args = parser.parse_args()
    results, negative = evaluate(load_registry())
    print(f"{'variant kind':<14}{'cases':>7}{'recall':>9}{'precision':>11}")
    for result in results.values():
        print(f"{result.kind:<14}{result.total:>7}{result.recall:>9.1%}{result.precision:>11.1%}")
    print(
        f"negative set: {negative.total} ordinary names and sentences; "
        f"refuse {negative.refuse_rate:.2%} (target < 0.5%), review {negative.review_rate:.2%}"
    )
    if args.misses:
        for result in results.values():
            for miss in result.misses:
                print(f"missed [{result.kind}]: {miss}")
        for line in negative.refused:
            print(f"refused ordinary: {line}")
        for line in negative.reviewed:
            print(f"reviewed ordinary: {line}")


if __name__ == "__main__":
    main()
