"""Roles, permissions and the one permission check: ``can(actor, permission, resource)``.

Pure: no database. The API, the console and the CLI all ask :func:`can` (or
:func:`require`), so a rule changes in one place. A token's scopes narrow what its
user's roles allow; they never widen it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from qinglang.actor import Actor, ActorKind
from qinglang.errors import PermissionDenied


class Role(StrEnum):
    REVIEWER = "reviewer"  # works the queues, establishes facts, proposes measures
    APPROVER = "approver"  # signs off what needs a second level (WS-27)
    COMPLIANCE = "compliance"  # campaigns, policy packs, statistics, retention
    REGULATOR = "regulator"  # reads and exports; never changes anything
    ADMIN = "admin"  # users, roles and tokens
    REPORTER = "reporter"  # an enterprise that reports often (a reporter account)


class Permission(StrEnum):
    CONSOLE_ACCESS = "console:access"
    PLATFORM_READ = "platform:read"
    LEDGER_READ = "ledger:read"
    LEDGER_VERIFY = "ledger:verify"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    TOKENS_OWN = "tokens:own"  # create and revoke one's own API tokens
    TOKENS_MANAGE = "tokens:manage"  # revoke anyone's
    DETECT_USE = "detect:use"  # name checks, lexicon scans, PII finding
    REPORTS_SUBMIT = "reports:submit"  # submit reports and upload evidence (integrations)
    REPORTS_TRANSFER = "reports:transfer"  # enter regulator transfers and bulk imports
    REPORTS_READ = "reports:read"  # read any report and case
    REPORTER_ACCOUNTS_VERIFY = "reporter_accounts:verify"  # check a reporter's identity once
    CASES_REVIEW = "cases:review"  # claim cases, record facts, propose decisions
    CASES_APPROVE = "cases:approve"  # sign off another's proposal (WS-27)
    REGULATOR_REVIEW = "regulator:review"  # review a case before it takes effect (WS-25)
    OBJECTIONS_SUBMIT = "objections:submit"  # relay a reported party's objection (platform)
    STATISTICS_READ = "statistics:read"  # figures per campaign and period, the dashboard (CP-2)
    PERIODIC_REPORTS_GENERATE = "periodic_reports:generate"  # WS-28 reports on demand
    RETENTION_MANAGE = "retention:manage"  # place and release legal holds, run the purge
    OVERSIGHT_READ = "oversight:read"  # the regulator's portal: search, timelines, downloads
    OVERSIGHT_INSPECT = "oversight:inspect"  # draw inspection samples (WS-29)


_STAFF = frozenset(
    {
        Permission.CONSOLE_ACCESS,
        Permission.PLATFORM_READ,
        Permission.TOKENS_OWN,
        Permission.DETECT_USE,
        Permission.REPORTS_SUBMIT,
        Permission.REPORTS_TRANSFER,
        Permission.REPORTS_READ,
        Permission.REPORTER_ACCOUNTS_VERIFY,
        Permission.OBJECTIONS_SUBMIT,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: _STAFF | {Permission.CASES_REVIEW},
    Role.APPROVER: _STAFF
    | {Permission.CASES_REVIEW, Permission.CASES_APPROVE, Permission.STATISTICS_READ},
    Role.COMPLIANCE: _STAFF
    | {Permission.LEDGER_READ, Permission.LEDGER_VERIFY, Permission.RETENTION_MANAGE}
    | {Permission.STATISTICS_READ, Permission.PERIODIC_REPORTS_GENERATE}
    | {Permission.OVERSIGHT_READ},
    Role.REGULATOR: frozenset(
        {
            Permission.CONSOLE_ACCESS,
            Permission.PLATFORM_READ,
            Permission.LEDGER_READ,
            Permission.LEDGER_VERIFY,
            Permission.TOKENS_OWN,
            Permission.REPORTS_READ,
            Permission.REGULATOR_REVIEW,
            Permission.STATISTICS_READ,
            Permission.OVERSIGHT_READ,
            Permission.OVERSIGHT_INSPECT,
        }
    ),
    # An enterprise's own reporting account: reports, and sees its own reports only.
    Role.REPORTER: frozenset({Permission.REPORTS_SUBMIT, Permission.TOKENS_OWN}),
    Role.ADMIN: frozenset(Permission),
}


@runtime_checkable
class Owned(Protocol):
    """A resource that belongs to one user (an API token, a saved view…)."""

    @property
    def user_id(self) -> int: ...


def permissions_of(roles: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        if role in Role.__members__.values():
            granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)


def _in_scope(actor: Actor, permission: Permission) -> bool:
    """A token acts only within its scopes; a console session has no scopes to narrow it."""
    return actor.scopes is None or permission.value in actor.scopes


def can(actor: Actor, permission: Permission, resource: object | None = None) -> bool:
    """Whether ``actor`` may do ``permission`` (to ``resource``, where one is named)."""
    if actor.kind in (ActorKind.SYSTEM, ActorKind.OPERATOR):
        return True
    if actor.kind is not ActorKind.USER:
        return False
    granted = permissions_of(actor.roles)
    if permission in granted and _in_scope(actor, permission):
        return True
    # One's own things: holding TOKENS_OWN lets a user manage their own tokens.
    return (
        permission is Permission.TOKENS_MANAGE
        and Permission.TOKENS_OWN in granted
        and _in_scope(actor, Permission.TOKENS_OWN)
        and isinstance(resource, Owned)
        and resource.user_id == actor.user_id
    )


class PermissionMissing(PermissionDenied):
    """:func:`require`'s refusal: who lacked which permission (the web layer records a
    regulator's refused change from it, in one place)."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        super().__init__(
            f"{actor.ref} lacks the permission {permission.value}",
            details={"permission": permission.value},
        )
        self.actor = actor
        self.permission = permission


def require(actor: Actor, permission: Permission, resource: object | None = None) -> None:
    if not can(actor, permission, resource):
        raise PermissionMissing(actor, permission)
