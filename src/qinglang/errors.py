"""Domain errors with stable codes, and the one table that maps them to HTTP and exit codes.

Every error a user can see is a :class:`DomainError` with a stable ``code``
(lower_snake_case). The API, the console and the CLI each render it through
:func:`http_status_for` / :func:`exit_code_for`, never by catching classes ad hoc.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """An error a user is meant to read: a stable code, a message, optional details."""

    code: str = "error"
    http_status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = dict(details or {})

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    http_status = 401


class PermissionDenied(DomainError):
    code = "permission_denied"
    http_status = 403


class TooLarge(DomainError):
    code = "too_large"
    http_status = 413


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


class ConfigurationError(DomainError):
    """A setting is missing, malformed or unsafe; raised before anything starts."""

    code = "configuration_error"
    http_status = 500


class DatabaseUnavailable(DomainError):
    code = "database_unavailable"
    http_status = 503


class LedgerBroken(DomainError):
    code = "ledger_broken"
    http_status = 500


# CLI exit codes by error class: 2 for what the caller can fix, 3 for the environment,
# 4 for integrity failures. The first matching class in the MRO wins.
_EXIT_CODES: dict[type[DomainError], int] = {
    InvalidInput: 2,
    NotFound: 2,
    Conflict: 2,
    NotAuthenticated: 2,
    PermissionDenied: 2,
    RateLimited: 2,
    TooLarge: 2,
    ConfigurationError: 3,
    DatabaseUnavailable: 3,
    LedgerBroken: 4,
}


def http_status_for(error: DomainError) -> int:
    return error.http_status


def exit_code_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in _EXIT_CODES:
            return _EXIT_CODES[cls]
    return 1
