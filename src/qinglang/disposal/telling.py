"""Who is told what when a case is decided (RC-1, WS-24): written with the decision.

The reporter gets the outcome — the measures and their legal basis, or why none — by
e-mail if they left one (the tracking page shows it either way). The reported party
gets each measure on its content or account, its basis and period, and how and until
when to object (WS-24), through the platform. After an objection, both are told.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from qinglang.cases.models import Case, CaseProposal, Objection
from qinglang.db.engine import UnitOfWork
from qinglang.disposal.rules import DisposalRules
from qinglang.intake.models import Report
from qinglang.measures.models import Measure
from qinglang.notices.service import CHINA, Recipient, measure_lines, write
from qinglang.policy.model import Pack


def _reporters(uow: UnitOfWork, case: Case) -> list[Report]:
    return list(
        uow.session.scalars(
            select(Report).where(Report.case_id == case.id, Report.reporter_email.is_not(None))
        )
    )


def decided(
    uow: UnitOfWork,
    *,
    case: Case,
    proposal: CaseProposal,
    measures: list[Measure],
    pack: Pack,
    rules: DisposalRules,
    reason: str,
) -> None:
    settings = rules.notices
    track = f"{settings.base_url}/track"
    for report in _reporters(uow, case):
        write(
            uow,
            case_id=case.id,
            kind="outcome",
            to=Recipient("reporter", "email", report.reporter_email or ""),
            context={
                "name": report.reporter_name or "举报人",
                "tracking_no": report.tracking_no,
                "measures": measure_lines(pack, proposal.measures, "zh-CN", {}),
                "reason": reason,
                "track_url": track,
                "platform": settings.platform,
            },
        )
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    until = {m.target: m.expires_at for m in measures if m.expires_at is not None}
    for m in proposal.measures:
        if m["on"] in ("content", "account"):
            by_target[m["target"]].append(m)
    deadline = (case.decided_at or uow.clock.now()) + settings.objection_window
    for target, items in sorted(by_target.items()):
        what = "账号" if target.startswith("account:") else "发布的信息"
        write(
            uow,
            case_id=case.id,
            kind="measure",
            to=Recipient("reported_party", "platform", target),
            context={
                "what": what,
                "measures": measure_lines(
                    pack, items, "zh-CN", {k: v for k, v in until.items() if v is not None}
                ),
                "deadline": deadline.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
                "platform": settings.platform,
            },
        )


def objection_answered(
    uow: UnitOfWork, *, case: Case, objection: Objection, rules: DisposalRules
) -> None:
    outcome = {"upheld": "维持原处置", "modified": "变更处置", "revoked": "撤销处置并恢复"}
    context = {
        "case_id": case.id,
        "outcome": outcome.get(objection.outcome or "", objection.outcome or ""),
        "reason": objection.reason or "",
        "platform": rules.notices.platform,
    }
    write(
        uow,
        case_id=case.id,
        kind="objection_outcome",
        to=Recipient("reported_party", "platform", objection.party),
        context=context,
    )
    for report in _reporters(uow, case):
        write(
            uow,
            case_id=case.id,
            kind="objection_outcome",
            to=Recipient("reporter", "email", report.reporter_email or ""),
            context=context,
        )
