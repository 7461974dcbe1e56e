"""Console sign-in with rate limiting per account and per address.

Failures are kept as rows (so every API and worker process sees the same counts)
and age out of a sliding window. A lock-out is written to the ledger; single
failures are not, so that nobody can flood the ledger without an account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.models import LoginFailure, User
from qinglang.auth.passwords import hash_password, needs_rehash, verify_password
from qinglang.auth.users import actor_for
from qinglang.db.engine import Database
from qinglang.errors import NotAuthenticated, RateLimited
from qinglang.ledger import LedgerEvent, Subject, SubjectType


@dataclass(frozen=True, slots=True)
class LoginLimits:
    window: timedelta
    per_account: int
    per_address: int


def _count(session: Session, condition: ColumnElement[bool], since: datetime) -> int:
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since, condition)
    return session.scalar(query) or 0


def sign_in(
    database: Database,
    *,
    username: str,
    password: str,
    address: str,
    limits: LoginLimits,
) -> Actor:
    """Check a password; the signed-in actor, or NotAuthenticated / RateLimited."""
    username = username.strip().lower()[:64]
    address = address[:64]
    outcome: Actor | None = None
    locked = False
    with database.unit_of_work() as uow:
        now = uow.clock.now()
        since = now - limits.window
        account_failures = _count(uow.session, LoginFailure.username == username, since)
        address_failures = _count(uow.session, LoginFailure.address == address, since)
        if account_failures >= limits.per_account or address_failures >= limits.per_address:
            raise RateLimited(
                "too many failed sign-ins; try again later", code="login_rate_limited"
            )
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is not None and user.is_active and verify_password(user.password_hash, password):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            uow.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
            outcome = actor_for(user)
            ledger.append(
                uow,
                actor=outcome,
                event=LedgerEvent.LOGIN_SUCCEEDED,
                subject=Subject.of(SubjectType.USER, user.id),
                payload={"address": address},
            )
        else:
            if user is None:
                verify_password(None, password)  # same cost as a real check
            uow.session.add(LoginFailure(username=username, address=address, at=now))
            locked = account_failures + 1 >= limits.per_account and user is not None
            if locked and user is not None:
                ledger.append(
                    uow,
                    actor=Actor.system("auth"),
                    event=LedgerEvent.LOGIN_LOCKED,
                    subject=Subject.of(SubjectType.USER, user.id),
                    payload={
                        "username": username,
                        "address": address,
                        "failures": account_failures + 1,
                        "window_seconds": int(limits.window.total_seconds()),
                    },
                )
    if outcome is None:
        raise NotAuthenticated("wrong username or password", code="login_failed")
    return outcome
