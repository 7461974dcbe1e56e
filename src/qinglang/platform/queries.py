"""Read side of the demo platform: what its public pages show, with state computed at read time.

A mute or a 限时加私 ends by itself: an account muted until a time that has passed
reads as active, a post private until a time that has passed reads as public. Only
the end time is stored; the effective state comes from the clock when read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.sql.elements import ColumnElement

from qinglang.db.engine import Database
from qinglang.errors import InvalidInput, NotFound
from qinglang.platform.adapter import LABEL_MEASURES
from qinglang.platform.models import PlatformAccount, PlatformNotice, PlatformPost

PAGE_SIZE = 20
# The most notices an account page lists, newest first.
NOTICES_SHOWN = 20
# Ids are 32-bit integers on both databases; a larger one cannot exist.
MAX_ID = 2**31 - 1

# VOCABULARY.md's Chinese names for the labels a post can carry.
LABEL_NAMES: dict[str, str] = {
    "rumour_label": "谣言标签",
    "dispute_label": "争议标记",
    "fiction_label": "虚构/演绎标签",
    "ai_generated_label": "技术生成标识",
}


def effective_account_status(account: PlatformAccount, now: datetime) -> str:
    """``active``, ``muted`` or ``closed`` as of ``now``."""
    if account.status == "muted" and account.muted_until is not None and account.muted_until <= now:
        return "active"
    return account.status


def effective_visibility(post: PlatformPost, now: datetime) -> str:
    """``public``, ``private`` or ``removed`` as of ``now``."""
    if (
        post.visibility == "private"
        and post.private_until is not None
        and post.private_until <= now
    ):
        return "public"
    return post.visibility


@dataclass(frozen=True, slots=True)
class Label:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    handle: str
    display_name: str
    avatar_text: str
    bio: str
    subject_kind: str
    follower_count: int
    status: str  # effective: active, muted, closed
    muted_until: datetime | None  # set only while muted
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    account: AccountView
    title: str
    body: str | None  # None when the public may not see it (see ``hidden``)
    hidden: str | None  # None, "removed", "private" or "account_closed"
    labels: tuple[Label, ...]
    reduced: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PostPage:
    posts: tuple[PostView, ...]
    next_before: int | None  # pass as ?before= for the next page; None on the last page


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A notice in the account's inbox (plain text: the page escapes it)."""

    id: int
    about: str
    subject: str
    body: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class AccountPage:
    account: AccountView
    posts: PostPage  # empty for a closed account
    notices: tuple[NoticeView, ...] = ()  # newest first; a closed account keeps its own


def account_view(account: PlatformAccount, now: datetime) -> AccountView:
    status = effective_account_status(account, now)
    return AccountView(
        id=account.id,
        handle=account.handle,
        display_name=account.display_name,
        avatar_text=account.avatar_text,
        bio=account.bio,
        subject_kind=account.subject_kind,
        follower_count=account.follower_count,
        status=status,
        muted_until=account.muted_until if status == "muted" else None,
        created_at=account.created_at,
    )


def post_view(post: PlatformPost, now: datetime) -> PostView:
    account = account_view(post.account, now)
    visibility = effective_visibility(post, now)
    hidden: str | None = None
    if account.status == "closed":
        hidden = "account_closed"
    elif visibility != "public":
        hidden = visibility
    labels = tuple(Label(code, LABEL_NAMES[code]) for code in LABEL_MEASURES if code in post.labels)
    return PostView(
        id=post.id,
        account=account,
        title=post.title if hidden is None else "",
        body=post.body if hidden is None else None,
        hidden=hidden,
        labels=labels,
        reduced=post.distribution == "reduced",
        created_at=post.created_at,
    )


def _listed(now: datetime) -> ColumnElement[bool]:
    """Posts the latest list may show: public (or private past its end), normal distribution,
    from an account that is neither closed nor muted (SM-10 keeps a muted account's posts
    out of lists)."""
    return and_(
        or_(
            PlatformPost.visibility == "public",
            and_(PlatformPost.visibility == "private", PlatformPost.private_until <= now),
        ),
        PlatformPost.distribution == "normal",
        or_(
            PlatformAccount.status == "active",
            and_(PlatformAccount.status == "muted", PlatformAccount.muted_until <= now),
        ),
    )


def _page(
    session: Session, now: datetime, *, where: ColumnElement[bool], before: int | None
) -> PostPage:
    query = (
        select(PlatformPost)
        .join(PlatformPost.account)
        .options(contains_eager(PlatformPost.account))
        .where(where)
    )
    if before is not None:
        cursor = session.get(PlatformPost, before) if 0 < before <= MAX_ID else None
        if cursor is None:
            raise InvalidInput("that page does not exist", code="invalid_cursor")
        query = query.where(
            or_(
                PlatformPost.created_at < cursor.created_at,
                and_(PlatformPost.created_at == cursor.created_at, PlatformPost.id < cursor.id),
            )
        )
    query = query.order_by(PlatformPost.created_at.desc(), PlatformPost.id.desc())
    rows = list(session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return PostPage(
        posts=tuple(post_view(post, now) for post in rows),
        next_before=rows[-1].id if more else None,
    )


def latest_posts(database: Database, *, before: int | None = None) -> PostPage:
    """The public list, newest first: what anyone browsing the platform sees."""
    with database.unit_of_work(read_only=True) as uow:
        now = uow.clock.now()
        return _page(uow.session, now, where=_listed(now), before=before)


def find_post(session: Session, post_id: int) -> PlatformPost:
    post = session.get(PlatformPost, post_id) if 0 < post_id <= MAX_ID else None
    if post is None:
        raise NotFound(f"there is no post {post_id}", code="target_not_found")
    return post


def find_account(session: Session, account_id: int) -> PlatformAccount:
    account = session.get(PlatformAccount, account_id) if 0 < account_id <= MAX_ID else None
    if account is None:
        raise NotFound(f"there is no account {account_id}", code="target_not_found")
    return account


def get_post(database: Database, *, post_id: int) -> PostView:
    with database.unit_of_work(read_only=True) as uow:
        return post_view(find_post(uow.session, post_id), uow.clock.now())


def get_account_page(
    database: Database, *, account_id: int, before: int | None = None
) -> AccountPage:
    """An account's profile, the notices the platform shows it, and its posts, newest
    first (removed and private ones as placeholders); a closed account shows no posts."""
    with database.unit_of_work(read_only=True) as uow:
        now = uow.clock.now()
        account = account_view(find_account(uow.session, account_id), now)
        notices = account_notices(uow.session, account_id)
        if account.status == "closed":
            return AccountPage(
                account=account, posts=PostPage(posts=(), next_before=None), notices=notices
            )
        posts = _page(uow.session, now, where=PlatformPost.account_id == account_id, before=before)
        return AccountPage(account=account, posts=posts, notices=notices)


def account_notices(
    session: Session, account_id: int, *, limit: int = NOTICES_SHOWN
) -> tuple[NoticeView, ...]:
    """The notices in an account's inbox, newest first."""
    rows = session.scalars(
        select(PlatformNotice)
        .where(PlatformNotice.account_id == account_id)
        .order_by(PlatformNotice.id.desc())
        .limit(limit)
    )
    return tuple(
        NoticeView(
            id=n.id, about=n.about, subject=n.subject, body=n.body, received_at=n.received_at
        )
        for n in rows
    )
