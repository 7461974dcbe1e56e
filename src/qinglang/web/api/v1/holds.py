"""``/api/v1/holds``: legal holds (WS-28) — list, place, release. Compliance officers only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from qinglang.oversight import holds
from qinglang.web.api.v1.schemas import ERRORS
from qinglang.web.deps import ApiActor, DatabaseDep

router = APIRouter(prefix="/holds", tags=["holds"])
_ERRORS = ERRORS | {409: ERRORS[422]}


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(
        max_length=160, description="case:N, report:TRACKING, account:N, subject:NAME"
    )
    reason: str = Field(max_length=holds.MAX_REASON)


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=holds.MAX_REASON)


@router.get("", responses=ERRORS, summary="Active legal holds (all=true: released ones too)")
def list_holds(
    actor: ApiActor, database: DatabaseDep, all: bool = Query(default=False)
) -> dict[str, Any]:
    found = holds.list_holds(database, actor=actor, include_released=all)
    return {"holds": [hold.as_dict() for hold in found]}


@router.post("", status_code=201, responses=_ERRORS, summary="Place a legal hold")
def place(body: HoldIn, actor: ApiActor, database: DatabaseDep) -> dict[str, Any]:
    return holds.place_hold(
        database, actor=actor, subject=body.subject, reason=body.reason
    ).as_dict()


@router.post("/{hold_id}/release", responses=_ERRORS, summary="Release a legal hold")
def release(
    hold_id: int, body: ReleaseIn, actor: ApiActor, database: DatabaseDep
) -> dict[str, Any]:
    return holds.release_hold(database, actor=actor, hold_id=hold_id, reason=body.reason).as_dict()
