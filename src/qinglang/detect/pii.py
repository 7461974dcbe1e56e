"""Find personal data in a text and mask it (WS-14: identity documents, contact data).

``find_pii(text)`` returns one ``PiiHit`` per piece of personal data, in text
order, never two overlapping. ``mask_text(text, hits)`` puts each hit's masked
form in its place. Neither raises on any ``str``: empty, megabytes long, lone
surrogates, bidi controls, combining marks or mixed scripts.

The text is first *folded*: full-width ASCII (``１３８``, ``＠``, ``．``) and the
ideographic space become their ASCII forms one character for one, so every
span is in indices of the text as given. No expression uses ``\\b``: next to a
Chinese character it does not hold, so numbers are delimited by "no digit
before, no digit after" and e-mail addresses by the characters an address
may contain.

Per type (value = normalised match; masked = what may be shown):

=============  ===========================================  ==========================
type           rule                                         value → masked
=============  ===========================================  ==========================
resident_id    18 characters (groups 6-8-4 or 6-4-4-4 may   ``110105199001011234`` →
               be separated), real division code for the    ``110105********1234``
               birth year, real birth date (1900 or later),
               GB 11643 check digit (python-stdnum)
bank_card      15-19 digits (glued, or grouped by 4 or      ``6222021234567890123`` →
               6+rest), a known issuer range (UnionPay 62,  ``622202*********0123``
               Visa 4, Mastercard 51-55 / 2221-2720, Amex
               34/37, JCB 3528-3589, Discover), Luhn; an
               18-digit number with a real region code and
               birth date is never a card
phone          CN mobile (libphonenumber's ranges) or fixed ``+8613800138000`` →
               line with area code (``010-12345678``,        ``138****8000``;
               ``(0755)12345678``); optional ``+86`` /       ``+861012345678`` →
               ``0086`` / ``(+86)``; groups separated by     ``010-****5678``
               spaces or hyphens                            (value is E.164)
email          ASCII local part and domain, TLD of letters  ``alice@example.com`` →
               (adjacent Chinese is never taken in)         ``a***@example.com``
passport       strict: ``E`` + 8 digits or ``E`` + letter   ``E12345678`` →
               (not I/O) + 7 digits, anywhere; otherwise    ``E*****678``
               1-2 letters + 7-8 digits (``G12345678``,
               foreign passports) only within 20 characters
               after 护照 / 護照 / passport
address        see ``qinglang.detect.pii_address``          ``北京市朝阳区建国路88号`` →
                                                            ``北京市朝阳区******``
=============  ===========================================  ==========================

Overlaps are settled by type, in this order: email, resident_id, bank_card,
phone, passport, address (then the earlier, then the longer hit). The order
holds even when ``types`` asks for fewer types: a valid resident ID is never
reported as a phone or a card, whatever was asked for.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from qinglang.detect.pii_address import find_addresses
from qinglang.detect.pii_model import PiiHit, PiiType
from qinglang.detect.pii_numbers import find_bank_cards, find_phones, find_resident_ids
from qinglang.detect.spans import without_overlaps

__all__ = ["PiiHit", "PiiType", "find_pii", "fold_width", "mask_text"]

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_DIGIT = re.compile(r"[0-9]")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])"
    r"(?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![A-Za-z0-9\-])"
)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9]{7,8}(?![A-Za-z0-9])")
_PASSPORT_STRICT = re.compile(r"E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}")
_PASSPORT_KEYWORD = re.compile(r"护照|護照|passport", re.IGNORECASE)
_PASSPORT_KEYWORD_REACH = 20

_PRECEDENCE = (
    PiiType.EMAIL,
    PiiType.RESIDENT_ID,
    PiiType.BANK_CARD,
    PiiType.PHONE,
    PiiType.PASSPORT,
    PiiType.ADDRESS,
)
_RANK = {pii_type: rank for rank, pii_type in enumerate(_PRECEDENCE)}


def fold_width(text: str) -> str:
    """Full-width ASCII and U+3000 to ASCII, one character for one (indices kept)."""
    return text.translate(_FULL_WIDTH)


def mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    return f"{local[:1]}***@{domain}"


def mask_passport(value: str) -> str:
    """Keep the letters and the last 3 digits: ``E12345678`` → ``E*****678``."""
    letters = len(value) - len(value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return value[:letters] + "*" * (len(value) - letters - 3) + value[-3:]


def _find_emails(folded: str) -> Iterator[PiiHit]:
    if "@" not in folded:
        return
    for match in _EMAIL.finditer(folded):
        value = match.group()
        yield PiiHit(PiiType.EMAIL, match.span(), mask_email(value), value)


def _find_passports(folded: str) -> Iterator[PiiHit]:
    for match in _PASSPORT.finditer(folded):
        value = match.group().upper()
        start = match.start()
        if _PASSPORT_STRICT.fullmatch(match.group()) or _PASSPORT_KEYWORD.search(
            folded, max(0, start - _PASSPORT_KEYWORD_REACH), start
        ):
            yield PiiHit(PiiType.PASSPORT, match.span(), mask_passport(value), value)


def _candidates(folded: str) -> Iterator[PiiHit]:
    yield from _find_emails(folded)
    if _DIGIT.search(folded) is None:
        return
    yield from find_resident_ids(folded)
    yield from find_bank_cards(folded)
    yield from find_phones(folded)
    yield from _find_passports(folded)
    yield from find_addresses(folded)


def find_pii(text: str, *, types: Collection[PiiType] | None = None) -> list[PiiHit]:
    """Every piece of personal data in ``text``, in text order, without overlaps.

    ``types`` limits which types are returned (all when None); the other
    types are still looked for so that precedence holds (see the module doc).
    """
    if not text:
        return []
    hits = without_overlaps(_candidates(fold_width(text)), precedence=lambda hit: _RANK[hit.type])
    if types is None:
        return hits
    wanted = frozenset(types)
    return [hit for hit in hits if hit.type in wanted]


def mask_text(text: str, hits: Sequence[PiiHit]) -> str:
    """``text`` with every hit's span replaced by its masked form.

    The hits must lie inside ``text`` and must not overlap (as ``find_pii``
    returns them); otherwise ``ValueError``.
    """
    pieces: list[str] = []
    position = 0
    for hit in sorted(hits, key=lambda h: h.span):
        start, end = hit.span
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"hit span {hit.span} is outside a text of length {len(text)}")
        if start < position:
            raise ValueError(f"hit span {hit.span} overlaps the hit before it")
        pieces.append(text[position:start])
        pieces.append(hit.masked)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
