"""The built-in demo platform: the :class:`PlatformAdapter` over the demo tables.

Each measure maps to a state change the public pages show (see :mod:`.queries`);
account measures the demo platform has no function for are recorded honestly as
such. Applying is idempotent by ``message_id``: a redelivery returns
``duplicate=True`` and changes nothing. Every applied measure writes
``platform_measure_applied`` to the ledger in the same transaction.

Notices go to the account's inbox (``platform_notices``), shown on its page, once per
``message_id`` (Qinglang records the sending in its ledger as ``notice_sent``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database
from qinglang.errors import Conflict, InvalidInput, NotFound
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.platform.adapter import (
    ACCOUNT_MEASURES,
    CONTENT_MEASURES,
    MeasureMessage,
    MeasureReceipt,
    NoticeMessage,
    NoticeReceipt,
    Snapshot,
    Target,
    parse_locator,
)
from qinglang.platform.demo_effects import (
    MeasureContext,
    account_state,
    apply_to_account,
    apply_to_post,
    bad_params,
    post_state,
)
from qinglang.platform.models import (
    AppliedMeasure,
    PlatformAccount,
    PlatformNotice,
    PlatformPost,
)
from qinglang.platform.queries import (
    MAX_ID,
    effective_account_status,
    effective_visibility,
    find_account,
    find_post,
)

DEMO_PLATFORM_ACTOR = Actor.system("demo-platform")
MESSAGE_ID_MAX = 64


def _check_message(message: MeasureMessage) -> Target:
    """Everything about a message that does not depend on the database or the clock."""
    if not message.message_id or len(message.message_id) > MESSAGE_ID_MAX:
        raise InvalidInput(
            f"a message id is 1 to {MESSAGE_ID_MAX} characters", code="invalid_message_id"
        )
    target = parse_locator(message.target)
    if message.measure not in CONTENT_MEASURES | ACCOUNT_MEASURES:
        raise InvalidInput(
            f"{message.measure!r} is not a measure the platform applies",
            code="unknown_measure",
            details={"measure": message.measure[:64]},
        )
    wanted = "post" if message.measure in CONTENT_MEASURES else "account"
    if target.kind != wanted:
        raise InvalidInput(
            f"{message.measure} applies to a {wanted}, not to {target.ref}",
            code="measure_target_mismatch",
        )
    try:
        json.dumps(message.params)
    except (TypeError, ValueError):
        raise bad_params("params must be plain JSON values") from None
    if not all(isinstance(item, str) for item in message.basis):
        raise InvalidInput("basis is a list of requirement IDs", code="invalid_measure_basis")
    return target


def _lock_target(session: Session, target: Target) -> PlatformPost | PlatformAccount:
    """Load the target, locked until commit so that concurrent measures on it queue up."""
    row: PlatformPost | PlatformAccount | None = None
    if 0 < target.id <= MAX_ID and target.kind == "post":
        row = session.scalars(
            select(PlatformPost)
            .where(PlatformPost.id == target.id)
            .with_for_update(of=PlatformPost)
        ).first()
    elif 0 < target.id <= MAX_ID:
        row = session.scalars(
            select(PlatformAccount)
            .where(PlatformAccount.id == target.id)
            .with_for_update(of=PlatformAccount)
        ).first()
    if row is None:
        raise NotFound(f"there is no {target.kind} {target.id}", code="target_not_found")
    return row


class DemoPlatform:
    """The demo platform's adapter. ``base_url`` is where its public pages are served."""

    def __init__(self, database: Database, base_url: str) -> None:
        self.database = database
        self.base_url = base_url.rstrip("/")

    def url_for(self, target: Target) -> str:
        return f"{self.base_url}/demo-site/{target.kind}s/{target.id}"

    def fetch_snapshot(self, *, locator: str) -> Snapshot:
        target = parse_locator(locator)
        with self.database.unit_of_work(read_only=True) as uow:
            now = uow.clock.now()
            if target.kind == "post":
                content = _post_content(find_post(uow.session, target.id), now)
            else:
                content = _account_content(find_account(uow.session, target.id), now)
        return Snapshot(
            kind=target.kind,
            id=target.id,
            url=self.url_for(target),
            fetched_at=now,
            content=content,
        )

    def apply_measure(self, *, message: MeasureMessage) -> MeasureReceipt:
        target = _check_message(message)
        with self.database.unit_of_work() as uow:
            now = uow.clock.now()
            row = _lock_target(uow.session, target)
            seen = uow.session.scalars(
                select(AppliedMeasure).where(AppliedMeasure.message_id == message.message_id)
            ).first()
            if seen is not None:
                return _duplicate(message, target, seen)
            apply = MeasureContext(params=message.params, now=now)
            if isinstance(row, PlatformPost):
                subject = Subject.of(SubjectType.PLATFORM_POST, row.id)
                before = post_state(row)
                effect = apply_to_post(row, message.measure, apply)
                after = post_state(row)
            else:
                subject = Subject.of(SubjectType.PLATFORM_ACCOUNT, row.id)
                before = account_state(row)
                effect = apply_to_account(row, message.measure, apply)
                after = account_state(row)
            uow.session.add(
                AppliedMeasure(
                    message_id=message.message_id,
                    measure=message.measure,
                    target=target.ref,
                    applied_at=now,
                )
            )
            ledger.append(
                uow,
                actor=DEMO_PLATFORM_ACTOR,
                event=LedgerEvent.PLATFORM_MEASURE_APPLIED,
                subject=subject,
                payload={
                    "message_id": message.message_id,
                    "measure": message.measure,
                    "target": target.ref,
                    "params": message.params,
                    "basis": list(message.basis),
                    "effect": effect,
                    "before": before,
                    "after": after,
                },
            )
        return MeasureReceipt(
            message_id=message.message_id, applied=True, duplicate=False, effect=effect
        )

    def deliver_notice(self, *, message: NoticeMessage) -> NoticeReceipt:
        target = _check_notice(message)
        with self.database.unit_of_work() as uow:
            account = _lock_target(uow.session, target)
            seen = uow.session.scalars(
                select(PlatformNotice).where(PlatformNotice.message_id == message.message_id)
            ).first()
            if seen is not None:
                if seen.account_id != account.id:
                    raise Conflict(
                        f"message {message.message_id!r} was already used for "
                        f"account:{seen.account_id}",
                        code="message_id_reused",
                    )
                return NoticeReceipt(message_id=message.message_id, delivered=True, duplicate=True)
            uow.session.add(
                PlatformNotice(
                    message_id=message.message_id,
                    account_id=account.id,
                    about=message.about[:64],
                    case_id=message.case_id,
                    kind=message.kind[:32],
                    locale=message.locale[:8],
                    subject=message.subject[:200],
                    body=message.body,
                    received_at=uow.clock.now(),
                )
            )
        return NoticeReceipt(message_id=message.message_id, delivered=True, duplicate=False)


def _check_notice(message: NoticeMessage) -> Target:
    if not message.message_id or len(message.message_id) > MESSAGE_ID_MAX:
        raise InvalidInput(
            f"a message id is 1 to {MESSAGE_ID_MAX} characters", code="invalid_message_id"
        )
    target = parse_locator(message.account)
    if target.kind != "account":
        raise InvalidInput(
            f"a notice goes to an account, not to {target.ref}", code="notice_not_to_account"
        )
    if not message.body.strip():
        raise InvalidInput("a notice needs a body", code="notice_body_missing")
    return target


def _duplicate(message: MeasureMessage, target: Target, seen: AppliedMeasure) -> MeasureReceipt:
    if seen.measure != message.measure or seen.target != target.ref:
        raise Conflict(
            f"message {message.message_id!r} was already used for {seen.measure} on {seen.target}",
            code="message_id_reused",
        )
    return MeasureReceipt(
        message_id=message.message_id,
        applied=True,
        duplicate=True,
        effect=f"already applied at {seen.applied_at.isoformat()}; nothing changed",
    )


def _post_content(post: PlatformPost, now: datetime) -> dict[str, Any]:
    account = post.account
    return {
        "kind": "post",
        "id": post.id,
        "account": {
            "id": account.id,
            "handle": account.handle,
            "display_name": account.display_name,
            "status": effective_account_status(account, now),
        },
        "title": post.title,
        "body": post.body,
        "visibility": effective_visibility(post, now),
        "private_until": _iso(post.private_until),
        "labels": list(post.labels),
        "distribution": post.distribution,
        "created_at": _iso(post.created_at),
    }


def _account_content(account: PlatformAccount, now: datetime) -> dict[str, Any]:
    status = effective_account_status(account, now)
    return {
        "kind": "account",
        "id": account.id,
        "handle": account.handle,
        "display_name": account.display_name,
        "avatar_text": account.avatar_text,
        "bio": account.bio,
        "subject_kind": account.subject_kind,
        "subject_name": account.subject_name,
        "follower_count": account.follower_count,
        "status": status,
        "muted_until": _iso(account.muted_until) if status == "muted" else None,
        "created_at": _iso(account.created_at),
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
