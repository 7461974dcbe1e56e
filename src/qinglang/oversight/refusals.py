"""A regulator's refused change (the issue's fault: "a regulator account trying to change
anything: 403, and the attempt recorded").

Regulators read; the only changes their role holds are WS-25's review verdicts (and their
own API tokens). Any other change they try fails its permission check; the web layer's one
error handler then calls :func:`record_refused_change`, which enters the attempt in the
ledger in a small transaction of its own (the refused request's own transaction has already
rolled back).
"""

from __future__ import annotations

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, Role
from qinglang.db.engine import Database
from qinglang.ledger import LedgerEvent, Subject, SubjectType

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_refused_change(actor: Actor, method: str) -> bool:
    """Whether a denied request is a regulator's attempt to change something."""
    return Role.REGULATOR.value in actor.roles and method.upper() not in SAFE_METHODS


def record_refused_change(
    database: Database, *, actor: Actor, method: str, path: str, permission: Permission
) -> None:
    """Enter ``CHANGE_REFUSED``: who, the method and path, and the permission missing."""
    with database.unit_of_work() as uow:
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.CHANGE_REFUSED,
            subject=Subject.of(
                SubjectType.USER, actor.user_id if actor.user_id is not None else actor.name
            ),
            payload={
                "method": method.upper(),
                "path": path[:500],
                "permission": permission.value,
            },
        )
