"""The regulator's portal (WS-28): search cases, reports, account measures and the ledger;
read one case's full timeline; download a search as CSV or XLSX.

Filters: a time range (dates in the platform's zone, both days included), category,
campaign, account (``account:N``), URL (normalised as intake normalises targets, so every
spelling of one address finds the same cases) and tracking number. Results are keyset
paged, newest first: pass the last page's ``next`` as ``after``.

Every search, every timeline read and every download is itself a ledger entry
(``REGULATOR_QUERIED`` with the filters, ``REGULATOR_DOWNLOADED`` with what and the file's
SHA-256), written in the same transaction that read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import String, cast, literal, or_, select, tuple_
from sqlalchemy.sql import Select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.models import Case, CaseTarget
from qinglang.db.base import UtcDateTime
from qinglang.db.engine import Database, UnitOfWork
from qinglang.detect.pii import PiiType, find_pii, mask_text
from qinglang.errors import InvalidInput, NotFound
from qinglang.intake.grouping import resolve
from qinglang.intake.models import Report, ReportTarget
from qinglang.intake.submission import TargetIn
from qinglang.intake.targets import TargetRules
from qinglang.intake.tracking import parse_tracking_no
from qinglang.ledger import LedgerEntry, LedgerEvent, Subject, SubjectType
from qinglang.ledger.chain import format_time
from qinglang.measures.models import Measure
from qinglang.oversight.timeline import case_record
from qinglang.platform.models import PlatformPost

CASES = "cases"
REPORTS = "reports"
ACCOUNTS = "accounts"  # measures taken on accounts (相关账号处置情况)
ENTRIES = "entries"
KINDS = (CASES, REPORTS, ACCOUNTS, ENTRIES)
MAX_PAGE = 200
MAX_DOWNLOAD_ROWS = 50_000
_MASKED = (PiiType.RESIDENT_ID, PiiType.PHONE, PiiType.BANK_CARD)


def masked(text: str | None) -> str:
    """Resident ID, phone and bank card numbers masked (what the portal shows and exports)."""
    if not text:
        return ""
    return mask_text(text, find_pii(text, types=_MASKED))


@dataclass(frozen=True, slots=True)
class PortalQuery:
    """A validated search. ``end`` is exclusive; ``target_key`` is the normalised URL."""

    kind: str = CASES
    start: datetime | None = None
    end: datetime | None = None
    category: str | None = None
    campaign: str | None = None
    account: int | None = None
    target_key: str | None = None
    tracking_no: str | None = None

    def as_payload(self) -> dict[str, Any]:
        """The filters as the ledger records them."""
        found: dict[str, Any] = {}
        for each in fields(self):
            value = getattr(self, each.name)
            if value is not None:
                found[each.name] = value.isoformat() if isinstance(value, datetime) else value
        return found

    @property
    def narrows_cases(self) -> bool:
        return any(
            v is not None
            for v in (self.category, self.campaign, self.account, self.target_key, self.tracking_no)
        )


def _day(value: str | None, name: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} is a date such as 2026-11-01", code="invalid_date", details={"field": name}
        ) from None


def parse_query(
    *,
    kind: str = CASES,
    start: str | None = None,
    end: str | None = None,
    category: str | None = None,
    campaign: str | None = None,
    account: str | None = None,
    url: str | None = None,
    tracking_no: str | None = None,
    zone: ZoneInfo,
    rules: TargetRules,
) -> PortalQuery:
    """A search from what a person typed; :class:`InvalidInput` naming the filter otherwise."""
    if kind not in KINDS:
        raise InvalidInput(
            f"kind is one of {', '.join(KINDS)}",
            code="invalid_kind",
            details={"allowed": list(KINDS)},
        )
    first, last = _day(start, "start"), _day(end, "end")
    if first is not None and last is not None and last < first:
        raise InvalidInput("the range ends before it starts", code="invalid_range")
    account_id: int | None = None
    account_text = (account or "").strip()
    if account_text:
        digits = account_text.removeprefix("account:")
        if not digits.isdigit() or len(digits) > 18:
            raise InvalidInput("an account is written account:N (or N)", code="invalid_account")
        account_id = int(digits)
    key = None
    if (url or "").strip():
        key = resolve(TargetIn(url=(url or "").strip()[:4096]), rules).key
    number = parse_tracking_no(tracking_no) if tracking_no and tracking_no.strip() else None
    return PortalQuery(
        kind=kind,
        start=datetime.combine(first, time(), zone) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(), zone) if last else None,
        category=(category or "").strip()[:64] or None,
        campaign=(campaign or "").strip()[:64] or None,
        account=account_id,
        target_key=key,
        tracking_no=number,
    )


# -- which cases a query names ------------------------------------------------------------


def _account_keys(account: int) -> Any:
    """The target keys that are about an account: the account, and the posts it published."""
    posts = select(literal("content:").concat(cast(PlatformPost.id, String))).where(
        PlatformPost.account_id == account
    )
    return or_(CaseTarget.target_key == f"account:{account}", CaseTarget.target_key.in_(posts))


def _matching_cases(query: PortalQuery) -> Select[Any]:
    """The ids of the cases the non-time filters name."""
    ids = select(Case.id)
    if query.category is not None:
        ids = ids.where(Case.category == query.category)
    if query.campaign is not None:
        ids = ids.where(Case.campaign == query.campaign)
    if query.account is not None:
        ids = ids.where(
            or_(
                Case.id.in_(select(CaseTarget.case_id).where(_account_keys(query.account))),
                Case.id.in_(
                    select(Measure.case_id).where(Measure.target == f"account:{query.account}")
                ),
            )
        )
    if query.target_key is not None:
        ids = ids.where(
            Case.id.in_(select(CaseTarget.case_id).where(CaseTarget.target_key == query.target_key))
        )
    if query.tracking_no is not None:
        ids = ids.where(
            Case.id.in_(select(Report.case_id).where(Report.tracking_no == query.tracking_no))
        )
    return ids


def _in_range(column: Any, query: PortalQuery) -> list[Any]:
    clauses = []
    if query.start is not None:
        clauses.append(column >= query.start)
    if query.end is not None:
        clauses.append(column < query.end)
    return clauses


def _cursor(at: datetime | str, ident: int | str) -> str:
    return f"{at.isoformat() if isinstance(at, datetime) else at}|{ident}"


def _after(cursor: str) -> tuple[datetime, int]:
    try:
        at, ident = cursor.rsplit("|", 1)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        return when, int(ident)
    except ValueError:
        raise InvalidInput("not a portal cursor", code="invalid_cursor") from None


def _newest_first(
    uow: UnitOfWork, stmt: Any, at: Any, ident: Any, limit: int, after: str | None
) -> list[Any]:
    """One keyset page of ``stmt``, newest ``at`` first (ties by ``ident``), after a cursor."""
    if after is not None:
        when, last = _after(after)
        stmt = stmt.where(tuple_(at, ident) < tuple_(literal(when, UtcDateTime()), last))
    return list(uow.session.scalars(stmt.order_by(at.desc(), ident.desc()).limit(limit)))


def _case_rows(uow: UnitOfWork, query: PortalQuery, limit: int, after: str | None) -> list[Any]:
    stmt = select(Case).where(*_in_range(Case.opened_at, query))
    if query.narrows_cases:
        stmt = stmt.where(Case.id.in_(_matching_cases(query)))
    return _newest_first(uow, stmt, Case.opened_at, Case.id, limit, after)


def _report_rows(uow: UnitOfWork, query: PortalQuery, limit: int, after: str | None) -> list[Any]:
    stmt = select(Report).where(*_in_range(Report.received_at, query))
    for column, value in ((Report.category, query.category), (Report.campaign, query.campaign)):
        if value is not None:
            stmt = stmt.where(column == value)
    if query.tracking_no is not None:
        stmt = stmt.where(Report.tracking_no == query.tracking_no)
    if query.target_key is not None:
        stmt = stmt.where(
            Report.id.in_(
                select(ReportTarget.report_id).where(ReportTarget.target_key == query.target_key)
            )
        )
    if query.account is not None:
        by_case = _matching_cases(PortalQuery(account=query.account))
        posts = select(literal("content:").concat(cast(PlatformPost.id, String))).where(
            PlatformPost.account_id == query.account
        )
        own = select(ReportTarget.report_id).where(
            or_(
                ReportTarget.target_key == f"account:{query.account}",
                ReportTarget.target_key.in_(posts),
            )
        )
        stmt = stmt.where(or_(Report.id.in_(own), Report.case_id.in_(by_case)))
    return _newest_first(uow, stmt, Report.received_at, Report.id, limit, after)


def _account_rows(uow: UnitOfWork, query: PortalQuery, limit: int, after: str | None) -> list[Any]:
    stmt = select(Measure).where(Measure.on == "account", *_in_range(Measure.starts_at, query))
    if query.account is not None:
        stmt = stmt.where(Measure.target == f"account:{query.account}")
    other = PortalQuery(
        category=query.category,
        campaign=query.campaign,
        target_key=query.target_key,
        tracking_no=query.tracking_no,
    )
    if other.narrows_cases:
        stmt = stmt.where(Measure.case_id.in_(_matching_cases(other)))
    return _newest_first(uow, stmt, Measure.starts_at, Measure.id, limit, after)


def _entry_rows(uow: UnitOfWork, query: PortalQuery, limit: int, after: str | None) -> list[Any]:
    stmt = select(LedgerEntry)
    if query.start is not None:
        stmt = stmt.where(LedgerEntry.recorded_at >= format_time(query.start))
    if query.end is not None:
        stmt = stmt.where(LedgerEntry.recorded_at < format_time(query.end))
    if query.narrows_cases:
        cases = _matching_cases(query)
        stmt = stmt.where(
            or_(
                (LedgerEntry.subject_type == SubjectType.CASE.value)
                & LedgerEntry.subject_id.in_(
                    select(cast(Case.id, String)).where(Case.id.in_(cases))
                ),
                (LedgerEntry.subject_type == SubjectType.REPORT.value)
                & LedgerEntry.subject_id.in_(
                    select(Report.tracking_no).where(Report.case_id.in_(cases))
                ),
                (LedgerEntry.subject_type == SubjectType.MEASURE.value)
                & LedgerEntry.subject_id.in_(
                    select(cast(Measure.id, String)).where(Measure.case_id.in_(cases))
                ),
            )
        )
    if after is not None:
        try:
            seq = int(after)
        except ValueError:
            raise InvalidInput("not a portal cursor", code="invalid_cursor") from None
        stmt = stmt.where(LedgerEntry.seq < seq)
    return list(uow.session.scalars(stmt.order_by(LedgerEntry.seq.desc()).limit(limit)))


_FINDERS = {CASES: _case_rows, REPORTS: _report_rows, ACCOUNTS: _account_rows, ENTRIES: _entry_rows}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _row(kind: str, item: Any) -> dict[str, Any]:
    if kind == CASES:
        return {
            "id": item.id,
            "status": item.status,
            "category": item.category,
            "campaign": item.campaign,
            "zone": item.zone,
            "channel": item.channel,
            "report_count": item.report_count,
            "opened_at": _iso(item.opened_at),
            "due_at": _iso(item.due_at),
            "decided_at": _iso(item.decided_at),
        }
    if kind == REPORTS:
        return {
            "tracking_no": item.tracking_no,
            "status": item.status,
            "category": item.category,
            "campaign": item.campaign,
            "channel": item.channel,
            "case_id": item.case_id,
            "reporter_kind": item.reporter_kind,
            "right_holder_name": masked(item.right_holder_name),
            "received_at": _iso(item.received_at),
        }
    if kind == ACCOUNTS:
        return {
            "measure_id": item.id,
            "account": item.target,
            "code": item.code,
            "status": item.status,
            "case_id": item.case_id,
            "basis": "; ".join(
                f"{b.get('id', '')} {b.get('article', '')}".strip() for b in item.basis
            ),
            "starts_at": _iso(item.starts_at),
            "expires_at": _iso(item.expires_at),
        }
    return {
        "seq": item.seq,
        "at": item.at.isoformat(),
        "actor": item.actor,
        "event": item.event,
        "subject": f"{item.subject_type}:{item.subject_id}",
        "hash": item.hash,
        "prev_hash": item.prev_hash,
    }


def _next(kind: str, items: Sequence[Any], limit: int) -> str | None:
    if len(items) < limit or not items:
        return None
    last = items[-1]
    if kind == CASES:
        return _cursor(last.opened_at, last.id)
    if kind == REPORTS:
        return _cursor(last.received_at, last.id)
    if kind == ACCOUNTS:
        return _cursor(last.starts_at, last.id)
    return str(last.seq)


def _who(actor: Actor) -> Subject:
    return Subject.of(SubjectType.USER, actor.user_id if actor.user_id is not None else actor.name)


def search(
    database: Database,
    *,
    actor: Actor,
    query: PortalQuery,
    limit: int = 50,
    after: str | None = None,
) -> dict[str, Any]:
    """One page of results, newest first; the query itself is entered in the ledger."""
    require(actor, Permission.OVERSIGHT_READ)
    limit = max(1, min(limit, MAX_PAGE))
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        items = _FINDERS[query.kind](uow, query, limit, after)
        rows = [_row(query.kind, item) for item in items]
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_QUERIED,
            subject=_who(actor),
            payload={
                "what": "search",
                "filters": query.as_payload(),
                "after": after,
                "rows": len(rows),
            },
        )
    return {"kind": query.kind, "rows": rows, "next": _next(query.kind, items, limit)}


def case_timeline(database: Database, *, actor: Actor, case_id: int) -> dict[str, Any]:
    """One case's full record (see :mod:`qinglang.oversight.timeline`); the read is entered."""
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        record = case_record(uow, case_id=case_id)
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_QUERIED,
            subject=_who(actor),
            payload={"what": "case_timeline", "case": case_id},
        )
    return record


def case_opened_at(database: Database, *, actor: Actor, case_id: int) -> datetime:
    """When a case was opened (where its signed export starts); :class:`NotFound` if none."""
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work(read_only=True) as uow:
        opened = uow.session.scalar(select(Case.opened_at).where(Case.id == case_id))
    if opened is None:
        raise NotFound(f"there is no case {case_id}", code="case_not_found")
    return opened


# -- downloads ----------------------------------------------------------------------------

CSV = "csv"
XLSX = "xlsx"
MEDIA_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    media_type: str
    content: bytes
    sha256: str


_COLUMNS = {
    CASES: (
        "id",
        "status",
        "category",
        "campaign",
        "zone",
        "channel",
        "report_count",
        "opened_at",
        "due_at",
        "decided_at",
    ),
    REPORTS: (
        "tracking_no",
        "status",
        "category",
        "campaign",
        "channel",
        "case_id",
        "reporter_kind",
        "right_holder_name",
        "received_at",
    ),
    ACCOUNTS: (
        "measure_id",
        "account",
        "code",
        "status",
        "case_id",
        "basis",
        "starts_at",
        "expires_at",
    ),
    ENTRIES: ("seq", "at", "actor", "event", "subject", "hash", "prev_hash"),
}
_FORMULA_STARTS = ("=", "+", "-", "@")


def _table(kind: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    columns = list(_COLUMNS[kind])
    return columns, [["" if row[c] is None else row[c] for c in columns] for row in rows]


def _csv(columns: list[str], values: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in values:
        # Text that starts like a formula is quoted: a spreadsheet opening it never computes.
        writer.writerow(
            [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_STARTS) else v for v in row]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a BOM: spreadsheet apps read UTF-8


def _xlsx(kind: str, columns: list[str], values: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = kind
    sheet.append(columns)
    for r, row in enumerate(values, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, even one that starts with "="
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download_search(database: Database, *, actor: Actor, query: PortalQuery, fmt: str) -> Download:
    """Every result of ``query`` (up to 50,000 rows) as CSV or XLSX; the download is entered
    in the ledger with the file's SHA-256, in the transaction that read the rows."""
    require(actor, Permission.OVERSIGHT_READ)
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("format is csv or xlsx", code="invalid_format")
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        items = _FINDERS[query.kind](uow, query, MAX_DOWNLOAD_ROWS, None)
        columns, values = _table(query.kind, [_row(query.kind, item) for item in items])
        content = _csv(columns, values) if fmt == CSV else _xlsx(query.kind, columns, values)
        digest = hashlib.sha256(content).hexdigest()
        stamp = uow.clock.now().strftime("%Y%m%d-%H%M%S")
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_DOWNLOADED,
            subject=_who(actor),
            payload={
                "what": "search",
                "format": fmt,
                "filters": query.as_payload(),
                "rows": len(values),
                "sha256": digest,
            },
        )
    return Download(f"qinglang-{query.kind}-{stamp}.{fmt}", MEDIA_TYPES[fmt], content, digest)


def record_download(
    database: Database,
    *,
    actor: Actor,
    what: str,
    filename: str,
    sha256: str,
    details: dict[str, Any],
) -> None:
    """Enter a download made by another service (the signed bundle) in the ledger."""
    require(actor, Permission.OVERSIGHT_READ)
    with database.unit_of_work() as uow:
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_DOWNLOADED,
            subject=_who(actor),
            payload={"what": what, "file": filename, "sha256": sha256, **details},
        )
