"""Policy packs: the rules of one published text as data, loaded and validated in full.

Pure: no database, no web. A pack states, with article references, the categories,
subtypes, acceptance items and evidence rules of a text (and, as they land, its
grading, conditions and measures). Every error found at load names the file, the
path inside it and what is wrong, all at once.
"""

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
    "Category",
    "EvidenceType",
    "Pack",
    "PackError",
    "Subtype",
    "load_pack",
    "load_packs",
    "packs_dir",
]
