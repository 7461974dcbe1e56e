"""限时加私 (WS-21) is a holding measure: before it expires, its case returns to review.

The worker calls :func:`reopen_before_expiry` each round. A case whose time-limited
make-private measure expires within the window is reopened (``case_reopened``), due
by the measure's expiry, so the platform decides on fuller evidence while the content
is still private, rather than letting it reappear undecided.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.cases import lifecycle
from qinglang.cases.models import Case, CaseTarget
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEvent
from qinglang.measures.timers import due_soon, mark_review_requested

WINDOW = timedelta(days=3)


def reopen_before_expiry(
    database: Database, *, actor: Actor, within: timedelta = WINDOW
) -> list[int]:
    """Reopen the cases of make-private measures expiring within ``within``; their ids."""
    reopened: list[int] = []
    for due in due_soon(database, within=within):
        with database.unit_of_work() as uow:
            if not mark_review_requested(uow, measure_id=due.measure_id):
                continue  # another worker did it
            case = uow.session.scalars(
                select(Case).where(Case.id == due.case_id).with_for_update()
            ).one()
            case.status = lifecycle.OPEN
            case.due_at = due.expires_at
            case.claimed_by = None
            case.claim_expires_at = None
            case.version += 1
            uow.session.execute(
                update(CaseTarget).where(CaseTarget.case_id == case.id).values(open=True)
            )
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.CASE_REOPENED,
                subject=lifecycle.subject(case),
                payload={
                    "reason": "make_private_time_limited_expiring",
                    "measure": due.measure_id,
                    "expires_at": due.expires_at.isoformat(),
                    "due_at": due.expires_at.isoformat(),
                },
            )
            reopened.append(case.id)
    return reopened
