"""Periodic reports to the regulator (WS-28, SM-9, ES-1): one month's figures, JSON and XLSX.

:func:`generate` counts a month ``YYYY-MM`` (China-time days) from the same queries as
the statistics, writes ``<data_dir>/reports/<period>/periodic-report-<period>-<id>.json``
and ``.xlsx``, stores each file's SHA-256 (of the bytes written) and enters a
``periodic_report_generated`` ledger entry with the period, both hashes and the
headline figures, all in one transaction. The XLSX is repacked with fixed timestamps,
so the same figures generated at the same moment give the same bytes.

The worker calls :func:`generate_missing` early each month: last month's report, once.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases.deadlines import CHINA
from qinglang.cases.models import Case
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import InvalidInput
from qinglang.intake.setup import shipped_campaigns
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.measures.models import Measure
from qinglang.oversight.models import PeriodicReport
from qinglang.oversight.statistics import Period, figures, measure_breakdown
from qinglang.settings import Settings

_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
MONETISATION = ("suspend_monetisation", "revoke_monetisation")
HEADLINE = (
    "items_removed",
    "content_labelled",
    "accounts_handled",
    "accounts_closed",
    "accounts_muted_or_demonetised",
    "followers_cleared",
    "monetisation_restrictions",
    "reports_received",
    "reports_accepted",
    "reports_refused_malicious",
    "reporters_refused",
    "objections_received",
    "reversals",
    "cases_decided",
    "share_within_deadline",
)
HEADLINE_ZH = {
    "items_removed": "删除信息（条）",
    "content_labelled": "标注信息（条）",
    "accounts_handled": "处置账号（个）",
    "accounts_closed": "其中关闭账号",
    "accounts_muted_or_demonetised": "其中禁言或限制营利",
    "followers_cleared": "清理粉丝的账号",
    "monetisation_restrictions": "限制营利措施（SM-9）",
    "reports_received": "收到举报",
    "reports_accepted": "受理举报",
    "reports_refused_malicious": "恶意举报不予受理",
    "reporters_refused": "被限制举报的举报人",
    "objections_received": "收到申诉",
    "reversals": "申诉改判（撤销或变更）",
    "cases_decided": "办结案件",
    "share_within_deadline": "限时办结率",
}


@dataclass(frozen=True, slots=True)
class Month:
    period: str
    start: date
    end: date  # exclusive: the first day of the next month

    @property
    def days(self) -> Period:
        return Period(start=self.start, end=date.fromordinal(self.end.toordinal() - 1))


def parse_period(period: str, *, today: date) -> Month:
    """``YYYY-MM`` of a month that has begun (China time); else ``invalid_period``."""
    match = _PERIOD.fullmatch(period.strip())
    month = int(match.group(2)) if match else 0
    if match is None or not 1 <= month <= 12 or int(match.group(1)) < 2000:
        raise InvalidInput(
            f"the period is a month written YYYY-MM (e.g. 2026-10), not {period!r}",
            code="invalid_period",
            details={"period": period},
        )
    start = date(int(match.group(1)), month, 1)
    if start > today:
        raise InvalidInput(
            f"{period} has not begun yet", code="period_in_future", details={"period": period}
        )
    end = date(start.year + (month == 12), month % 12 + 1, 1)
    return Month(period=f"{start.year:04d}-{month:02d}", start=start, end=end)


def last_month(today: date) -> str:
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _monetisation(session: Session, month: Month) -> list[dict[str, Any]]:
    """SM-9: every monetisation restriction decided in the month."""
    days = month.days
    rows = session.execute(
        select(Measure, Case.category, Case.campaign)
        .join(Case, Case.id == Measure.case_id)
        .where(
            Measure.code.in_(MONETISATION),
            Measure.starts_at >= days.since,
            Measure.starts_at < days.until,
        )
        .order_by(Measure.starts_at, Measure.id)
    )
    return [
        {
            "account": m.target,
            "measure": m.code,
            "starts_at": m.starts_at.astimezone(CHINA).isoformat(),
            "expires_at": m.expires_at.astimezone(CHINA).isoformat() if m.expires_at else None,
            "status": m.status,
            "case": m.case_id,
            "category": category,
            "campaign": campaign,
        }
        for m, category, campaign in rows
    ]


def report_figures(session: Session, month: Month) -> dict[str, Any]:
    """Everything the month's report states, as plain JSON values."""
    days = month.days
    summary = figures(session, campaign=None, period=days)
    breakdown = measure_breakdown(session, period=days)
    monetisation = _monetisation(session, month)
    summary["monetisation_restrictions"] = len(monetisation)
    campaigns = []
    for campaign in sorted(shipped_campaigns()):
        each = figures(session, campaign=campaign, period=days)
        campaigns.append({"campaign": campaign} | {k: each[k] for k in HEADLINE if k in each})
    return {
        "period": month.period,
        "from": days.start.isoformat(),
        "to": days.end.isoformat(),
        "time_zone": "Asia/Shanghai",
        "headline": {k: summary[k] for k in HEADLINE},
        "summary": summary,
        "account_disposals": [r for r in breakdown if r["on"] == "account"],
        "content_measures": [r for r in breakdown if r["on"] == "content"],
        "monetisation": monetisation,
        "campaigns": campaigns,
    }


# -- the files -----------------------------------------------------------------------------


def render_json(report: dict[str, Any]) -> bytes:
    text = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


Sheet = tuple[str, list[tuple[str, str, int]], list[list[Any]]]


def _sheets(report: dict[str, Any]) -> list[Sheet]:
    headline = report["headline"]
    breakdown_columns = [
        ("处置措施", "Measure", 28),
        ("类别", "Category", 30),
        ("专项行动", "Campaign", 28),
        ("措施数", "Measures", 12),
    ]

    def breakdown(rows: list[dict[str, Any]]) -> list[list[Any]]:
        return [
            [r["measure"], r["category"], r["campaign"] or "", r["measures"], r["targets"]]
            for r in rows
        ]

    summary = report["summary"]
    reports = [
        ["reports_received", summary["reports_received"]],
        ["reports_accepted", summary["reports_accepted"]],
        ["reports_refused_malicious", summary["reports_refused_malicious"]],
        ["reporters_refused", summary["reporters_refused"]],
        ["median_seconds_to_acceptance", summary["median_seconds_to_acceptance"]],
    ]
    objections = [
        ["objections_received", summary["objections_received"]],
        ["objections_decided", summary["objections_decided"]],
        ["revoked", summary["reversals_by_outcome"]["revoked"]],
        ["modified", summary["reversals_by_outcome"]["modified"]],
        ["reversals", summary["reversals"]],
    ]
    return [
        (
            "概要 Summary",
            [("指标", "Figure", 36), ("代码", "Code", 34), ("数值", "Value", 14)],
            [[HEADLINE_ZH[k], k, headline[k]] for k in HEADLINE],
        ),
        (
            "账号处置 Accounts",
            [*breakdown_columns, ("账号数", "Accounts", 12)],
            breakdown(report["account_disposals"]),
        ),
        (
            "内容处置 Content",
            [*breakdown_columns, ("信息数", "Items", 12)],
            breakdown(report["content_measures"]),
        ),
        (
            "限制营利 Monetisation",
            [
                ("账号", "Account", 16),
                ("措施", "Measure", 24),
                ("开始", "Starts", 28),
                ("结束", "Ends", 28),
                ("状态", "Status", 12),
                ("案件", "Case", 10),
                ("类别", "Category", 28),
                ("专项行动", "Campaign", 28),
            ],
            [
                [
                    r["account"],
                    r["measure"],
                    r["starts_at"],
                    r["expires_at"] or "",
                    r["status"],
                    r["case"],
                    r["category"],
                    r["campaign"] or "",
                ]
                for r in report["monetisation"]
            ],
        ),
        ("举报 Reports", [("指标", "Figure", 34), ("数值", "Value", 14)], reports),
        ("申诉 Objections", [("指标", "Figure", 34), ("数值", "Value", 14)], objections),
        (
            "专项行动 Campaigns",
            [("专项行动", "Campaign", 30)] + [(HEADLINE_ZH[k], k, 16) for k in HEADLINE],
            [[c["campaign"], *(c.get(k) for k in HEADLINE)] for c in report["campaigns"]],
        ),
    ]


def render_xlsx(report: dict[str, Any], *, generated_at: datetime) -> bytes:
    """One sheet per table: zh-CN headers, English beneath, frozen, widths set."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, columns, rows in _sheets(report):
        sheet = book.create_sheet(title)
        sheet.append([zh for zh, _, _ in columns])
        sheet.append([en for _, en, _ in columns])
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A3"
        for i, (_, _, width) in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
    when = generated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    book.properties.creator = "Qinglang"
    book.properties.created = book.properties.modified = when
    raw = io.BytesIO()
    book.save(raw)
    return _repacked(raw.getvalue(), when)


def _repacked(raw: bytes, when: datetime) -> bytes:
    """The same archive with every entry stamped ``when`` (zip keeps the local time)."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = _MODIFIED.sub(
                    f"\\g<1>{when.strftime('%Y-%m-%dT%H:%M:%SZ')}\\g<2>".encode(), data
                )
            target.writestr(entry, data)
    return out.getvalue()


def _write(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` (atomically); the SHA-256 of the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_of(report: PeriodicReport) -> dict[str, Path]:
    """The report's two files: ``{"json": …, "xlsx": …}``."""
    stem = f"periodic-report-{report.period}-{report.id}"
    folder = Path(report.path)
    return {"json": folder / f"{stem}.json", "xlsx": folder / f"{stem}.xlsx"}


# -- the use cases -------------------------------------------------------------------------


def _generate(uow: UnitOfWork, *, settings: Settings, actor: Actor, month: Month) -> PeriodicReport:
    now = uow.clock.now()
    content = report_figures(uow.session, month)
    report = PeriodicReport(
        period=month.period,
        period_start=month.start,
        period_end=month.end,
        generated_at=now,
        generated_by=actor.ref,
        figures=content,
        json_sha256="",
        xlsx_sha256="",
        path=str((settings.data_dir / "reports" / month.period).resolve()),
    )
    uow.session.add(report)
    uow.session.flush()
    paths = files_of(report)
    report.json_sha256 = _write(paths["json"], render_json(content))
    report.xlsx_sha256 = _write(paths["xlsx"], render_xlsx(content, generated_at=now))
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.PERIODIC_REPORT_GENERATED,
        subject=Subject.of(SubjectType.SYSTEM, f"periodic_report:{report.id}"),
        payload={
            "period": month.period,
            "report": report.id,
            "json_sha256": report.json_sha256,
            "xlsx_sha256": report.xlsx_sha256,
            "files": [p.name for p in paths.values()],
            "headline": content["headline"],
        },
    )
    uow.session.flush()
    return report


def generate(
    database: Database, *, settings: Settings, actor: Actor, period: str
) -> PeriodicReport:
    """Generate the report of month ``period`` (``YYYY-MM``) now, even if one exists."""
    require(actor, Permission.PERIODIC_REPORTS_GENERATE)
    today = database.clock.now().astimezone(CHINA).date()
    month = parse_period(period, today=today)
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        return _generate(uow, settings=settings, actor=actor, month=month)


def generate_missing(
    database: Database, *, settings: Settings, actor: Actor
) -> PeriodicReport | None:
    """Last month's report, if none exists yet (the worker, early each month)."""
    require(actor, Permission.PERIODIC_REPORTS_GENERATE)
    today = database.clock.now().astimezone(CHINA).date()
    month = parse_period(last_month(today), today=today)
    with database.unit_of_work(read_only=True) as uow:
        if _exists(uow.session, month.period):
            return None
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)  # one generator at a time: check again under the lock
        if _exists(uow.session, month.period):
            return None
        return _generate(uow, settings=settings, actor=actor, month=month)


def _exists(session: Session, period: str) -> bool:
    found = session.scalars(
        select(PeriodicReport.id).where(PeriodicReport.period == period).limit(1)
    ).first()
    return found is not None


def list_reports(database: Database, *, actor: Actor, limit: int = 24) -> list[PeriodicReport]:
    """The latest reports, newest first."""
    require(actor, Permission.STATISTICS_READ)
    with database.unit_of_work(read_only=True) as uow:
        return list(
            uow.session.scalars(
                select(PeriodicReport)
                .order_by(PeriodicReport.generated_at.desc(), PeriodicReport.id.desc())
                .limit(limit)
            )
        )


def report_file(database: Database, *, actor: Actor, report_id: int, kind: str) -> Path | None:
    """The path of report ``report_id``'s ``json`` or ``xlsx`` file (None if unknown)."""
    require(actor, Permission.STATISTICS_READ)
    if kind not in ("json", "xlsx"):
        return None
    with database.unit_of_work(read_only=True) as uow:
        report = uow.session.get(PeriodicReport, report_id)
        if report is None:
            return None
        path = files_of(report)[kind]
    return path if path.is_file() else None


def record_download(database: Database, *, actor: Actor, report_id: int, kind: str) -> None:
    """A regulator's download of a report file is itself a ledger entry (item 3)."""
    if "regulator" not in actor.roles:
        return
    with database.unit_of_work() as uow:
        ledger.serialise_appends(uow)
        report = uow.session.get(PeriodicReport, report_id)
        if report is None:
            return
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.REGULATOR_DOWNLOADED,
            subject=Subject.of(SubjectType.SYSTEM, f"periodic_report:{report.id}"),
            payload={
                "what": "periodic_report",
                "period": report.period,
                "file": files_of(report)[kind].name,
                "sha256": report.json_sha256 if kind == "json" else report.xlsx_sha256,
            },
        )
