"""What a reporter is told: the receipt of a submission and the state of a report (RC-1).

Plain JSON-ready dictionaries, the same for the API, the CLI and the public pages.
A message is given in zh-CN and English: ``{"zh-CN": …, "en": …}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from qinglang.cases.models import Case, CaseAssessment, CaseProposal
from qinglang.db.engine import UnitOfWork
from qinglang.intake.completeness import Completeness
from qinglang.intake.models import Evidence, Report, ReportEvidence, ReportTarget


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def missing_json(completeness: Completeness) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"item": m.item, "code": m.code, "message": {"zh-CN": m.message.zh, "en": m.message.en}}
        for m in completeness.missing
    ]
    return items


def not_counted_json(report: Report, types: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "type": t,
            "message": {
                "zh-CN": f"该类材料不属于本类别可接受的初步证据，已保存但不计入：{t}",
                "en": f"Kept, but not counted: {t} is not preliminary evidence "
                f"for a {report.category} report.",
            },
        }
        for t in types
    ]


def receipt(
    report: Report, case: Case | None, *, duplicate_of: str | None, not_counted: list[str]
) -> dict[str, Any]:
    """The 201 body of ``POST /api/v1/reports`` (without the access token)."""
    return {
        "id": report.id,
        "tracking_no": report.tracking_no,
        "status": report.status,
        "missing": report.missing,
        "not_counted": not_counted_json(report, not_counted),
        "case_id": report.case_id,
        "due_at": iso(case.due_at) if case is not None and report.status != "duplicate" else None,
        "supplement_due_at": iso(report.supplement_due_at),
        "duplicate_of": duplicate_of,
    }


def report_state(uow: UnitOfWork, report: Report) -> dict[str, Any]:
    """Everything the reporter may see about ``report``, now."""
    case = uow.session.get(Case, report.case_id) if report.case_id is not None else None
    items = uow.session.execute(
        select(ReportEvidence, Evidence)
        .join(Evidence, Evidence.id == ReportEvidence.evidence_id)
        .where(ReportEvidence.report_id == report.id)
        .order_by(ReportEvidence.id)
    ).all()
    targets = uow.session.scalars(
        select(ReportTarget)
        .where(ReportTarget.report_id == report.id)
        .order_by(ReportTarget.position)
    )
    first = uow.session.get(Report, report.duplicate_of) if report.duplicate_of else None
    return {
        "tracking_no": report.tracking_no,
        "status": report.status,
        "category": report.category,
        "subtype": report.subtype,
        "channel": report.channel,
        "zone": report.zone,
        "campaign": report.campaign,
        "pack": report.pack,
        "involves_minor": report.involves_minor,
        "received_at": iso(report.received_at),
        "accepted_at": iso(report.accepted_at),
        "closed_at": iso(report.closed_at),
        "missing": report.missing,
        "not_counted": not_counted_json(
            report, [link.type for link, _ in items if not link.counted]
        ),
        "supplement_due_at": iso(report.supplement_due_at),
        "due_at": iso(case.due_at) if case is not None and report.status == "accepted" else None,
        "due_provisional": bool(case and case.due_provisional),
        "duplicate_of": first.tracking_no if first else None,
        "case": (
            {
                "id": case.id,
                "status": case.status,
                "report_count": case.report_count,
            }
            if case is not None
            else None
        ),
        "targets": [{"kind": t.kind, "given": t.given, "key": t.target_key} for t in targets],
        "evidence": [
            {
                "id": e.id,
                "type": link.type,
                "counted": link.counted,
                "sha256": e.sha256,
                "media_type": e.media_type,
                "display_name": e.display_name,
                "attached_in": link.attached_in,
            }
            for link, e in items
        ],
        "outcome": outcome(uow, case) if case is not None else None,
    }


def outcome(uow: UnitOfWork, case: Case) -> dict[str, Any] | None:
    """What was decided, once it was: the measures with their legal basis, or why none."""
    if case.decided_at is None:
        return None
    proposal = uow.session.scalars(
        select(CaseProposal)
        .where(CaseProposal.case_id == case.id, CaseProposal.status == "decided")
        .order_by(CaseProposal.id.desc())
        .limit(1)
    ).first()
    if proposal is None:
        return None
    assessment = uow.session.get(CaseAssessment, proposal.assessment_id)
    why = assessment.recommendation.get("no_measure_reason_zh") if assessment else None
    return {
        "decided_at": iso(case.decided_at),
        "measures": [
            {"code": m["code"], "on": m["on"], "basis": m["basis"]} for m in proposal.measures
        ],
        "no_measure_reason": None if proposal.measures else (why or proposal.reason),
        "case_status": case.status,
    }
