"""The values the PII finder returns: the kinds of personal data and one hit.

WS-14 names three privacy-leak subtypes: identity documents (``resident_id``,
``passport``), contact data (``address``, ``phone``, ``email``) and other
private data (``bank_card``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiType(StrEnum):
    """A kind of personal data the finder reports."""

    RESIDENT_ID = "resident_id"
    PHONE = "phone"
    BANK_CARD = "bank_card"
    EMAIL = "email"
    PASSPORT = "passport"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class PiiHit:
    """One piece of personal data found in a text.

    ``span`` is ``(start, end)`` in Python ``str`` indices of the text that was
    searched, so ``text[start:end]`` is the raw match (full-width digits,
    separators and all). ``value`` is that match normalised (see
    ``qinglang.detect.pii`` for the rule per type) and ``masked`` is what may be
    shown in its place.
    """

    type: PiiType
    span: tuple[int, int]
    masked: str
    value: str

    def as_dict(self) -> dict[str, object]:
        """The ``{"type", "span", "masked"}`` shape the issue names (no raw value)."""
        return {"type": str(self.type), "span": list(self.span), "masked": self.masked}
