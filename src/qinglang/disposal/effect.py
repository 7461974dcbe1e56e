"""What a decision does: the measures it orders, on which targets, and when it takes effect.

A proposal's measures become orders on concrete targets: content measures on each
piece of content the case is about, account measures on the accounts it names or, for
content, on its author (asked of the platform); report measures on each report of the
case. Each keeps its legal basis: the engine's where it recommended the measure, else
the pack rules that list it (a measure no rule grounds cannot be ordered).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.cases import lifecycle
from qinglang.cases.models import (
    Case,
    CaseAssessment,
    CaseProposal,
    CaseTarget,
    RegulatorReview,
)
from qinglang.db.engine import Database, UnitOfWork
from qinglang.disposal import supervision, telling
from qinglang.disposal.rules import DisposalRules
from qinglang.errors import DomainError, InvalidInput
from qinglang.intake.grouping import resolve_stored
from qinglang.intake.models import Report
from qinglang.intake.standing import reassess
from qinglang.ledger import LedgerEvent
from qinglang.measures.models import Measure
from qinglang.measures.service import MeasureOrder, record_measures, requeue_refused
from qinglang.platform.adapter import PlatformAdapter
from qinglang.policy.engine import Decision
from qinglang.policy.model import Pack

if TYPE_CHECKING:
    from qinglang.disposal.review import ProposedMeasure

DECIDED = "decided"
PENDING_REGULATOR = "pending_regulator"


def _keys(uow: UnitOfWork, case: Case) -> list[str]:
    return list(
        uow.session.scalars(
            select(CaseTarget.target_key)
            .where(CaseTarget.case_id == case.id)
            .order_by(CaseTarget.id)
        )
    )


def _authors(posts: list[str], adapter: PlatformAdapter | None) -> list[str]:
    found: list[str] = []
    for post in posts:
        if adapter is None:
            break
        try:
            content = adapter.fetch_snapshot(locator=post).content
        except DomainError:
            continue
        account = content.get("account")
        if isinstance(account, dict) and isinstance(account.get("id"), int):
            found.append(f"account:{account['id']}")
    return list(dict.fromkeys(found))


def _basis(pack: Pack, decision: Decision, code: str) -> list[dict[str, str]]:
    for m in decision.measures:
        if m.code == code:
            return [{"id": b.requirement, "article": b.article} for b in m.basis]
    rules = pack.disposal.rules if pack.disposal else ()
    grounds = [
        {"id": r.basis.requirement, "article": r.basis.article}
        for r in rules
        if any(spec.code == code for spec in r.measures) or (r.grading and _graded(pack, code))
    ]
    if not grounds:
        raise InvalidInput(
            f"no rule of {pack.id} grounds the measure {code!r}", code="measure_without_basis"
        )
    return grounds


def _graded(pack: Pack, code: str) -> bool:
    grading = pack.disposal.grading if pack.disposal else None
    return grading is not None and any(
        spec.code == code for grade in grading.grades for spec in grade.measures
    )


def orders_for(
    uow: UnitOfWork,
    pack: Pack,
    case: Case,
    decision: Decision,
    measures: Sequence[ProposedMeasure],
    *,
    adapter: PlatformAdapter | None,
) -> list[MeasureOrder]:
    keys = _keys(uow, case)
    locators = [loc for k in keys if (loc := resolve_stored("", "", k).locator)]
    posts = [loc for loc in locators if loc.startswith("post:")]
    accounts = [loc for loc in locators if loc.startswith("account:")]
    orders: list[MeasureOrder] = []
    for m in measures:
        kind = pack.disposal.measure(m.code) if pack.disposal else None
        on = kind.on[0] if kind else "content"
        basis = _basis(pack, decision, m.code)
        if m.target is not None:
            targets = [m.target]
        elif on == "content":
            targets = posts
        elif on == "account":
            targets = accounts or _authors(posts, adapter)
        elif on == "report":
            targets = [
                f"report:{rid}"
                for rid in uow.session.scalars(select(Report.id).where(Report.case_id == case.id))
            ]
        else:
            targets = [f"case:{case.id}"]
        if not targets:
            raise InvalidInput(
                f"{m.code} acts on {on}, and this case names none the platform knows",
                code="no_target_for_measure",
            )
        orders.extend(
            MeasureOrder(code=m.code, on=on, target=t, params=dict(m.params), basis=basis)
            for t in targets
        )
    return orders


def order_json(order: MeasureOrder) -> dict[str, Any]:
    return {
        "code": order.code,
        "on": order.on,
        "target": order.target,
        "params": dict(order.params),
        "basis": [dict(b) for b in order.basis],
    }


def _orders(proposal: CaseProposal) -> list[MeasureOrder]:
    return [
        MeasureOrder(
            code=m["code"], on=m["on"], target=m["target"], params=m["params"], basis=m["basis"]
        )
        for m in proposal.measures
    ]


def advance(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case: Case,
    proposal: CaseProposal,
    rules: DisposalRules,
) -> None:
    """After approval (or none needed): to the regulator if WS-25 asks, else take effect."""
    reviews = [r for r in proposal.requires if r.startswith("regulator_review")]
    done = {
        r.level
        for r in uow.session.scalars(
            select(RegulatorReview).where(
                RegulatorReview.proposal_id == proposal.id, RegulatorReview.status == "approved"
            )
        )
    }
    pending = [r for r in reviews if r.removeprefix("regulator_review_") not in done]
    if pending:
        level = "central" if "regulator_review_central" in pending else "provincial"
        now = uow.clock.now()
        uow.session.add(
            RegulatorReview(
                case_id=case.id,
                proposal_id=proposal.id,
                level=level,
                status="pending",
                comments=[],
                sent_at=now,
            )
        )
        case.status = PENDING_REGULATOR
        proposal.status = PENDING_REGULATOR
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CASE_SENT_TO_REGULATOR,
            subject=lifecycle.subject(case),
            payload={"proposal": proposal.id, "level": level},
        )
        return
    take_effect(uow, actor=actor, case=case, proposal=proposal, rules=rules)


def take_effect(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case: Case,
    proposal: CaseProposal,
    rules: DisposalRules,
) -> None:
    """Decide: record the measures (delivered through the outbox) and close the case;
    then recount the record of each of its reporters (WS-18)."""
    now = uow.clock.now()
    measures = record_measures(uow, actor=actor, case_id=case.id, orders=_orders(proposal))
    proposal.status = DECIDED
    case.status = DECIDED
    case.decided_at = now
    uow.session.execute(update(CaseTarget).where(CaseTarget.case_id == case.id).values(open=False))
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.CASE_DECIDED,
        subject=lifecycle.subject(case),
        payload={
            "proposal": proposal.id,
            "measures": [m.id for m in measures],
            "within_time_limit": case.due_at is None or now <= case.due_at,
        },
    )
    supervision.maybe_draw(uow, actor=actor, case=case, proposal=proposal, rules=rules)
    pack = rules.packs.get(case.pack)
    if pack is not None:
        assessment = uow.session.get(CaseAssessment, proposal.assessment_id)
        why = (assessment.recommendation.get("no_measure_reason_zh") if assessment else None) or ""
        telling.decided(
            uow,
            case=case,
            proposal=proposal,
            measures=measures,
            pack=pack,
            rules=rules,
            reason=why or proposal.reason,
        )
    keys = set(uow.session.scalars(select(Report.reporter_key).where(Report.case_id == case.id)))
    for key in sorted(keys):
        reassess(uow, actor=actor, reporter_key=key, policy=rules.reporters)


def send_again(
    database: Database, *, actor: Actor, case_id: int, measure_id: int, reason: str
) -> Measure:
    """An approver sends a measure the platform refused once more (its message id kept),
    after the cause was fixed; one transaction, one ``measure_requeued`` entry."""
    require(actor, Permission.CASES_APPROVE)
    with database.unit_of_work() as uow:
        return requeue_refused(
            uow, actor=actor, case_id=case_id, measure_id=measure_id, reason=reason
        )
