"""API shapes (Pydantic v2). Storage models live in each domain's ``models.py``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(text: str) -> str:
    """JSON may carry a lone surrogate (\\ud800); UTF-8 cannot. U+FFFD keeps every offset."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# Text from a client: any string; a lone surrogate becomes U+FFFD, one code point for one.
ClientText = Annotated[str, AfterValidator(_replace_lone_surrogates)]


class ErrorBody(BaseModel):
    code: str = Field(description="A stable lower_snake_case code")
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (401, 403, 404, 409, 422, 429)
}


class Me(BaseModel):
    actor: str
    username: str
    roles: list[str]
    scopes: list[str] | None
    permissions: list[str]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    roles: list[str]
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    roles: list[str] = Field(min_length=1)
    display_name: str | None = Field(default=None, max_length=128)


class UserPatch(BaseModel):
    is_active: bool | None = None
    roles: list[str] | None = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    scopes: list[str] = Field(min_length=1)
    username: str | None = Field(default=None, description="Whose token; default: your own")
    expires_at: datetime | None = None


class TokenIssued(TokenOut):
    token: str = Field(description="The secret. Shown once; store it now.")


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    recorded_at: str
    actor: str
    event: str
    subject_type: str
    subject_id: str
    payload: str = Field(description="The canonical JSON exactly as hashed")
    prev_hash: str
    hash: str


class BrokenOut(BaseModel):
    seq: int
    reason: str
    detail: str


class VerificationOut(BaseModel):
    ok: bool
    checked: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str
    broken: BrokenOut | None
