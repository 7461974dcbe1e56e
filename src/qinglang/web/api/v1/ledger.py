"""``/api/v1/ledger``: read entries and verify the chain (compliance, regulator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from qinglang import ledger
from qinglang.auth.permissions import Permission, require
from qinglang.ledger import Subject, SubjectType
from qinglang.web.api.v1.schemas import ERRORS, LedgerEntryOut, VerificationOut
from qinglang.web.deps import ApiActor, DatabaseDep

router = APIRouter(prefix="/ledger", tags=["ledger"])


@router.get(
    "/entries", response_model=list[LedgerEntryOut], responses=ERRORS, summary="Latest entries"
)
def entries(
    actor: ApiActor,
    database: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    subject_type: SubjectType | None = None,
    subject_id: Annotated[str | None, Query(max_length=128)] = None,
) -> list[LedgerEntryOut]:
    require(actor, Permission.LEDGER_READ)
    subject = (
        Subject(type=subject_type, id=subject_id)
        if subject_type is not None and subject_id is not None
        else None
    )
    rows = ledger.recent_entries(database, limit=limit, subject=subject)
    return [LedgerEntryOut.model_validate(row) for row in rows]


@router.post("/verify", response_model=VerificationOut, responses=ERRORS, summary="Walk the chain")
def verify(actor: ApiActor, database: DatabaseDep) -> VerificationOut:
    require(actor, Permission.LEDGER_VERIFY)
    return VerificationOut.model_validate(ledger.verify(database).as_dict())
