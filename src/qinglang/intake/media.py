"""What an uploaded evidence file really is: sniffed from its bytes, never from its name.

Allowed (issue 3): PDF, JPEG, PNG, WebP, GIF, MP4 and plain text. Binary formats are
recognised by their signatures (``puremagic``); plain text has none, so it is
recognised by decoding strictly as UTF-8 or GB18030 with no control characters other
than whitespace. Anything else — HTML, scripts, archives, executables — is refused.
"""

from __future__ import annotations

import unicodedata

import puremagic

from qinglang.errors import InvalidInput

BINARY_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4"}
)
TEXT = "text/plain"
ALLOWED = BINARY_TYPES | {TEXT}
_HEAD = 64 * 1024
_TEXT_CONTROLS_OK = {"\t", "\n", "\r", "\f"}
MAX_FILENAME = 255


def sniff(data: bytes) -> str | None:
    """The allowed media type the bytes are, or None (empty, unknown or not allowed)."""
    if not data:
        return None
    try:
        matches = puremagic.magic_string(data[:_HEAD])
    except (puremagic.PureError, ValueError):
        matches = []
    if matches:
        best = max(matches, key=lambda m: m.confidence)
        for match in sorted(matches, key=lambda m: -m.confidence):
            if match.mime_type in BINARY_TYPES and match.confidence >= best.confidence:
                return str(match.mime_type)
        if any(m.mime_type and not m.mime_type.startswith("text/plain") for m in matches):
            return None  # recognised as something that is not allowed (HTML, an executable …)
    return TEXT if _is_plain_text(data[:_HEAD]) else None


def _is_plain_text(head: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # A multi-byte character cut at the end of the sample is still text.
            try:
                text = head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        if not any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS_OK for c in text):
            return bool(text.strip())
    return False


def display_filename(name: str) -> str:
    """An uploaded file's name as display text only; refused if it tries to be a path."""
    text = unicodedata.normalize("NFC", name).strip()
    if not text:
        raise InvalidInput("the file has no name", code="invalid_filename")
    if "/" in text or "\\" in text or text in {".", ".."}:
        raise InvalidInput("a file name may not contain path separators", code="invalid_filename")
    if any(unicodedata.category(c) in {"Cc", "Cf"} for c in text):
        raise InvalidInput(
            "a file name may not contain control or format characters", code="invalid_filename"
        )
    return text[:MAX_FILENAME]
