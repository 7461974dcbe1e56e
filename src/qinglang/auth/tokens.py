"""API tokens for integrations: shown once, stored as a SHA-256 hash, narrowed by scopes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.models import ApiToken, User
from qinglang.auth.permissions import Permission, can, permissions_of, require
from qinglang.auth.users import actor_for
from qinglang.db.engine import Database
from qinglang.errors import InvalidInput, NotAuthenticated, NotFound
from qinglang.ledger import LedgerEvent, Subject, SubjectType

TOKEN_PREFIX = "qlt_"
_SHOWN_PREFIX = 12
# A token is not written back on every request: last use is kept to this precision.
_LAST_USED_PRECISION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the person once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(scopes: Iterable[str]) -> frozenset[Permission]:
    parsed: set[Permission] = set()
    for scope in scopes:
        try:
            parsed.add(Permission(scope.strip()))
        except ValueError:
            known = ", ".join(p.value for p in Permission)
            raise InvalidInput(
                f"unknown scope {scope!r}; scopes are: {known}", code="unknown_scope"
            ) from None
    return frozenset(parsed)


def create_token(
    database: Database,
    *,
    actor: Actor,
    username: str,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Issue a token for ``username``. Its scopes must lie within that user's roles."""
    scope_set = parse_scopes(scopes)
    if not scope_set:
        raise InvalidInput("a token needs at least one scope", code="no_scopes")
    name = name.strip()
    if not name or len(name) > 128:
        raise InvalidInput("a token needs a name of 1 to 128 characters", code="invalid_token_name")
    with database.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.is_active:
            raise NotFound(f"no active user named {username!r}", code="user_not_found")
        require(actor, Permission.TOKENS_MANAGE, _Owner(user.id))
        beyond = scope_set - permissions_of(user.roles)
        if beyond:
            raise InvalidInput(
                f"{username} may not hold: {', '.join(sorted(beyond))}",
                code="scope_exceeds_roles",
            )
        now = uow.clock.now()
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("the expiry must be in the future", code="invalid_expiry")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user_id=user.id,
            name=name,
            prefix=secret[:_SHOWN_PREFIX],
            token_hash=_digest(secret),
            scopes=sorted(s.value for s in scope_set),
            created_at=now,
            expires_at=expires_at,
        )
        uow.session.add(token)
        uow.session.flush()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.TOKEN_CREATED,
            subject=Subject.of(SubjectType.API_TOKEN, token.id),
            payload={
                "user": username,
                "name": name,
                "prefix": token.prefix,
                "scopes": token.scopes,
                "expires_at": expires_at,
            },
        )
        return IssuedToken(token=token, secret=secret)


@dataclass(frozen=True, slots=True)
class _Owner:
    user_id: int


def revoke_token(database: Database, *, actor: Actor, token_id: int) -> ApiToken:
    with database.unit_of_work() as uow:
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"no token {token_id}", code="token_not_found")
        require(actor, Permission.TOKENS_MANAGE, token)
        if token.revoked_at is not None:
            return token
        token.revoked_at = uow.clock.now()
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.TOKEN_REVOKED,
            subject=Subject.of(SubjectType.API_TOKEN, token.id),
            payload={"user": token.user.username, "name": token.name, "prefix": token.prefix},
        )
        return token


def list_tokens(database: Database, *, actor: Actor, username: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).join(User).order_by(ApiToken.id)
    if username is not None:
        query = query.where(User.username == username)
    with database.unit_of_work(read_only=True) as uow:
        tokens = list(uow.session.scalars(query))
    return [t for t in tokens if can(actor, Permission.TOKENS_MANAGE, t)]


def authenticate_token(database: Database, *, secret: str) -> Actor:
    """The actor behind a bearer token, or :class:`NotAuthenticated`."""
    invalid = NotAuthenticated("the API token is invalid, expired or revoked", code="invalid_token")
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        raise invalid
    with database.unit_of_work(read_only=True) as uow:
        token = uow.session.scalars(
            select(ApiToken).where(ApiToken.token_hash == _digest(secret))
        ).first()
        now = uow.clock.now()
        if (
            token is None
            or token.revoked_at is not None
            or (token.expires_at is not None and token.expires_at <= now)
            or not token.user.is_active
        ):
            raise invalid
        stale = token.last_used_at is None or now - token.last_used_at > _LAST_USED_PRECISION
        actor = actor_for(token.user, token_id=token.id, scopes=frozenset(token.scopes))
    if stale:
        _touch(database, token_id=token.id)
    return actor


def _touch(database: Database, *, token_id: int) -> None:
    with database.unit_of_work() as uow:
        token = uow.session.get(ApiToken, token_id)
        if token is not None:
            token.last_used_at = uow.clock.now()
