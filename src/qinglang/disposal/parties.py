"""The parties of a case, as declared conflicts name them (WS-26)."""

from __future__ import annotations

from sqlalchemy import select

from qinglang.cases.models import Case, CaseTarget
from qinglang.db.engine import UnitOfWork
from qinglang.intake.models import Report


def parties_of(uow: UnitOfWork, case: Case) -> set[str]:
    """Right holders (credit code and name) of the case's reports and its targets' keys."""
    parties: set[str] = set()
    for code, name in uow.session.execute(
        select(Report.right_holder_credit_code, Report.right_holder_name).where(
            Report.case_id == case.id
        )
    ):
        parties.add(name)
        if code:
            parties.add(code)
    parties.update(
        uow.session.scalars(select(CaseTarget.target_key).where(CaseTarget.case_id == case.id))
    )
    return parties
