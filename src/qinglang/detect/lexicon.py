"""Lexicons as TOML data files: terms with a kind and tags, and an allow-list.

A lexicon file looks like this (``data/lexicons/demo-harmful.toml`` is a full example)::

    [lexicon]
    name = "demo-harmful"
    description = "what it is for"          # optional
    kinds = ["insult", "fraud"]              # the kinds its terms may have

    [[terms]]
    term = "刷单返利"
    kind = "fraud"
    tags = ["minors-2023"]                   # optional
    fuzzy = true                             # optional: shape and homophone variants
    pinyin = true                            # optional: full pinyin and initials

    [allow]
    phrases = ["生日快乐"]                    # hits inside these are not reported

A file is validated in full: :class:`LexiconError` lists every problem, each naming the
file, the path inside it and what is wrong. :class:`LexiconStore` keeps what was built
from some files current: it notices a changed file (size, mtime, then SHA-256) and
rebuilds without a restart.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from qinglang.detect.chartables import default_char_tables
from qinglang.detect.offsets import prefold

KIND = re.compile(r"[a-z][a-z0-9_]*\Z")
MAX_TERM_LENGTH = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Term:
    """One lexicon entry. ``fuzzy``: match shape and homophone variants; ``pinyin``: match
    the term's full pinyin and (if long enough) its initials."""

    term: str
    kind: str
    tags: tuple[str, ...] = ()
    fuzzy: bool = True
    pinyin: bool = True


@dataclass(frozen=True)
class Lexicon:
    name: str
    terms: tuple[Term, ...]
    allow: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    description: str = ""
    source: str = ""  # the file it was read from
    digest: str = ""  # SHA-256 of that file's bytes


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


class LexiconError(ValueError):
    """A lexicon file is invalid; ``problems`` names each problem's file and path."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid lexicon:\n" + "\n".join(map(str, self.problems)))


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    def keys(self, table: dict[str, object], path: str, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            self.fail(f"{path}.{key}" if path else key, "unknown key")

    def text(self, value: object, path: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(path, "expected a non-empty string")
            return ""
        return value

    def strings(self, value: object, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.fail(path, "expected a list of strings")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            text = self.text(item, f"{path}[{i}]")
            if text and text in out:
                self.fail(f"{path}[{i}]", f"{text!r} is listed twice")
            elif text:
                out.append(text)
        return tuple(out)

    def flag(self, value: object, path: str) -> bool:
        if value is None:
            return True
        if not isinstance(value, bool):
            self.fail(path, "expected true or false")
            return True
        return value

    def matchable(self, text: str, path: str) -> None:
        if len(text) > MAX_TERM_LENGTH:
            self.fail(path, f"longer than {MAX_TERM_LENGTH} characters")
        elif text and not prefold(text, default_char_tables()).text:
            self.fail(path, f"{text!r} has no letters or digits left after normalisation")


def parse_lexicon(content: bytes, *, source: str) -> Lexicon:
    """Parse and validate a lexicon file's bytes; ``source`` names it in problems."""
    check = _Checker(source)
    try:
        document = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise LexiconError([Problem(source, "(file)", f"not UTF-8: {error}")]) from None
    except tomllib.TOMLDecodeError as error:
        raise LexiconError([Problem(source, "(file)", f"not valid TOML: {error}")]) from None
    check.keys(document, "", {"lexicon", "terms", "allow"})

    header = document.get("lexicon")
    if not isinstance(header, dict):
        check.fail("lexicon", "missing table [lexicon] (name, kinds, description)")
        header = {}
    check.keys(header, "lexicon", {"name", "kinds", "description"})
    name = check.text(header.get("name"), "lexicon.name")
    description = check.text(header.get("description"), "lexicon.description", required=False)
    kinds = check.strings(header.get("kinds"), "lexicon.kinds")
    if "kinds" in header and not kinds:
        check.fail("lexicon.kinds", "expected at least one kind")
    elif "kinds" not in header:
        check.fail("lexicon.kinds", "missing: the kinds this lexicon's terms may have")
    for i, kind in enumerate(kinds):
        if not KIND.match(kind):
            check.fail(f"lexicon.kinds[{i}]", f"{kind!r} is not a lower_snake_case identifier")

    terms = _terms(check, document.get("terms"), kinds)
    allow = _allow(check, document.get("allow"))
    if check.problems:
        raise LexiconError(check.problems)
    return Lexicon(
        name=name,
        terms=terms,
        allow=allow,
        kinds=kinds,
        description=description,
        source=source,
        digest=hashlib.sha256(content).hexdigest(),
    )


def _terms(check: _Checker, raw: object, kinds: tuple[str, ...]) -> tuple[Term, ...]:
    if not isinstance(raw, list) or not raw:
        check.fail("terms", "expected one or more [[terms]] tables")
        return ()
    terms: list[Term] = []
    seen: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(raw):
        path = f"terms[{i}]"
        if not isinstance(entry, dict):
            check.fail(path, "expected a table with term, kind and tags")
            continue
        check.keys(entry, path, {"term", "kind", "tags", "fuzzy", "pinyin", "note"})
        term = check.text(entry.get("term"), f"{path}.term")
        check.matchable(term, f"{path}.term")
        kind = check.text(entry.get("kind"), f"{path}.kind")
        if kind and kind not in kinds:
            check.fail(f"{path}.kind", f"{kind!r} is not one of lexicon.kinds {list(kinds)}")
        check.text(entry.get("note"), f"{path}.note", required=False)
        tags = check.strings(entry.get("tags"), f"{path}.tags")
        if (term, kind) in seen:
            check.fail(f"{path}.term", f"{term!r} ({kind}) repeats terms[{seen[(term, kind)]}]")
        seen.setdefault((term, kind), i)
        fuzzy = check.flag(entry.get("fuzzy"), f"{path}.fuzzy")
        pinyin = check.flag(entry.get("pinyin"), f"{path}.pinyin")
        terms.append(Term(term=term, kind=kind, tags=tags, fuzzy=fuzzy, pinyin=pinyin))
    return tuple(terms)


def _allow(check: _Checker, raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        check.fail("allow", "expected a table [allow] with phrases = [...]")
        return ()
    check.keys(raw, "allow", {"phrases"})
    phrases = check.strings(raw.get("phrases"), "allow.phrases")
    for i, phrase in enumerate(phrases):
        check.matchable(phrase, f"allow.phrases[{i}]")
    return phrases


def load_lexicon(path: str | Path) -> Lexicon:
    """Read and validate one lexicon file."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise LexiconError([Problem(str(path), "(file)", f"cannot be read: {error}")]) from None
    return parse_lexicon(content, source=str(path))


def bundled_lexicon(name: str) -> Path:
    """The path of a lexicon shipped with the package (``data/lexicons/<name>.toml``)."""
    from importlib import resources

    return Path(str(resources.files("qinglang.detect") / "data" / "lexicons" / f"{name}.toml"))


def combine(lexicons: Iterable[Lexicon], *, name: str = "combined") -> Lexicon:
    """One lexicon with the terms, allow-lists and kinds of several."""
    lexicons = list(lexicons)
    kinds = dict.fromkeys(k for lexicon in lexicons for k in lexicon.kinds)
    allow = dict.fromkeys(a for lexicon in lexicons for a in lexicon.allow)
    return Lexicon(
        name=name,
        terms=tuple(t for lexicon in lexicons for t in lexicon.terms),
        allow=tuple(allow),
        kinds=tuple(kinds),
        source=", ".join(lexicon.source for lexicon in lexicons),
        digest=hashlib.sha256("".join(x.digest for x in lexicons).encode()).hexdigest(),
    )


class LexiconStore(Generic[T]):
    """The lexicons of some files and what ``build`` makes of them, kept current.

    ``current()`` looks at the files at most every ``check_every`` seconds; when one has
    changed (size or mtime, then its SHA-256), it reloads them all and rebuilds. A reload
    that fails validation leaves the last good build in place and is kept in
    ``last_error`` until a later reload succeeds; with no good build yet, it raises.
    Safe to share between threads.

        store = LexiconStore(paths, build=lambda lexicons: Matcher.compile(combine(lexicons)))
        hits = store.current().scan(text)
    """

    def __init__(
        self,
        paths: Iterable[str | Path],
        *,
        build: Callable[[tuple[Lexicon, ...]], T],
        check_every: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.paths = tuple(Path(p) for p in paths)
        self._build = build
        self._check_every = check_every
        self._clock = clock
        self._lock = threading.Lock()
        self._stats: dict[Path, tuple[int, int] | None] = {}
        self._digests: tuple[str, ...] = ()
        self._built: tuple[tuple[Lexicon, ...], T] | None = None
        self._checked_at: float | None = None
        self.last_error: LexiconError | None = None
        self.reloads = 0

    @property
    def lexicons(self) -> tuple[Lexicon, ...]:
        return self._current()[0]

    def current(self) -> T:
        """What was built from the files as they are now (reloading if they changed)."""
        return self._current()[1]

    def _current(self) -> tuple[tuple[Lexicon, ...], T]:
        with self._lock:
            now = self._clock()
            due = self._checked_at is None or now - self._checked_at >= self._check_every
            if due:
                self._checked_at = now
                try:
                    self._refresh_locked()
                except LexiconError as error:
                    if self._built is None:
                        raise
                    self.last_error = error
            if self._built is None:  # a failed first load that was not due to be retried
                self._refresh_locked()
            assert self._built is not None
            return self._built

    def refresh(self) -> bool:
        """Read the files now and rebuild if their content changed; True if it did.
        Raises :class:`LexiconError` while they are invalid."""
        with self._lock:
            self._checked_at = self._clock()
            return self._refresh_locked(force=True)

    def _refresh_locked(self, *, force: bool = False) -> bool:
        stats = {path: _stat(path) for path in self.paths}
        if self._built is not None and stats == self._stats and not force:
            return False
        self._stats = stats
        lexicons: list[Lexicon] = []
        problems: list[Problem] = []
        for path in self.paths:
            try:
                lexicons.append(load_lexicon(path))
            except LexiconError as error:
                problems.extend(error.problems)
        if problems:
            raise LexiconError(problems)
        digests = tuple(lexicon.digest for lexicon in lexicons)
        if self._built is not None and digests == self._digests:
            return False  # touched, not changed
        built = self._build(tuple(lexicons))
        self._built, self._digests = (tuple(lexicons), built), digests
        self.last_error = None
        self.reloads += 1
        return True


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns
