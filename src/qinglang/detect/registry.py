"""The name-check registry (SM-1): specific protected names, protected kinds, divisions.

Data in ``data/registry/`` (sources noted in each file): ``protected_names.toml``,
``protected_kinds.toml`` and ``divisions.tsv`` (scripts/build_divisions.py). The
platform adds its own verified official accounts and the enterprises registered
through the enterprise zone with :meth:`NameRegistry.with_verified`; a verified owner
is allowed its own name.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from qinglang.detect.lexicon import Lexicon, Term
from qinglang.detect.matcher import Matcher

REGISTRY_DIR = Path(__file__).parent / "data" / "registry"
CATEGORIES = frozenset(
    {
        "party",
        "state",
        "legislature",
        "judicial",
        "procuratorate",
        "military",
        "media",
        "organisation",
        "platform_official",
        "enterprise",
    }
)
DIVISION_KIND = "administrative_division"
NAME_KIND = "protected_name"
# Kind words shorter than this match only exactly or through traditional, width and
# noise forms: two-character homophones and look-alikes of 老师, 公安 … are ordinary words.
FUZZY_KIND_WORD_LENGTH = 3
INITIALS_MIN = 4
# Protected forms shorter than this (央视, 央行, 中办 …) match only exactly or through
# traditional, width and noise forms: their homophones are everyday words (样式, 银行).
FUZZY_NAME_LENGTH = 3


class RegistryError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class ProtectedName:
    name: str
    aliases: tuple[str, ...]
    category: str
    owner: str | None = None  # the platform account or subject allowed to use it

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class ProtectedKind:
    code: str
    label_zh: str
    label_en: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    level: str
    name: str
    short_name: str


@dataclass(frozen=True)
class NameRegistry:
    names: tuple[ProtectedName, ...]
    kinds: tuple[ProtectedKind, ...]
    divisions: tuple[Division, ...]
    sources: tuple[str, ...] = field(default=(), compare=False)

    def with_verified(self, verified: Iterable[ProtectedName]) -> NameRegistry:
        """A registry that also protects these names (and allows each to its owner)."""
        return replace(self, names=(*self.names, *verified))

    @cached_property
    def specific(self) -> Matcher:
        terms = [
            Term(
                term=form,
                kind=NAME_KIND,
                tags=_tags(entry),
                fuzzy=len(form) >= FUZZY_NAME_LENGTH,
                pinyin=len(form) >= FUZZY_NAME_LENGTH,
            )
            for entry in self.names
            for form in entry.forms
        ]
        return Matcher.compile(
            Lexicon(name="protected-names", terms=tuple(terms), kinds=(NAME_KIND,)),
            min_initials_length=INITIALS_MIN,
        )

    @cached_property
    def protected_kinds(self) -> Matcher:
        terms = [
            Term(term=word, kind=kind.code, fuzzy=len(word) >= FUZZY_KIND_WORD_LENGTH, pinyin=False)
            for kind in self.kinds
            for word in kind.words
        ]
        names = {d.name for d in self.divisions} | {
            d.short_name for d in self.divisions if d.short_name
        }
        terms += [
            Term(term=n, kind=DIVISION_KIND, fuzzy=False, pinyin=False) for n in sorted(names)
        ]
        kinds = (*(k.code for k in self.kinds), DIVISION_KIND)
        return Matcher.compile(Lexicon(name="protected-kinds", terms=tuple(terms), kinds=kinds))

    def kind(self, code: str) -> ProtectedKind | None:
        return next((k for k in self.kinds if k.code == code), None)


def _tags(entry: ProtectedName) -> tuple[str, ...]:
    tags = (f"name:{entry.name}", f"category:{entry.category}")
    return (*tags, f"owner:{entry.owner}") if entry.owner else tags


def tag_value(tags: Iterable[str], key: str) -> str | None:
    prefix = f"{key}:"
    return next((t[len(prefix) :] for t in tags if t.startswith(prefix)), None)


def _read_toml(path: Path, problems: list[str]) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{path.name}: cannot be read: {exc}")
        return {}


def _strings(value: object, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def _text(table: dict[str, object], key: str, where: str, problems: list[str]) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}.{key}: required, a non-empty string")
        return ""
    return value.strip()


def _tables(path: Path, key: str, problems: list[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """Each table of the array ``key`` in a TOML file, with where it is, for messages."""
    entries = _read_toml(path, problems).get(key, [])
    if not isinstance(entries, list):
        problems.append(f"{path.name}: {key}: must be an array of tables")
        return
    for i, entry in enumerate(entries):
        where = f"{path.name}: {key}[{i}]"
        if isinstance(entry, dict):
            yield where, entry
        else:
            problems.append(f"{where}: must be a table")


def _names(path: Path, problems: list[str]) -> tuple[ProtectedName, ...]:
    out: list[ProtectedName] = []
    for where, entry in _tables(path, "name", problems):
        unknown = set(entry) - {"name", "aliases", "category"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        category = _text(entry, "category", where, problems)
        if category and category not in CATEGORIES:
            problems.append(f"{where}.category: {category!r} is not one of {sorted(CATEGORIES)}")
        out.append(
            ProtectedName(
                name=_text(entry, "name", where, problems),
                aliases=_strings(entry.get("aliases", []), f"{where}.aliases", problems),
                category=category,
            )
        )
    return tuple(out)


def _kinds(path: Path, problems: list[str]) -> tuple[ProtectedKind, ...]:
    out: list[ProtectedKind] = []
    for where, entry in _tables(path, "kind", problems):
        out.append(
            ProtectedKind(
                code=_text(entry, "code", where, problems),
                label_zh=_text(entry, "label_zh", where, problems),
                label_en=_text(entry, "label_en", where, problems),
                words=_strings(entry.get("words"), f"{where}.words", problems),
            )
        )
    return tuple(out)


def _divisions(path: Path, problems: list[str]) -> tuple[Division, ...]:
    out: list[Division] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        problems.append(f"{path.name}: cannot be read: {exc}")
        return ()
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 4 or cells[1] not in {"province", "prefecture", "county"}:
            problems.append(f"{path.name}: line {number}: expected adcode, level, name, short_name")
            continue
        out.append(Division(code=cells[0], level=cells[1], name=cells[2], short_name=cells[3]))
    return tuple(out)


def load_registry(directory: Path = REGISTRY_DIR) -> NameRegistry:
    """Read and check the registry files; :class:`RegistryError` lists every problem."""
    problems: list[str] = []
    names = _names(directory / "protected_names.toml", problems)
    kinds = _kinds(directory / "protected_kinds.toml", problems)
    divisions = _divisions(directory / "divisions.tsv", problems)
    if problems:
        raise RegistryError(problems)
    return NameRegistry(
        names=names,
        kinds=kinds,
        divisions=divisions,
        sources=("protected_names.toml", "protected_kinds.toml", "divisions.tsv"),
    )
