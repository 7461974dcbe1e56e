"""Users, roles, tokens and sign-in on both databases; each change is in the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth import tokens, users
from qinglang.auth.login import LoginLimits, sign_in
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

OPERATOR = Actor.operator("root")
LIMITS = LoginLimits(window=timedelta(minutes=15), per_account=3, per_address=5)
PASSWORD = "correct horse battery"


def _add(database: Database, username: str, *roles: str) -> Actor:
    user = users.create_user(
        database, actor=OPERATOR, username=username, password=PASSWORD, roles=roles
    )
    return users.actor_for(user)


def _events(database: Database) -> list[str]:
    return [e.event for e in reversed(ledger.recent_entries(database, limit=100))]


def test_adding_a_user_hashes_the_password_and_writes_the_ledger(database: Database) -> None:
    user = users.create_user(
        database,
        actor=OPERATOR,
        username="li.jing",
        password=PASSWORD,
        roles=["reviewer", "approver"],
        display_name="李静",
    )
    assert user.roles == {"reviewer", "approver"}
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    [entry] = ledger.recent_entries(database)
    assert (entry.event, entry.actor, entry.subject_type) == (
        "user_created",
        "operator:root",
        "user",
    )
    assert entry.data == {
        "username": "li.jing",
        "display_name": "李静",
        "roles": ["approver", "reviewer"],
    }


@pytest.mark.parametrize(
    ("username", "password", "roles", "code"),
    [
        ("Li Jing", PASSWORD, ["reviewer"], "invalid_username"),
        ("li", "short", ["reviewer"], "password_too_short"),
        ("li", PASSWORD, ["superuser"], "unknown_role"),
        ("li", PASSWORD, [], "no_roles"),
    ],
)
def test_bad_user_input_is_refused_and_nothing_is_written(
    database: Database, username: str, password: str, roles: list[str], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        users.create_user(
            database, actor=OPERATOR, username=username, password=password, roles=roles
        )
    assert caught.value.code == code
    assert users.list_users(database, actor=OPERATOR) == []
    assert ledger.recent_entries(database) == []


def test_a_taken_username_is_a_conflict(database: Database) -> None:
    _add(database, "wang", "approver")
    with pytest.raises(Conflict) as caught:
        _add(database, "wang", "reviewer")
    assert caught.value.code == "username_taken"
    assert len(ledger.recent_entries(database)) == 1


def test_only_admins_manage_users(database: Database) -> None:
    reviewer = _add(database, "reviewer1", "reviewer")
    admin = _add(database, "admin1", "admin")
    with pytest.raises(PermissionDenied):
        users.create_user(
            database, actor=reviewer, username="x1", password=PASSWORD, roles=["reviewer"]
        )
    created = users.create_user(
        database, actor=admin, username="x1", password=PASSWORD, roles=["reviewer"]
    )
    assert created.username == "x1"
    assert ledger.recent_entries(database, limit=1)[0].actor == "user:admin1"


def test_disable_enable_and_roles_are_recorded(database: Database) -> None:
    _add(database, "chen", "compliance")
    users.set_active(database, actor=OPERATOR, username="chen", active=False)
    users.set_active(database, actor=OPERATOR, username="chen", active=False)  # no change, no entry
    users.set_active(database, actor=OPERATOR, username="chen", active=True)
    users.set_roles(database, actor=OPERATOR, username="chen", roles=["compliance", "regulator"])
    assert _events(database) == [
        "user_created",
        "user_disabled",
        "user_enabled",
        "user_roles_changed",
    ]
    assert ledger.recent_entries(database, limit=1)[0].data["after"] == ["compliance", "regulator"]
    with pytest.raises(NotFound):
        users.set_active(database, actor=OPERATOR, username="nobody", active=False)


def test_sign_in_succeeds_and_is_recorded(database: Database) -> None:
    _add(database, "li", "reviewer")
    actor = sign_in(database, username="LI", password=PASSWORD, address="10.0.0.1", limits=LIMITS)
    assert (actor.name, actor.roles) == ("li", frozenset({"reviewer"}))
    assert _events(database)[-1] == "login_succeeded"


def test_sign_in_is_rate_limited_per_account(database: Database, clock: FixedClock) -> None:
    _add(database, "li", "reviewer")
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            sign_in(
                database,
                username="li",
                password="wrong password",
                address="10.0.0.1",
                limits=LIMITS,
            )
    # The lock-out is in the ledger; even the right password is refused now, from any address.
    assert _events(database)[-1] == "login_locked"
    with pytest.raises(RateLimited) as caught:
        sign_in(database, username="li", password=PASSWORD, address="10.9.9.9", limits=LIMITS)
    assert caught.value.code == "login_rate_limited"
    clock.advance(timedelta(minutes=16))
    assert (
        sign_in(database, username="li", password=PASSWORD, address="10.0.0.1", limits=LIMITS).name
        == "li"
    )


def test_sign_in_is_rate_limited_per_address(database: Database) -> None:
    _add(database, "li", "reviewer")
    for n in range(5):  # five different names from one address
        with pytest.raises(NotAuthenticated):
            sign_in(
                database, username=f"guess{n}", password="x" * 12, address="10.6.6.6", limits=LIMITS
            )
    with pytest.raises(RateLimited):
        sign_in(database, username="li", password=PASSWORD, address="10.6.6.6", limits=LIMITS)
    assert (
        sign_in(database, username="li", password=PASSWORD, address="10.0.0.2", limits=LIMITS).name
        == "li"
    )


def test_disabled_users_cannot_sign_in(database: Database) -> None:
    _add(database, "li", "reviewer")
    users.set_active(database, actor=OPERATOR, username="li", active=False)
    with pytest.raises(NotAuthenticated):
        sign_in(database, username="li", password=PASSWORD, address="10.0.0.1", limits=LIMITS)


def test_tokens_are_shown_once_stored_hashed_and_scoped(database: Database) -> None:
    _add(database, "ops", "compliance")
    issued = tokens.create_token(
        database, actor=OPERATOR, username="ops", name="SIEM export", scopes=["ledger:read"]
    )
    assert issued.secret.startswith("qlt_")
    assert issued.secret not in issued.token.token_hash
    assert issued.token.prefix == issued.secret[:12]
    actor = tokens.authenticate_token(database, secret=issued.secret)
    assert actor.ref == f"user:ops#token{issued.token.id}"
    assert actor.scopes == {"ledger:read"}
    assert _events(database)[-1] == "token_created"


@pytest.mark.parametrize(
    ("scopes", "code"),
    [
        (["ledger:write"], "unknown_scope"),
        (["users:manage"], "scope_exceeds_roles"),
        ([], "no_scopes"),
    ],
)
def test_bad_scopes_are_refused(database: Database, scopes: list[str], code: str) -> None:
    _add(database, "ops", "compliance")
    with pytest.raises(InvalidInput) as caught:
        tokens.create_token(database, actor=OPERATOR, username="ops", name="x", scopes=scopes)
    assert caught.value.code == code


def test_revoked_expired_and_disabled_tokens_stop_working(
    database: Database, clock: FixedClock
) -> None:
    _add(database, "ops", "compliance")
    revoked = tokens.create_token(
        database, actor=OPERATOR, username="ops", name="a", scopes=["ledger:read"]
    )
    expiring = tokens.create_token(
        database,
        actor=OPERATOR,
        username="ops",
        name="b",
        scopes=["ledger:read"],
        expires_at=clock.now() + timedelta(days=1),
    )
    tokens.revoke_token(database, actor=OPERATOR, token_id=revoked.token.id)
    with pytest.raises(NotAuthenticated):
        tokens.authenticate_token(database, secret=revoked.secret)
    assert tokens.authenticate_token(database, secret=expiring.secret).name == "ops"
    clock.advance(timedelta(days=2))
    with pytest.raises(NotAuthenticated):
        tokens.authenticate_token(database, secret=expiring.secret)
    live = tokens.create_token(
        database, actor=OPERATOR, username="ops", name="c", scopes=["ledger:read"]
    )
    users.set_active(database, actor=OPERATOR, username="ops", active=False)
    with pytest.raises(NotAuthenticated):
        tokens.authenticate_token(database, secret=live.secret)
    with pytest.raises(NotAuthenticated):
        tokens.authenticate_token(database, secret="qlt_not-a-real-token")


def test_users_manage_only_their_own_tokens(database: Database) -> None:
    alice = _add(database, "alice", "reviewer")
    _add(database, "bob", "reviewer")
    own = tokens.create_token(
        database, actor=alice, username="alice", name="mine", scopes=["platform:read"]
    )
    with pytest.raises(PermissionDenied):
        tokens.create_token(
            database, actor=alice, username="bob", name="his", scopes=["platform:read"]
        )
    bobs = tokens.create_token(
        database, actor=OPERATOR, username="bob", name="his", scopes=["platform:read"]
    )
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(database, actor=alice, token_id=bobs.token.id)
    assert [t.id for t in tokens.list_tokens(database, actor=alice)] == [own.token.id]
    tokens.revoke_token(database, actor=alice, token_id=own.token.id)
