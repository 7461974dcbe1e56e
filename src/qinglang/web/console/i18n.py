"""Message catalogs (Babel ``.po`` files) and choosing a language: zh-CN first, English second.

Message ids are English; ``zh_CN`` translates them, and ``en`` states them (so a
test can check that neither catalog leaves a string untranslated). Catalogs are
read once at start-up; no compile step is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DEFAULT_LOCALE = "zh_CN"
SUPPORTED = ("zh_CN", "en")
LANG_COOKIE = "qinglang_lang"


class Translate(Protocol):
    def __call__(self, message: str, /, **values: object) -> str: ...


@dataclass(frozen=True)
class Catalogs:
    messages: dict[str, dict[str, str]]

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        messages: dict[str, dict[str, str]] = {}
        for locale in SUPPORTED:
            path = directory / locale / "LC_MESSAGES" / "messages.po"
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=locale)
            messages[locale] = {
                str(m.id): str(m.string)
                for m in catalog
                if m.id and isinstance(m.string, str) and m.string
            }
        return cls(messages=messages)

    def translator(self, locale: str) -> Translate:
        table = self.messages.get(locale, {})

        def translate(message: str, /, **values: object) -> str:
            text = table.get(message, message)
            return text % values if values else text

        return translate


def parse_choice(value: str | None) -> str | None:
    """A supported locale from a ``?lang=`` value or cookie (``en``, ``zh``, ``zh-CN`` …)."""
    if not value:
        return None
    try:
        locale = Locale.parse(value.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None
    if locale.language == "zh":
        return "zh_CN"
    return "en" if locale.language == "en" else None


def negotiate(accept_language: str | None) -> str:
    """The best supported locale for an ``Accept-Language`` header; zh-CN when none fits."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:  # q=0 means "not acceptable"
            ranked.append((quality, tag.strip()))
    for _quality, tag in sorted(ranked, key=lambda item: -item[0]):
        choice = parse_choice(tag)
        if choice:
            return choice
    return DEFAULT_LOCALE
