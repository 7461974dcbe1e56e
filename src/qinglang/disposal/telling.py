"""Who is told what when a case is decided (RC-1, WS-24): written with the decision.

The reporter gets the outcome — the measures and their legal basis, or why none — by
e-mail if they left one (the tracking page shows it either way). The reported party
gets each measure on its content or account, its basis and period, and how and until
when to object (WS-24), through the platform: the notice names the target
(``post:12``, ``account:3``) and the worker hands it to the platform adapter for the
account that target belongs to (:mod:`qinglang.notices.delivery`). After an objection,
both are told the outcome the same ways. Qinglang holds no e-mail address of reported
parties, so they are told through the platform alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from qinglang.cases.models import Case, CaseProposal, Objection
from qinglang.db.engine import UnitOfWork
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import InvalidInput
from qinglang.intake.models import Report
from qinglang.measures.models import Measure
from qinglang.notices.service import CHINA, Recipient, measure_lines, write
from qinglang.platform.adapter import parse_locator
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
    for address in _party_addresses(uow, case, objection):
        write(
            uow,
            case_id=case.id,
            kind="objection_outcome",
            to=Recipient("reported_party", "platform", address),
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


def _party_addresses(uow: UnitOfWork, case: Case, objection: Objection) -> list[str]:
    """Where the party that objected is told: as the platform named it (``account:3``,
    ``post:12``), else through the content and accounts the case's measures acted on."""
    try:
        return [parse_locator(objection.party).ref]
    except InvalidInput:
        pass
    targets = uow.session.scalars(
        select(Measure.target).where(
            Measure.case_id == case.id, Measure.on.in_(("content", "account"))
        )
    )
    return sorted(set(targets)) or [objection.party]
