"""The pure part of a case's detection signals: bounded texts, hits with spans, masked excerpts.

No database: a snapshot's or statement's text in, the hits a reviewer should see out,
with personal data masked wherever an excerpt touches it (see :mod:`.signals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qinglang.detect.links import find_links
from qinglang.detect.names import NameCheck
from qinglang.detect.pii import PiiHit, find_pii, mask_text
from qinglang.detect.service import Detection

#: The most characters of one text that detection reads.
MAX_TEXT_CHARS = 20_000
#: When cutting a text, step back at most this far so as not to split a number or address.
_CUT_BACKOFF = 64
#: Characters either side of a hit in its excerpt.
EXCERPT_CONTEXT = 24
#: The most hits reported for one text (``hits_truncated`` beyond).
MAX_HITS_PER_TEXT = 50

# -- pure: texts, hits, excerpts ----------------------------------------------------------


def _joins(a: str, b: str) -> bool:
    """Whether a cut between ``a`` and ``b`` would split a number, handle, address …"""
    return a.isascii() and b.isascii() and (a.isalnum() or a in "-.@_+") and b.isalnum()


def bounded(text: str, limit: int = MAX_TEXT_CHARS) -> tuple[str, bool]:
    """The first ``limit`` characters of ``text`` (fewer rather than split a run of ASCII
    letters and digits at the cut) and whether anything was cut."""
    if len(text) <= limit:
        return text, False
    for cut in range(limit, max(0, limit - _CUT_BACKOFF), -1):
        if not _joins(text[cut - 1], text[cut]):
            return text[:cut], True
    return text[:limit], True  # one long run: cut where the limit says


def _widened(start: int, end: int, pii: Sequence[PiiHit]) -> tuple[int, int]:
    """``[start, end)`` grown to take in whole every piece of personal data it touches (the
    hits never overlap, so one pass in text order is enough)."""
    for hit in sorted(pii, key=lambda h: h.span):
        if hit.span[0] < end and hit.span[1] > start:
            start, end = min(start, hit.span[0]), max(end, hit.span[1])
    return start, end


def mask_range(text: str, start: int, end: int, pii: Sequence[PiiHit]) -> str:
    """``text[start:end]`` widened to every piece of personal data it touches, each masked."""
    start, end = _widened(start, end, pii)
    inside = [
        PiiHit(h.type, (h.span[0] - start, h.span[1] - start), h.masked, h.value)
        for h in pii
        if start <= h.span[0] and h.span[1] <= end
    ]
    return mask_text(text[start:end], inside)


def excerpt(
    text: str, span: tuple[int, int], pii: Sequence[PiiHit], *, context: int = EXCERPT_CONTEXT
) -> dict[str, str]:
    """The hit with ``context`` characters either side, personal data masked, ``…`` where cut:
    ``{"before", "match", "after"}``, so that a page can highlight the match.

    The match is first widened to take in whole any personal data it touches, then the
    context around it, so that no piece of personal data straddles two parts.
    """
    hit_start, hit_end = _widened(span[0], span[1], pii)
    start, end = _widened(max(0, hit_start - context), min(len(text), hit_end + context), pii)
    return {
        "before": ("…" if start > 0 else "") + mask_range(text, start, hit_start, pii),
        "match": mask_range(text, hit_start, hit_end, pii),
        "after": mask_range(text, hit_end, end, pii) + ("…" if end < len(text) else ""),
    }


def _name_hits(
    text: str, check: NameCheck, field: str, pii: Sequence[PiiHit]
) -> list[dict[str, Any]]:
    return [
        {
            "type": "name_check",
            "code": r.code,
            "kind": r.kind,
            "matched": r.matched,
            "verdict": r.verdict.value,
            "variants": list(r.variants),
            "span": list(r.span),
            "excerpt": excerpt(text, r.span, pii),
        }
        for r in check.reasons
        if r.field == field
    ]


def text_signals(
    detection: Detection,
    *,
    where: dict[str, Any],
    field: str,
    text: str,
    name_check: NameCheck | None = None,
    name_field: str = "name",
) -> dict[str, Any]:
    """Every hit in one text (at most :data:`MAX_TEXT_CHARS` of it), in text order.

    ``name_check``: the SM-1 check this text was part of; its reasons for
    ``name_field`` become hits here. Personal data is shown masked only.
    """
    scanned, truncated = bounded(text)
    pii = find_pii(scanned)
    hits: list[dict[str, Any]] = [
        {
            "type": "pii",
            "kind": h.type.value,
            "masked": h.masked,
            "span": list(h.span),
            "excerpt": excerpt(scanned, h.span, pii),
        }
        for h in pii
    ]
    hits += [
        {
            "type": "lexicon",
            "term": h.term,
            "kind": h.kind,
            "tags": list(h.tags),
            "variants": [str(v) for v in h.variants],
            "span": list(h.span),
            "excerpt": excerpt(scanned, h.span, pii),
        }
        for h in detection.scan(scanned)
    ]
    hits += [
        {
            "type": "link",
            "kind": h.kind.value,
            # A handle may be a phone number: then only its masked form is shown.
            "value": (
                mask_range(scanned, *h.span, pii)
                if any(p.span[0] < h.span[1] and p.span[1] > h.span[0] for p in pii)
                else h.value
            ),
            "obfuscated": h.obfuscated,
            "span": list(h.span),
            "excerpt": excerpt(scanned, h.span, pii),
        }
        for h in find_links(scanned)
    ]
    if name_check is not None:
        hits += _name_hits(scanned, name_check, name_field, pii)
    hits.sort(key=lambda h: (h["span"][0], h["span"][1], h["type"]))
    entry: dict[str, Any] = where | {
        "field": field,
        "length": len(text),
        "truncated": truncated,
        "hits": hits[:MAX_HITS_PER_TEXT],
        "hits_truncated": len(hits) > MAX_HITS_PER_TEXT,
    }
    if name_check is not None and name_field == "name":
        entry["name_check"] = {
            "verdict": name_check.verdict.value,
            "name": mask_text(scanned, pii),
        }
    return entry


def account_texts(
    detection: Detection,
    *,
    where: dict[str, Any],
    account_id: object,
    name: str,
    bio: str | None,
    prefix: str = "",
) -> list[dict[str, Any]]:
    """An account's name (with its SM-1 verdict) and bio, if any, as texts with hits."""
    owner = f"account:{account_id}" if account_id is not None else None
    name_text, _ = bounded(name)
    bio_text = bounded(bio)[0] if bio else None
    check = detection.check_name(name_text, bio_text, owner=owner)
    where = where | {"account": owner}
    texts = [
        text_signals(
            detection, where=where, field=f"{prefix}display_name", text=name, name_check=check
        )
    ]
    if bio:
        texts.append(
            text_signals(
                detection,
                where=where,
                field=f"{prefix}bio",
                text=bio,
                name_check=check,
                name_field="bio",
            )
        )
    return texts


def snapshot_texts(
    detection: Detection, *, evidence_id: str, snapshot: dict[str, Any]
) -> tuple[str | None, int | None, list[dict[str, Any]]]:
    """The target key, the account id and the texts with hits of one stored snapshot."""
    kind, ident = snapshot.get("kind"), snapshot.get("id")
    content = snapshot.get("content")
    if not isinstance(content, dict) or kind not in ("post", "account"):
        return None, None, []
    key = f"{'content' if kind == 'post' else 'account'}:{ident}"
    where: dict[str, Any] = {
        "source": "target",
        "target": key,
        "evidence": evidence_id,
        "fetched_at": snapshot.get("fetched_at"),
    }
    texts: list[dict[str, Any]] = []
    if kind == "post":
        for field in ("title", "body"):
            value = content.get(field)
            if isinstance(value, str) and value:
                texts.append(text_signals(detection, where=where, field=field, text=value))
        account = content.get("account")
        account_id = None
        if isinstance(account, dict):
            account_id = account.get("id")
            name = account.get("display_name")
            if isinstance(name, str) and name:
                texts += account_texts(
                    detection,
                    where=where,
                    account_id=account_id,
                    name=name,
                    bio=None,
                    prefix="account.",
                )
        return key, account_id if isinstance(account_id, int) else None, texts
    name, bio = content.get("display_name"), content.get("bio")
    if isinstance(name, str) and name:
        texts += account_texts(
            detection,
            where=where,
            account_id=ident,
            name=name,
            bio=bio if isinstance(bio, str) else None,
        )
    return key, ident if isinstance(ident, int) else None, texts


# -- reading: snapshots, reporters, other cases -------------------------------------------


__all__ = [
    "MAX_TEXT_CHARS",
    "account_texts",
    "bounded",
    "excerpt",
    "mask_range",
    "snapshot_texts",
    "text_signals",
]
