"""What a process keeps for detection: the name registry and reloading lexicon stores.

The API and the CLI hold one :class:`Detection`; the lexicon files are re-read when
they change (no restart), the registry once per process (its verified names are
added by the accounts issue as the platform's data changes).
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from qinglang.detect.lexicon import LexiconStore, combine, load_lexicon
from qinglang.detect.matcher import Hit, Matcher
from qinglang.detect.names import NameCheck, check_name
from qinglang.detect.registry import NameRegistry, load_registry

LEXICON_DIR = Path(__file__).parent / "data" / "lexicons"
ALL = "all"


class UnknownLexicon(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"no lexicon {name!r}; lexicons: {', '.join(known) or 'none'}")
        self.name = name
        self.known = known


class Detection:
    def __init__(self, *, lexicon_dir: Path = LEXICON_DIR, check_every: float = 5.0) -> None:
        self.lexicon_dir = lexicon_dir
        self._check_every = check_every
        self._stores: dict[str, LexiconStore[Matcher]] = {}
        self._lock = threading.Lock()
        self._files: dict[str, Path] = {}
        self._files_seen: tuple[tuple[Path, int], ...] | None = None

    @cached_property
    def registry(self) -> NameRegistry:
        return load_registry()

    def lexicon_files(self) -> dict[str, Path]:
        """Lexicon files by the name each declares; re-read only when the files change."""
        paths = sorted(self.lexicon_dir.glob("*.toml"))
        seen = tuple((path, path.stat().st_mtime_ns) for path in paths)
        if seen != self._files_seen:
            self._files = {load_lexicon(path).name: path for path in paths}
            self._files_seen = seen
        return self._files

    def _store(self, name: str) -> LexiconStore[Matcher]:
        with self._lock:
            if name not in self._stores:
                files = self.lexicon_files()
                if name != ALL and name not in files:
                    raise UnknownLexicon(name, sorted(files))
                paths = list(files.values()) if name == ALL else [files[name]]
                self._stores[name] = LexiconStore(
                    paths,
                    build=lambda lexicons: Matcher.compile(combine(lexicons)),
                    check_every=self._check_every,
                )
            return self._stores[name]

    def scan(self, text: str, *, lexicon: str | None = None) -> list[Hit]:
        return self._store(lexicon or ALL).current().scan(text)

    def check_name(
        self, name: str, bio: str | None = None, *, owner: str | None = None
    ) -> NameCheck:
        return check_name(name, bio, registry=self.registry, owner=owner)
