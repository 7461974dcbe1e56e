"""What the public pages keep in the session, and how their forms are read.

A reporter account signs in to its own session key, never the console's, so a
reporter never holds a console session. The report form's uploads belong to a random
nonce kept in the session (``form:<nonce>``), so only this browser can attach them.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from qinglang.auth.models import User
from qinglang.auth.permissions import Role
from qinglang.auth.users import get_user
from qinglang.db.engine import Database
from qinglang.errors import PermissionDenied, TooLarge
from qinglang.settings import Settings
from qinglang.web.deps import SESSION_CSRF

SESSION_REPORTER = "reporter_user_id"
SESSION_FORM = "report_form"
FILE_SLOTS = 5  # file inputs on a form
_ENVELOPE = 1024 * 1024  # the text fields and multipart framing around the files


def current_reporter(request: Request) -> User | None:
    """The signed-in reporter account's user, if any (and still active)."""
    user_id = request.session.get(SESSION_REPORTER)
    if not isinstance(user_id, int):
        return None
    database: Database = request.app.state.database
    user = get_user(database, user_id=user_id)
    if user is None or not user.is_active or Role.REPORTER.value not in user.roles:
        request.session.pop(SESSION_REPORTER, None)
        return None
    return user


def form_nonce(request: Request, *, renew: bool = False) -> str:
    """The nonce this browser's report form uploads under (a new one after a submission)."""
    nonce = request.session.get(SESSION_FORM)
    if renew or not isinstance(nonce, str):
        nonce = secrets.token_urlsafe(24)
        request.session[SESSION_FORM] = nonce
    return nonce


async def checked_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form, after its size and CSRF token are checked; files closed after."""
    settings: Settings = request.app.state.settings
    limit = settings.evidence_max_bytes * FILE_SLOTS + _ENVELOPE
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(
            f"a form may carry at most {FILE_SLOTS} files of {settings.evidence_max_bytes} bytes",
            code="form_too_large",
        )
    form = await request.form(max_files=FILE_SLOTS + 1, max_fields=500)
    try:
        expected = request.session.get(SESSION_CSRF)
        given = form.get("csrf_token")
        if (
            not isinstance(expected, str)
            or not isinstance(given, str)
            or not secrets.compare_digest(expected, given)
        ):
            raise PermissionDenied(
                "the form has expired or did not come from this site; reload and try again",
                code="csrf_failed",
            )
        yield form
    finally:
        await form.close()


CheckedForm = Annotated[FormData, Depends(checked_form)]
