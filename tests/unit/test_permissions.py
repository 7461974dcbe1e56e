"""``can(actor, permission, resource)``: the one permission rule, as a table."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qinglang.actor import ANONYMOUS, Actor, ActorKind
from qinglang.auth.permissions import ROLE_PERMISSIONS, Permission, Role, can, require
from qinglang.errors import PermissionDenied


def user(*roles: str, scopes: set[str] | None = None, user_id: int = 1) -> Actor:
    return Actor(
        kind=ActorKind.USER,
        name=f"u{user_id}",
        user_id=user_id,
        roles=frozenset(roles),
        scopes=None if scopes is None else frozenset(scopes),
    )


@dataclass
class Token:
    user_id: int


P = Permission
TABLE = [
    (user("reviewer"), P.CONSOLE_ACCESS, None, True),
    (user("reviewer"), P.LEDGER_READ, None, False),
    (user("reviewer"), P.USERS_MANAGE, None, False),
    (user("approver"), P.PLATFORM_READ, None, True),
    (user("compliance"), P.LEDGER_VERIFY, None, True),
    (user("regulator"), P.LEDGER_READ, None, True),
    (user("regulator"), P.USERS_MANAGE, None, False),
    (user("admin"), P.USERS_MANAGE, None, True),
    (user("reviewer", "compliance"), P.LEDGER_READ, None, True),
    (user("no-such-role"), P.CONSOLE_ACCESS, None, False),
    # tokens narrow, never widen
    (user("admin", scopes={"ledger:read"}), P.LEDGER_READ, None, True),
    (user("admin", scopes={"ledger:read"}), P.USERS_MANAGE, None, False),
    (user("reviewer", scopes={"ledger:read"}), P.LEDGER_READ, None, False),
    # one's own tokens
    (user("reviewer", user_id=7), P.TOKENS_MANAGE, Token(user_id=7), True),
    (user("reviewer", user_id=7), P.TOKENS_MANAGE, Token(user_id=8), False),
    (user("reviewer", user_id=7), P.TOKENS_MANAGE, None, False),
    (user("reviewer", user_id=7, scopes={"tokens:own"}), P.TOKENS_MANAGE, Token(user_id=7), True),
    (
        user("reviewer", user_id=7, scopes={"platform:read"}),
        P.TOKENS_MANAGE,
        Token(user_id=7),
        False,
    ),
    (user("admin"), P.TOKENS_MANAGE, Token(user_id=8), True),
    # named system actors and operators at the shell are trusted; the public is not
    (Actor.system("worker"), P.USERS_MANAGE, None, True),
    (Actor.operator("root"), P.LEDGER_VERIFY, None, True),
    (ANONYMOUS, P.CONSOLE_ACCESS, None, False),
]


@pytest.mark.parametrize(("actor", "permission", "resource", "allowed"), TABLE)
def test_can(actor: Actor, permission: Permission, resource: object, allowed: bool) -> None:
    assert can(actor, permission, resource) is allowed


def test_the_regulator_role_can_read_but_never_change() -> None:
    changing = {P.USERS_MANAGE, P.TOKENS_MANAGE}
    assert not ROLE_PERMISSIONS[Role.REGULATOR] & changing


def test_require_raises_with_a_stable_code() -> None:
    with pytest.raises(PermissionDenied) as caught:
        require(user("reviewer"), P.LEDGER_READ)
    assert caught.value.code == "permission_denied"
    assert caught.value.details == {"permission": "ledger:read"}
