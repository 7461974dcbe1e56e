"""Policy packs: the rules of one published text as data, loaded and validated in full.

Pure: no database, no web. A pack states, with article references, the categories,
subtypes, acceptance items and evidence rules of a text, and its disposal rules:
facts, conditions, measures, rules and grading. Every error found at load names the
file, the path inside it and what is wrong, all at once. ``evaluate(pack, facts)``
turns a case's facts into a :class:`Decision` (measures, basis, requirements, trace).
"""

from qinglang.policy.engine import Decision, Measure, TraceStep, evaluate, requires_approval
from qinglang.policy.facts import CaseFacts, case_facts_from_json
from qinglang.policy.loader import PackError, load_pack, load_packs, packs_dir
from qinglang.policy.model import (
    AcceptanceItem,
    Category,
    EvidenceType,
    Pack,
    Subtype,
)

__all__ = [
    "AcceptanceItem",
    "CaseFacts",
    "Category",
    "Decision",
    "EvidenceType",
    "Measure",
    "Pack",
    "PackError",
    "Subtype",
    "TraceStep",
    "case_facts_from_json",
    "evaluate",
    "load_pack",
    "load_packs",
    "packs_dir",
    "requires_approval",
]
