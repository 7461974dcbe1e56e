"""Which case a report joins, and whether it repeats one the same reporter made (WS-3).

A target's key is what makes two reports "about the same content": a platform
content or account id, a demo-site page address read as that id, or a URL in its
normalised form (see :mod:`qinglang.intake.targets`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from qinglang.db.engine import UnitOfWork
from qinglang.errors import InvalidInput
from qinglang.intake.models import Report, ReportTarget
from qinglang.intake.submission import TargetIn
from qinglang.intake.targets import TargetRules, normalise_url
from qinglang.platform.adapter import parse_locator

# Reports that no longer count for the duplicate rule.
_NOT_LIVE = ("closed_incomplete", "duplicate")


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    kind: str  # url, content, account
    given: str
    key: str  # content:<id>, account:<id> or a normalised URL
    locator: str | None  # what the platform adapter can fetch, if it can

    @property
    def fetchable(self) -> bool:
        return self.locator is not None


def resolve(target: TargetIn, rules: TargetRules) -> ResolvedTarget:
    if target.content_id:
        given = target.content_id
        locator = f"post:{given}" if given.isdigit() else None
        return ResolvedTarget("content", given, f"content:{given}", locator)
    if target.account_id:
        given = target.account_id
        locator = f"account:{given}" if given.isdigit() else None
        return ResolvedTarget("account", given, f"account:{given}", locator)
    url = target.url or ""
    try:
        page = parse_locator(url)
    except InvalidInput:
        return ResolvedTarget("url", url, normalise_url(url, rules=rules), None)
    kind = "content" if page.kind == "post" else "account"
    return ResolvedTarget("url", url, f"{kind}:{page.id}", page.ref)


def resolve_stored(kind: str, given: str, key: str) -> ResolvedTarget:
    """A stored target again, with what the platform adapter can fetch."""
    locator = None
    name, _, ident = key.partition(":")
    if name in ("content", "account") and ident.isdigit():
        locator = f"{'post' if name == 'content' else 'account'}:{ident}"
    return ResolvedTarget(kind, given, key, locator)


def resolve_all(targets: Sequence[TargetIn], rules: TargetRules) -> list[ResolvedTarget]:
    """Every target resolved; the problems of all the bad ones in one error."""
    resolved: list[ResolvedTarget] = []
    problems: list[dict[str, str]] = []
    for i, target in enumerate(targets):
        try:
            resolved.append(resolve(target, rules))
        except InvalidInput as exc:
            problems.append({"field": f"targets.{i}.url", "code": exc.code, "problem": str(exc)})
    if problems:
        raise InvalidInput(
            "; ".join(p["problem"] for p in problems[:5]),
            code="invalid_target_url",
            details={"problems": problems},
        )
    return resolved


def reporter_key(
    *, account_id: int | None, right_holder: str, phone: str | None, email: str | None
) -> str:
    """Who reports, for the duplicate rule: the reporter account, else holder and contact."""
    if account_id is not None:
        text = f"account:{account_id}"
    else:
        contact = (email or "").lower() or (phone or "")
        text = f"holder:{right_holder.strip().lower()}\ncontact:{contact}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_duplicate(
    uow: UnitOfWork,
    *,
    reporter: str,
    category: str,
    keys: Sequence[str],
    since: datetime,
    exclude: int | None = None,
) -> Report | None:
    """The first live report by ``reporter`` in ``category`` since ``since`` that already
    names every one of ``keys``; None if the new report names anything new."""
    if not keys:
        return None
    rows = uow.session.execute(
        select(Report.id, ReportTarget.target_key)
        .join(ReportTarget, ReportTarget.report_id == Report.id)
        .where(
            Report.reporter_key == reporter,
            Report.category == category,
            Report.received_at >= since,
            Report.status.not_in(_NOT_LIVE),
            ReportTarget.target_key.in_(set(keys)),
            Report.id != (exclude or 0),
        )
        .order_by(Report.id)
    ).all()
    covered = {key for _, key in rows}
    if not rows or not set(keys) <= covered:
        return None
    return uow.session.get(Report, rows[0][0])
