"""FastAPI dependencies: settings, database, the acting user (token or session), CSRF.

Routes declare what they need with the ``Annotated`` aliases below and check
permissions through :func:`qinglang.auth.permissions.can`, never by hand.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, can
from qinglang.auth.tokens import authenticate_token
from qinglang.auth.users import actor_for, get_user
from qinglang.db.engine import Database
from qinglang.errors import NotAuthenticated, PermissionDenied
from qinglang.settings import Settings

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="An API token (qlt_…) from `qinglang tokens create` or POST /api/v1/tokens",
)


def api_actor(
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user behind ``Authorization: Bearer qlt_…``."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated(
            "send an API token as 'Authorization: Bearer <token>'", code="token_required"
        )
    return authenticate_token(database, secret=credentials.credentials.strip())


ApiActor = Annotated[Actor, Depends(api_actor)]


class SignInRequired(Exception):
    """Raised by console dependencies; the error handler redirects to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def session_actor_or_none(request: Request, database: DatabaseDep) -> Actor | None:
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None
    user = get_user(database, user_id=user_id)
    if user is None or not user.is_active:
        request.session.clear()
        return None
    return actor_for(user)


def console_actor(
    request: Request, actor: Annotated[Actor | None, Depends(session_actor_or_none)]
) -> Actor:
    if actor is None:
        raise SignInRequired(request.url.path)
    if not can(actor, Permission.CONSOLE_ACCESS):  # e.g. a reporter account: /reporter is theirs
        raise PermissionDenied(
            "this account has no access to the console", code="console_access_denied"
        )
    return actor


ConsoleActor = Annotated[Actor, Depends(console_actor)]
MaybeConsoleActor = Annotated[Actor | None, Depends(session_actor_or_none)]


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use; forms carry it as ``csrf_token``."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def verify_csrf(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(expected, str) or not secrets.compare_digest(expected, csrf_token):
        raise PermissionDenied(
            "the form has expired or did not come from this site; reload and try again",
            code="csrf_failed",
        )


CsrfChecked = Depends(verify_csrf)
