"""Use cases on users: add, list, disable, enable, change roles. One transaction each."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglang import ledger
from qinglang.actor import Actor, ActorKind
from qinglang.auth.models import User, UserRole
from qinglang.auth.passwords import hash_password
from qinglang.auth.permissions import Permission, Role, require
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.ledger import LedgerEvent, Subject, SubjectType

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")


def parse_roles(roles: Iterable[str]) -> frozenset[Role]:
    parsed: set[Role] = set()
    for role in roles:
        try:
            parsed.add(Role(role.strip()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(
                f"unknown role {role!r}; roles are: {known}", code="unknown_role"
            ) from None
    return frozenset(parsed)


def actor_for(
    user: User, *, token_id: int | None = None, scopes: frozenset[str] | None = None
) -> Actor:
    return Actor(
        kind=ActorKind.USER,
        name=user.username,
        user_id=user.id,
        token_id=token_id,
        roles=user.roles,
        scopes=scopes,
        display_name=user.display_name,
    )


def _get(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user named {username!r}", code="user_not_found")
    return user


def _subject(user: User) -> Subject:
    return Subject.of(SubjectType.USER, user.id)


def create_user(
    database: Database,
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str | None = None,
) -> User:
    require(actor, Permission.USERS_MANAGE)
    if not USERNAME.match(username):
        raise InvalidInput(
            "a username is 2 to 64 characters: lower-case letters, digits, '_', '.', '-'",
            code="invalid_username",
        )
    role_set = parse_roles(roles)
    if not role_set:
        raise InvalidInput("a user needs at least one role", code="no_roles")
    password_hash = hash_password(password)
    with database.unit_of_work() as uow:
        return add_user(
            uow,
            actor=actor,
            username=username,
            password_hash=password_hash,
            roles=role_set,
            display_name=display_name,
        )


def add_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    username: str,
    password_hash: str,
    roles: frozenset[Role],
    display_name: str | None = None,
) -> User:
    """Create a user inside the caller's unit of work (permission checked by the caller)."""
    if uow.session.scalars(select(User.id).where(User.username == username)).first():
        raise Conflict(f"the username {username!r} is taken", code="username_taken")
    now = uow.clock.now()
    user = User(
        username=username,
        display_name=(display_name or username).strip()[:128],
        password_hash=password_hash,
        is_active=True,
        created_at=now,
        password_changed_at=now,
        role_rows=[UserRole(role=r.value) for r in sorted(roles)],
    )
    uow.session.add(user)
    uow.session.flush()
    ledger.append(
        uow,
        actor=actor,
        event=LedgerEvent.USER_CREATED,
        subject=_subject(user),
        payload={
            "username": user.username,
            "display_name": user.display_name,
            "roles": sorted(r.value for r in roles),
        },
    )
    return user


def list_users(database: Database, *, actor: Actor) -> list[User]:
    require(actor, Permission.USERS_READ)
    with database.unit_of_work(read_only=True) as uow:
        return list(uow.session.scalars(select(User).order_by(User.username)))


def get_user(database: Database, *, user_id: int) -> User | None:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.get(User, user_id)


def set_active(database: Database, *, actor: Actor, username: str, active: bool) -> User:
    """Disable (or re-enable) a user: sessions and tokens stop working at once."""
    require(actor, Permission.USERS_MANAGE)
    with database.unit_of_work() as uow:
        user = _get(uow.session, username)
        if user.is_active == active:
            return user
        if not active and actor.user_id == user.id:
            raise InvalidInput("you cannot disable yourself", code="cannot_disable_self")
        user.is_active = active
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.USER_ENABLED if active else LedgerEvent.USER_DISABLED,
            subject=_subject(user),
            payload={"username": user.username},
        )
        return user


def set_roles(database: Database, *, actor: Actor, username: str, roles: Iterable[str]) -> User:
    require(actor, Permission.USERS_MANAGE)
    role_set = parse_roles(roles)
    if not role_set:
        raise InvalidInput("a user needs at least one role", code="no_roles")
    with database.unit_of_work() as uow:
        user = _get(uow.session, username)
        before = sorted(user.roles)
        after = sorted(r.value for r in role_set)
        if before == after:
            return user
        user.role_rows = [UserRole(role=r) for r in after]
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.USER_ROLES_CHANGED,
            subject=_subject(user),
            payload={"username": user.username, "before": before, "after": after},
        )
        return user


def find_user(database: Database, *, actor: Actor, username: str) -> User:
    require(actor, Permission.USERS_READ)
    with database.unit_of_work(read_only=True) as uow:
        return _get(uow.session, username)
