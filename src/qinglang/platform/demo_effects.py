"""How the demo platform applies each measure: the state change, and the effect text.

Effects are pure functions of a row, the measure's params and the time; the caller
(:class:`qinglang.platform.demo.DemoPlatform`) owns the transaction and the ledger.
Measures the demo platform has no function for are recorded with an honest text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from qinglang.errors import InvalidInput
from qinglang.platform.adapter import LABEL_MEASURES
from qinglang.platform.models import PlatformAccount, PlatformPost
from qinglang.platform.queries import effective_visibility

MAX_PERIOD_DAYS = 3650
_NOT_SUPPORTED = "recorded; the demo platform has no such function yet"
# Measures recorded without a visible change, and what the record means.
RECORDED_ONLY: dict[str, str] = {
    "clarification_response": f"clarification response {_NOT_SUPPORTED}",
    "warn": "warning recorded; the demo platform has no inbox to deliver it yet",
    "remove_interaction": f"interaction removal {_NOT_SUPPORTED}",
    "suspend_monetisation": f"monetisation suspension {_NOT_SUPPORTED}",
    "revoke_monetisation": f"monetisation revocation {_NOT_SUPPORTED}",
    "remove_violation_followers": f"removal of violation followers {_NOT_SUPPORTED}",
    "freeze_new_followers": f"follower freeze {_NOT_SUPPORTED}",
    "suspend_domain_publishing": f"domain publishing suspension {_NOT_SUPPORTED}",
    "blacklist": f"blacklisting {_NOT_SUPPORTED}",
}


@dataclass(frozen=True, slots=True)
class MeasureContext:
    """What an effect function gets: the measure's params and the current time."""

    params: Mapping[str, Any]
    now: datetime


def period_end(apply: MeasureContext) -> datetime:
    """The end of a period measure: ``{"until": <aware ISO datetime>}`` or ``{"days": n}``,
    in the future and at most :data:`MAX_PERIOD_DAYS` away."""
    until, days = apply.params.get("until"), apply.params.get("days")
    if (until is None) == (days is None):
        raise bad_params("give exactly one of 'until' (an ISO datetime) or 'days'")
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= MAX_PERIOD_DAYS:
            raise bad_params(f"'days' must be a whole number from 1 to {MAX_PERIOD_DAYS}")
        return apply.now + timedelta(days=days)
    try:
        end = datetime.fromisoformat(until) if isinstance(until, str) else None
        if end is None or end.tzinfo is None:
            raise bad_params("'until' must be an ISO datetime with a time zone")
        end = end.astimezone(UTC)
    except (ValueError, OverflowError):
        raise bad_params("'until' must be an ISO datetime with a time zone") from None
    if end <= apply.now:
        raise bad_params("'until' must be in the future")
    if end > apply.now + timedelta(days=MAX_PERIOD_DAYS):
        raise bad_params(f"'until' must be at most {MAX_PERIOD_DAYS} days away")
    return end


def bad_params(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_measure_params")


# -- content measures ----------------------------------------------------------------


def _remove(post: PlatformPost, apply: MeasureContext) -> str:
    if post.visibility == "removed":
        return f"post {post.id} was already removed"
    post.visibility, post.private_until = "removed", None
    return f"post {post.id} removed"


def _make_private(post: PlatformPost, apply: MeasureContext) -> str:
    end = period_end(apply)
    if post.visibility == "removed":
        return f"post {post.id} is removed and stays removed"
    post.visibility, post.private_until = "private", end
    return f"post {post.id} private until {end.isoformat()}"


def _restore(post: PlatformPost, apply: MeasureContext) -> str:
    was_public = effective_visibility(post, apply.now) == "public"
    post.visibility, post.private_until = "public", None
    if was_public:
        return f"post {post.id} was already public"
    return f"post {post.id} public again; labels and distribution kept"


def _reduce_distribution(post: PlatformPost, apply: MeasureContext) -> str:
    if post.distribution == "reduced":
        return f"post {post.id} was already on reduced distribution"
    post.distribution = "reduced"
    return f"post {post.id} on reduced distribution: kept out of the latest list"


def _label(code: str) -> Callable[[PlatformPost, MeasureContext], str]:
    def add(post: PlatformPost, apply: MeasureContext) -> str:
        if code in post.labels:
            return f"post {post.id} already carries {code}"
        post.labels = [*post.labels, code]  # a new list, so the JSON column is written
        return f"{code} shown on post {post.id}"

    return add


POST_EFFECTS: dict[str, Callable[[PlatformPost, MeasureContext], str]] = {
    "remove": _remove,
    "make_private_time_limited": _make_private,
    "restore": _restore,
    "reduce_distribution": _reduce_distribution,
    **{code: _label(code) for code in LABEL_MEASURES},
}

# -- account measures ----------------------------------------------------------------


def _mute(account: PlatformAccount, apply: MeasureContext) -> str:
    end = period_end(apply)
    if account.status == "closed":
        return f"account {account.id} is closed; the mute changes nothing"
    account.status, account.muted_until = "muted", end
    return f"account {account.id} muted until {end.isoformat()}"


def _close(account: PlatformAccount, apply: MeasureContext) -> str:
    if account.status == "closed":
        return f"account {account.id} was already closed"
    account.status, account.muted_until = "closed", None
    return f"account {account.id} closed; its posts are no longer shown"


def _reset_profile(account: PlatformAccount, apply: MeasureContext) -> str:
    account.display_name = neutral_display_name(account.id)
    account.avatar_text = NEUTRAL_AVATAR
    account.bio = ""
    return f"account {account.id} name, avatar and bio reset to {account.display_name!r}"


def _clear_all_followers(account: PlatformAccount, apply: MeasureContext) -> str:
    before, account.follower_count = account.follower_count, 0
    return f"account {account.id} followers cleared ({before} → 0)"


ACCOUNT_EFFECTS: dict[str, Callable[[PlatformAccount, MeasureContext], str]] = {
    "mute": _mute,
    "close": _close,
    "reset_profile": _reset_profile,
    "clear_all_followers": _clear_all_followers,
}

NEUTRAL_AVATAR = "用户"


def neutral_display_name(account_id: int) -> str:
    return f"用户{account_id}"


def post_state(post: PlatformPost) -> dict[str, Any]:
    return {
        "visibility": post.visibility,
        "private_until": post.private_until,
        "labels": list(post.labels),
        "distribution": post.distribution,
    }


def account_state(account: PlatformAccount) -> dict[str, Any]:
    return {
        "status": account.status,
        "muted_until": account.muted_until,
        "display_name": account.display_name,
        "avatar_text": account.avatar_text,
        "bio": account.bio,
        "follower_count": account.follower_count,
    }


def apply_to_post(post: PlatformPost, measure: str, apply: MeasureContext) -> str:
    effect = POST_EFFECTS.get(measure)
    return effect(post, apply) if effect is not None else RECORDED_ONLY[measure]


def apply_to_account(account: PlatformAccount, measure: str, apply: MeasureContext) -> str:
    effect = ACCOUNT_EFFECTS.get(measure)
    return effect(account, apply) if effect is not None else RECORDED_ONLY[measure]
