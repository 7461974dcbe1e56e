"""What a reviewer should notice about a case: detection hits, reporter history, related cases.

Three signals, for the case page (``case_view``) and nothing else; none changes state:

* **Detection hits** — the pure detection library run over the text of the case's
  target snapshots (``content_snapshot`` evidence taken at intake: a post's title,
  body and account name; an account's name and bio) and over the reports'
  statements: lexicon terms (with tags and the variant kinds they needed), personal
  data (its kind and masked form only, never the clear value), links and contact
  lures, and the SM-1 name check of each account name. Every hit has its span
  ``[start, end)`` in the text it names and a short excerpt with personal data masked.
  At most :data:`MAX_TEXT_CHARS` of each text are read (``truncated`` says so).
* **Reporter history** — per distinct reporter of the case, the WS-18 counts over the
  policy's window (the very counter that decides their standing), and that standing.
* **Other cases on the same account** — cases on the same targets, the same platform
  account, or posts of that account (a post's account comes from its snapshot, or
  from the demo platform's tables), newest first.

Every query is on an indexed column and bounded; the reporters' counts are one
WS-18 count per distinct reporter, at most :data:`MAX_REPORTERS` of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import Case, CaseTarget
from qinglang.db.engine import Database, UnitOfWork
from qinglang.detect.service import Detection
from qinglang.disposal.signal_texts import MAX_TEXT_CHARS, snapshot_texts, text_signals
from qinglang.errors import NotFound
from qinglang.intake.answers import iso
from qinglang.intake.models import Evidence, Report, ReporterStanding, ReportEvidence
from qinglang.intake.snapshots import SNAPSHOT_TYPE
from qinglang.intake.standing import ReporterPolicy, reporter_counts
from qinglang.intake.store import EvidenceStore
from qinglang.measures.models import Measure
from qinglang.platform.models import PlatformPost
from qinglang.platform.queries import MAX_ID

#: Distinct snapshots read per case, of at most this many snapshot rows looked at.
MAX_SNAPSHOTS = 20
_MAX_SNAPSHOT_ROWS = 200
_MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
#: Reports whose statements are scanned.
MAX_STATEMENTS = 50
#: Distinct reporters whose history is counted.
MAX_REPORTERS = 20
#: Other cases listed.
MAX_OTHER_CASES = 20


@dataclass(frozen=True, slots=True)
class SignalSources:
    """What signals need beyond the database: the process's detector (built once at
    start-up), the evidence store holding snapshots, and the WS-18 policy (its window)."""

    detection: Detection
    store: EvidenceStore
    reporters: ReporterPolicy


def _read_snapshot(store: EvidenceStore, sha256: str) -> dict[str, Any] | None:
    try:
        with store.open(sha256) as handle:
            data = handle.read(_MAX_SNAPSHOT_BYTES + 1)
        if len(data) > _MAX_SNAPSHOT_BYTES:
            return None
        found = json.loads(data.decode("utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _detection(
    uow: UnitOfWork, *, case: Case, reports: Sequence[Report], sources: SignalSources
) -> tuple[dict[str, Any], set[int]]:
    """Detection over snapshots and statements; and the accounts the snapshots name."""
    rows = uow.session.execute(
        select(Evidence.id, Evidence.sha256)
        .join(ReportEvidence, ReportEvidence.evidence_id == Evidence.id)
        .join(Report, Report.id == ReportEvidence.report_id)
        .where(Report.case_id == case.id, ReportEvidence.type == SNAPSHOT_TYPE)
        .order_by(ReportEvidence.id)
        .limit(_MAX_SNAPSHOT_ROWS)
    ).all()
    first: dict[str, str] = {}  # the same bytes reported twice are read once
    for evidence_id, sha in rows:
        first.setdefault(sha, evidence_id)
    distinct = list(first.items())
    texts: list[dict[str, Any]] = []
    unreadable: list[str] = []
    accounts: set[int] = set()
    for sha, evidence_id in distinct[:MAX_SNAPSHOTS]:
        snapshot = _read_snapshot(sources.store, sha)
        if snapshot is None:
            unreadable.append(evidence_id)
            continue
        _, account, found = snapshot_texts(
            sources.detection, evidence_id=evidence_id, snapshot=snapshot
        )
        if account is not None:
            accounts.add(account)
        texts += found
    for report in reports[:MAX_STATEMENTS]:
        if report.statement:
            texts.append(
                text_signals(
                    sources.detection,
                    where={"source": "report", "report": report.tracking_no},
                    field="statement",
                    text=report.statement,
                )
            )
    return {
        "texts": texts,
        "unreadable_snapshots": unreadable,
        "snapshots_truncated": len(distinct) > MAX_SNAPSHOTS or len(rows) == _MAX_SNAPSHOT_ROWS,
        "statements_truncated": len(reports) > MAX_STATEMENTS,
        "max_text_chars": MAX_TEXT_CHARS,
    }, accounts


def _standing(standing: ReporterStanding | None, uow: UnitOfWork) -> dict[str, Any] | None:
    if standing is None:
        return None
    now = uow.clock.now()
    in_effect = standing.level != "refused" or (standing.until is not None and standing.until > now)
    return {
        "level": standing.level,
        "until": iso(standing.until),
        "in_effect": in_effect,
        "why": standing.basis.get("why"),
        "since": iso(standing.updated_at),
    }


def _reporters(
    uow: UnitOfWork, *, reports: Sequence[Report], policy: ReporterPolicy
) -> dict[str, Any]:
    """WS-18's own count per distinct reporter (one count each), and their standing."""
    by_key: dict[str, list[str]] = {}
    for report in reports:
        by_key.setdefault(report.reporter_key, []).append(report.tracking_no)
    keys = list(by_key)[:MAX_REPORTERS]
    standings = {
        s.reporter_key: s
        for s in uow.session.scalars(
            select(ReporterStanding).where(ReporterStanding.reporter_key.in_(keys))
        )
    }
    since = uow.clock.now() - policy.window
    items = []
    for key in keys:
        counts = reporter_counts(uow, key, since)
        items.append(
            {
                "reporter": key[:16],  # as the ledger names them: reporter:<first 16>
                "reports_in_case": by_key[key],
                "reports": counts["reports"],
                "decided": counts["decided"],
                "unfounded": counts["unfounded"],
                "forged": counts["forged"],
                "standing": _standing(standings.get(key), uow),
            }
        )
    return {
        "window_days": policy.window.days,
        "reporters": items,
        "truncated": len(by_key) > MAX_REPORTERS,
    }


def _platform_ids(keys: Iterable[str], kind: str) -> set[int]:
    found = set()
    for key in keys:
        name, _, ident = key.partition(":")
        if name == kind and ident.isdigit() and 0 < int(ident) <= MAX_ID:
            found.add(int(ident))
    return found


def _other_cases(
    uow: UnitOfWork, *, case: Case, targets: Sequence[str], accounts: set[int]
) -> dict[str, Any]:
    """Cases on the same targets, the same accounts, or those accounts' posts."""
    posts = _platform_ids(targets, "content")
    accounts = accounts | _platform_ids(targets, "account")
    if posts:
        accounts |= set(
            uow.session.scalars(select(PlatformPost.account_id).where(PlatformPost.id.in_(posts)))
        )
    keys = set(targets) | {f"account:{a}" for a in accounts}
    same: list[ColumnElement[bool]] = []
    if keys:
        same.append(CaseTarget.target_key.in_(keys))
    if accounts:
        post_keys = select(literal("content:", String).concat(cast(PlatformPost.id, String))).where(
            PlatformPost.account_id.in_(accounts)
        )
        same.append(CaseTarget.target_key.in_(post_keys))
    result: dict[str, Any] = {
        "accounts": [f"account:{a}" for a in sorted(accounts)],
        "cases": [],
        "truncated": False,
    }
    if not same:
        return result
    matching = or_(*same) & (CaseTarget.case_id != case.id)
    found = list(
        uow.session.scalars(
            select(Case)
            .where(Case.id.in_(select(CaseTarget.case_id).where(matching)))
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(MAX_OTHER_CASES + 1)
        )
    )
    shown = found[:MAX_OTHER_CASES]
    ids = [c.id for c in shown]
    via: dict[int, set[str]] = {}
    codes: dict[int, list[str]] = {}
    if ids:
        for case_id, key in uow.session.execute(
            select(CaseTarget.case_id, CaseTarget.target_key).where(
                matching, CaseTarget.case_id.in_(ids)
            )
        ):
            via.setdefault(case_id, set()).add(key)
        for case_id, code in uow.session.execute(
            select(Measure.case_id, Measure.code)
            .where(Measure.case_id.in_(ids))
            .order_by(Measure.id)
        ):
            codes.setdefault(case_id, []).append(code)
    result["cases"] = [
        {
            "id": c.id,
            "status": c.status,
            "category": c.category,
            "subtype": c.subtype,
            "opened_at": iso(c.opened_at),
            "decided_at": iso(c.decided_at),
            "measures": codes.get(c.id, []),
            "via": sorted(via.get(c.id, ())),
        }
        for c in shown
    ]
    result["truncated"] = len(found) > MAX_OTHER_CASES
    return result


def gather(
    uow: UnitOfWork,
    *,
    case: Case,
    reports: Sequence[Report],
    targets: Sequence[str],
    sources: SignalSources,
) -> dict[str, Any]:
    """The signals of ``case`` inside an open (read-only) unit of work; ``reports`` are the
    case's reports in id order and ``targets`` its target keys, as already loaded."""
    detection, accounts = _detection(uow, case=case, reports=reports, sources=sources)
    return {
        "detection": detection,
        "reporters": _reporters(uow, reports=reports, policy=sources.reporters),
        "other_cases": _other_cases(uow, case=case, targets=targets, accounts=accounts),
    }


def case_signals(
    database: Database, *, actor: Actor, case_id: int, sources: SignalSources
) -> dict[str, Any]:
    """The signals of one case, in one read-only unit of work."""
    require(actor, Permission.REPORTS_READ)
    with database.unit_of_work(read_only=True) as uow:
        case = uow.session.get(Case, case_id)
        if case is None:
            raise NotFound(f"there is no case {case_id}", code="case_not_found")
        reports = list(
            uow.session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id))
        )
        targets = list(
            uow.session.scalars(select(CaseTarget.target_key).where(CaseTarget.case_id == case.id))
        )
        return gather(uow, case=case, reports=reports, targets=targets, sources=sources)


__all__ = ["SignalSources", "case_signals", "gather"]
