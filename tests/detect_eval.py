"""The name-check evaluation: protected names through variant generators, and ordinary names.

Used by ``scripts/evaluate_detect.py`` (prints the table) and by the test that holds
the targets (recall >= 95% for each variant kind; ``refuse`` on < 0.5% of negatives).
Deterministic: every random choice comes from a seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import opencc
from pypinyin import Style, lazy_pinyin

from qinglang.detect.names import Verdict, check_name
from qinglang.detect.registry import FUZZY_NAME_LENGTH, INITIALS_MIN, NameRegistry
from qinglang.detect.variants import default_variant_tables

NEGATIVES = Path(__file__).parent / "data" / "negative_names.txt"
NOISE = [" ", "·", "*", "☆", "_", "-", "\u200b", "😀", "🔥", "❤", "～", "｜", ".", "、"]
WRAPS = [("", ""), ("", "官方"), ("", "小站"), ("我是", ""), ("", "的粉丝"), ("正宗", "")]
TO_TRADITIONAL = opencc.OpenCC("s2t")
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))} | {" ": "\u3000"}


@dataclass
class KindResult:
    kind: str
    total: int = 0
    caught: int = 0  # refused, naming the right protected name
    wrong_name: int = 0  # refused, naming another name
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.total if self.total else 1.0

    @property
    def precision(self) -> float:
        refused = self.caught + self.wrong_name
        return self.caught / refused if refused else 1.0


@dataclass
class NegativeResult:
    total: int = 0
    refused: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)

    @property
    def refuse_rate(self) -> float:
        return len(self.refused) / self.total

    @property
    def review_rate(self) -> float:
        return len(self.reviewed) / self.total


def _swap_one(form: str, table: dict[str, list[str]], rng: random.Random) -> str | None:
    spots = [i for i, c in enumerate(form) if len(table.get(c, [])) > 1]
    if not spots:
        return None
    i = rng.choice(spots)
    options = [c for c in table[form[i]] if c != form[i]]
    return form[:i] + rng.choice(options[:8]) + form[i + 1 :]


def _noise(form: str, rng: random.Random) -> str:
    chars = list(form)
    for _ in range(rng.randint(1, min(3, len(chars) - 1) or 1)):
        at = rng.randint(1, len(chars) - 1) if len(chars) > 1 else 1
        chars.insert(at, rng.choice(NOISE))
    if rng.random() < 0.3:
        i = rng.randrange(len(form))
        chars.insert(chars.index(form[i]) + 1, form[i])  # a repeated character
    return "".join(chars)


def generators(rng: random.Random) -> dict[str, Callable[[str], str | None]]:
    tables = default_variant_tables()
    shapes: dict[str, list[str]] = {}
    for member, rep in tables.shape.items():
        shapes.setdefault(rep, [rep]).append(member)
    shape_of = {c: members for members in shapes.values() for c in members}
    sounds: dict[str, list[str]] = {}
    for char, rep in tables.homophone.items():
        if len(sounds.setdefault(rep, [])) < 12 and "\u4e00" <= char <= "\u9fff":
            sounds[rep].append(char)
    sound_of = {c: sounds[rep] for c, rep in tables.homophone.items() if rep in sounds}

    def traditional(form: str) -> str | None:
        converted = TO_TRADITIONAL.convert(form)
        return converted if converted != form else None

    def initials(form: str) -> str | None:
        if len(form) < INITIALS_MIN or not all("\u4e00" <= c <= "\u9fff" for c in form):
            return None
        return "".join(lazy_pinyin(form, style=Style.FIRST_LETTER))

    def pinyin(form: str) -> str | None:
        if not all("\u4e00" <= c <= "\u9fff" for c in form):
            return None
        return "".join(lazy_pinyin(form))

    def width(form: str) -> str | None:
        latin = form if form.isascii() else initials(form)
        return "".join(FULL_WIDTH.get(c, c) for c in latin) if latin else None

    def mixed(form: str) -> str | None:
        base = traditional(form) or _swap_one(form, shape_of, rng) or form
        return _noise(base, rng)

    return {
        "traditional": traditional,
        "width": width,
        "noise": lambda form: _noise(form, rng),
        "shape": lambda form: _swap_one(form, shape_of, rng),
        "homophone": lambda form: _swap_one(form, sound_of, rng),
        "pinyin": pinyin,
        "initials": initials,
        "mixture": mixed,
    }


def positives(registry: NameRegistry, seed: int = 20231124) -> Iterator[tuple[str, str, str]]:
    """(kind, protected name, variant) for every protected form each generator applies to."""
    rng = random.Random(seed)
    for kind, make in generators(rng).items():
        for entry in registry.names:
            for form in entry.forms:
                fuzzy_kind = kind in {"shape", "homophone", "pinyin", "initials"}
                if fuzzy_kind and len(form) < FUZZY_NAME_LENGTH:
                    continue  # short forms are protected only exactly (see registry.py)
                variant = make(form)
                if variant is None or variant == form:
                    continue
                prefix, suffix = rng.choice(WRAPS)
                yield kind, entry.name, f"{prefix}{variant}{suffix}"


def evaluate(registry: NameRegistry) -> tuple[dict[str, KindResult], NegativeResult]:
    results: dict[str, KindResult] = {}
    for kind, name, variant in positives(registry):
        result = results.setdefault(kind, KindResult(kind))
        result.total += 1
        check = check_name(variant, registry=registry)
        named = {r.matched for r in check.reasons if r.verdict is Verdict.REFUSE}
        if name in named:
            result.caught += 1
        elif named:
            result.wrong_name += 1
        else:
            result.misses.append(variant)
    negative = NegativeResult()
    for line in NEGATIVES.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        negative.total += 1
        verdict = check_name(line, registry=registry).verdict
        if verdict is Verdict.REFUSE:
            negative.refused.append(line)
        elif verdict is Verdict.REVIEW:
            negative.reviewed.append(line)
    return results, negative
