"""``Idempotency-Key``: a retried submission gets the first answer, never a second report.

The key is scoped to who sent it. The first answer is kept without its access token
(which is derived again from the tracking number, see :mod:`qinglang.intake.access`);
the same key with a different body is refused (409).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import Conflict
from qinglang.intake.access import AccessTokens
from qinglang.intake.models import IdempotencyKey, Report


def scope(actor: Actor) -> str:
    return f"user:{actor.user_id}" if actor.user_id is not None else actor.ref.split("#", 1)[0]


def replay(
    database: Database, tokens: AccessTokens, actor: Actor, key: str, fingerprint: str
) -> dict[str, Any] | None:
    """The first answer given for ``key``, or None if the key is new."""
    with database.unit_of_work(read_only=True) as uow:
        row = uow.session.scalars(
            select(IdempotencyKey).where(
                IdempotencyKey.scope == scope(actor), IdempotencyKey.key == key
            )
        ).first()
    if row is None:
        return None
    if row.request_sha256 != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used with a different request",
            code="idempotency_key_reused",
        )
    answer: dict[str, Any] = json.loads(row.answer)
    return answer | {"access_token": tokens.reissue(answer["tracking_no"])}


def remember(
    uow: UnitOfWork,
    actor: Actor,
    key: str,
    fingerprint: str,
    report: Report,
    answer: dict[str, Any],
) -> None:
    """Keep ``answer`` for ``key`` in the submission's own transaction.

    Two first tries racing with one key: the unique (scope, key) constraint lets one
    commit; the other's whole submission rolls back.
    """
    uow.session.add(
        IdempotencyKey(
            scope=scope(actor),
            key=key,
            request_sha256=fingerprint,
            report_id=report.id,
            answer=json.dumps(answer, ensure_ascii=False, sort_keys=True),
            created_at=uow.clock.now(),
        )
    )
