"""``/api/v1/users``: administrators manage users and their roles."""

from __future__ import annotations

from fastapi import APIRouter, status

from qinglang.auth import users
from qinglang.auth.models import User
from qinglang.web.api.v1.schemas import ERRORS, UserCreate, UserOut, UserPatch
from qinglang.web.deps import ApiActor, DatabaseDep

router = APIRouter(prefix="/users", tags=["users"])


def _out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.roles),
        is_active=user.is_active,
        created_at=user.created_at,
    )


@router.get("", response_model=list[UserOut], responses=ERRORS, summary="List users")
def list_users(actor: ApiActor, database: DatabaseDep) -> list[UserOut]:
    return [_out(u) for u in users.list_users(database, actor=actor)]


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
    summary="Add a user",
)
def create_user(body: UserCreate, actor: ApiActor, database: DatabaseDep) -> UserOut:
    user = users.create_user(
        database,
        actor=actor,
        username=body.username,
        password=body.password,
        roles=body.roles,
        display_name=body.display_name,
    )
    return _out(user)


@router.patch(
    "/{username}",
    response_model=UserOut,
    responses=ERRORS,
    summary="Disable, enable or change roles",
)
def update_user(username: str, body: UserPatch, actor: ApiActor, database: DatabaseDep) -> UserOut:
    user: User | None = None
    if body.roles is not None:
        user = users.set_roles(database, actor=actor, username=username, roles=body.roles)
    if body.is_active is not None:
        user = users.set_active(database, actor=actor, username=username, active=body.is_active)
    if user is None:
        user = users.find_user(database, actor=actor, username=username)
    return _out(user)
