"""``/api/v1/me``: who a token acts as, and what it may do."""

from __future__ import annotations

from fastapi import APIRouter

from qinglang.auth.permissions import Permission, can
from qinglang.web.api.v1.schemas import ERRORS, Me
from qinglang.web.deps import ApiActor

router = APIRouter(tags=["identity"])


@router.get("/me", response_model=Me, responses=ERRORS, summary="The identity behind this token")
def me(actor: ApiActor) -> Me:
    return Me(
        actor=actor.ref,
        username=actor.name,
        roles=sorted(actor.roles),
        scopes=None if actor.scopes is None else sorted(actor.scopes),
        permissions=sorted(p.value for p in Permission if can(actor, p)),
    )
