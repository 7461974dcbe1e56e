"""Fill the demo platform with fictional accounts and posts (``demo_seed.toml``).

:func:`seed_demo_platform` is idempotent: if the platform has any account it does
nothing and says so. The data file is validated in full before anything is
written; every problem names the file, the path and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.db.engine import Database, UnitOfWork
from qinglang.errors import ConfigurationError
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.platform.adapter import LABEL_MEASURES, content_digest
from qinglang.platform.models import PlatformAccount, PlatformPost

SEED_FILE = Path(__file__).parent / "demo_seed.toml"
SUBJECT_KINDS = ("person", "enterprise", "media", "government")
# pg_advisory_xact_lock key so that two seeders never both see an empty platform: "qldemo".
_POSTGRES_SEED_LOCK = 0x716C64656D6F
_HANDLE = re.compile(r"[a-z0-9_]{1,64}", re.ASCII)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """How many accounts and posts the demo platform holds after the call, and whether
    they were already there (then the call changed nothing)."""

    accounts: int
    posts: int
    already_seeded: bool


@dataclass(frozen=True, slots=True)
class SeedAccount:
    handle: str
    display_name: str
    avatar: str
    bio: str
    subject_kind: str
    subject_name: str
    followers: int
    days_ago: float


@dataclass(frozen=True, slots=True)
class SeedPost:
    account: str
    hours_ago: float
    title: str
    body: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeedData:
    accounts: tuple[SeedAccount, ...]
    posts: tuple[SeedPost, ...]


class _Reader:
    """Reads typed fields out of one TOML table, collecting problems with their paths."""

    def __init__(self, problems: list[str], where: str, table: Any) -> None:
        self.problems, self.where = problems, where
        self.table: dict[str, Any] = table if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table")

    def text(self, key: str, *, max_len: int, required: bool = True, default: str = "") -> str:
        value = self.table.get(key, None if required else default)
        if not isinstance(value, str) or (required and not value.strip()):
            self.problems.append(f"{self.where}.{key}: must be non-empty text")
            return default
        if len(value) > max_len:
            self.problems.append(f"{self.where}.{key}: must be at most {max_len} characters")
        return value

    def number(self, key: str) -> float:
        value = self.table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problems.append(f"{self.where}.{key}: must be a number ≥ 0")
            return 0.0
        return float(value)

    def only(self, *keys: str) -> None:
        for key in sorted(set(self.table) - set(keys)):
            self.problems.append(f"{self.where}.{key}: unknown key")


def _read_account(reader: _Reader) -> SeedAccount:
    reader.only(
        "handle", "display_name", "avatar", "bio", "subject_kind", "subject_name", "followers",
        "days_ago",
    )  # fmt: skip
    handle = reader.text("handle", max_len=64)
    if handle and not _HANDLE.fullmatch(handle):
        reader.problems.append(f"{reader.where}.handle: use a-z, 0-9 and _ only")
    kind = reader.text("subject_kind", max_len=16)
    if kind and kind not in SUBJECT_KINDS:
        reader.problems.append(f"{reader.where}.subject_kind: must be one of {SUBJECT_KINDS}")
    return SeedAccount(
        handle=handle,
        display_name=reader.text("display_name", max_len=64),
        avatar=reader.text("avatar", max_len=16),
        bio=reader.text("bio", max_len=2000, required=False),
        subject_kind=kind,
        subject_name=reader.text("subject_name", max_len=128),
        followers=int(reader.number("followers")),
        days_ago=reader.number("days_ago"),
    )


def _read_post(reader: _Reader, accounts: dict[str, SeedAccount]) -> SeedPost:
    reader.only("account", "hours_ago", "title", "body", "labels")
    handle = reader.text("account", max_len=64)
    hours_ago = reader.number("hours_ago")
    account = accounts.get(handle)
    if handle and account is None:
        reader.problems.append(f"{reader.where}.account: no account has handle {handle!r}")
    elif account is not None and hours_ago > account.days_ago * 24:
        reader.problems.append(f"{reader.where}.hours_ago: the post predates its account")
    labels = reader.table.get("labels", [])
    if not isinstance(labels, list) or any(label not in LABEL_MEASURES for label in labels):
        reader.problems.append(f"{reader.where}.labels: must be a list of {LABEL_MEASURES}")
        labels = []
    elif len(set(labels)) != len(labels):
        reader.problems.append(f"{reader.where}.labels: a label appears twice")
    return SeedPost(
        account=handle,
        hours_ago=hours_ago,
        title=reader.text("title", max_len=200, required=False),
        body=reader.text("body", max_len=20_000),
        labels=tuple(labels),
    )


def load_seed_data(path: Path = SEED_FILE) -> SeedData:
    """Read and validate a seed file; raise :class:`ConfigurationError` listing every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: {exc}", code="invalid_seed_data") from None
    problems: list[str] = []
    accounts: dict[str, SeedAccount] = {}
    for index, table in enumerate(raw.get("accounts", [])):
        account = _read_account(_Reader(problems, f"accounts[{index}]", table))
        if account.handle in accounts:
            problems.append(f"accounts[{index}].handle: {account.handle!r} is used twice")
        accounts[account.handle] = account
    posts = [
        _read_post(_Reader(problems, f"posts[{index}]", table), accounts)
        for index, table in enumerate(raw.get("posts", []))
    ]
    problems += [f"{key}: unknown key" for key in sorted(set(raw) - {"accounts", "posts"})]
    if problems:
        raise ConfigurationError(
            f"{path}: " + "; ".join(problems),
            code="invalid_seed_data",
            details={"problems": problems},
        )
    return SeedData(accounts=tuple(accounts.values()), posts=tuple(posts))


def _counts(uow: UnitOfWork) -> tuple[int, int]:
    accounts = uow.session.scalar(select(func.count()).select_from(PlatformAccount)) or 0
    posts = uow.session.scalar(select(func.count()).select_from(PlatformPost)) or 0
    return accounts, posts


def seed_demo_platform(
    database: Database, *, actor: Actor, data: SeedData | None = None
) -> SeedSummary:
    """Create the demo accounts and posts in one transaction, each with its ledger entry,
    then one ``demo_data_seeded`` entry. Does nothing if the platform has any account."""
    data = data if data is not None else load_seed_data()
    with database.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_SEED_LOCK}
            )
        accounts, posts = _counts(uow)
        if accounts:
            return SeedSummary(accounts=accounts, posts=posts, already_seeded=True)
        now = uow.clock.now()
        ids: dict[str, int] = {}
        for seed in data.accounts:
            account = PlatformAccount(
                handle=seed.handle,
                display_name=seed.display_name,
                avatar_text=seed.avatar,
                bio=seed.bio,
                subject_kind=seed.subject_kind,
                subject_name=seed.subject_name,
                follower_count=seed.followers,
                status="active",
                created_at=now - timedelta(days=seed.days_ago),
            )
            uow.session.add(account)
            uow.session.flush()
            ids[seed.handle] = account.id
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.PLATFORM_ACCOUNT_CREATED,
                subject=Subject.of(SubjectType.PLATFORM_ACCOUNT, account.id),
                payload={
                    "handle": seed.handle,
                    "display_name": seed.display_name,
                    "subject_kind": seed.subject_kind,
                    "subject_name": seed.subject_name,
                },
            )
        # Oldest first, so that ids follow publication time as on a real platform.
        for seed_post in sorted(data.posts, key=lambda p: -p.hours_ago):
            post = PlatformPost(
                account_id=ids[seed_post.account],
                title=seed_post.title,
                body=seed_post.body,
                visibility="public",
                labels=list(seed_post.labels),
                distribution="normal",
                created_at=now - timedelta(hours=seed_post.hours_ago),
            )
            uow.session.add(post)
            uow.session.flush()
            ledger.append(
                uow,
                actor=actor,
                event=LedgerEvent.PLATFORM_POST_CREATED,
                subject=Subject.of(SubjectType.PLATFORM_POST, post.id),
                payload={
                    "account_id": post.account_id,
                    "title": post.title,
                    "content_sha256": content_digest({"title": post.title, "body": post.body}),
                    "labels": list(seed_post.labels),
                },
            )
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.DEMO_DATA_SEEDED,
            subject=Subject.of(SubjectType.SYSTEM, "demo-platform"),
            payload={"accounts": len(data.accounts), "posts": len(data.posts)},
        )
        return SeedSummary(accounts=len(data.accounts), posts=len(data.posts), already_seeded=False)
