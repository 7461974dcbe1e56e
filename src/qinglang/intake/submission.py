"""The shape of a report as submitted (API JSON, CLI file, the public form), checked in full.

Shape errors are refused (422, nothing stored) with every problem listed; what the
acceptance items require (WS-5) is not a shape error: a report that lacks an item is
stored as ``needs_supplement`` and says what is missing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from qinglang.errors import DomainError, InvalidInput
from qinglang.intake.identifiers import credit_code, email, phone

M = TypeVar("M", bound=BaseModel)
MAX_TARGETS = 100
MAX_STATEMENT = 20_000
MAX_EVIDENCE = 50

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Optional = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=254)]


class MalformedJson(DomainError):
    code = "malformed_json"
    http_status = 400


class UnsupportedContentType(DomainError):
    code = "unsupported_content_type"
    http_status = 415


class ReporterKind(StrEnum):
    ENTERPRISE = "enterprise"  # the enterprise itself
    ENTREPRENEUR = "entrepreneur"  # the entrepreneur in person
    AGENT = "agent"  # someone the right holder delegated
    INDIVIDUAL = "individual"  # anyone else reporting for the right holder


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ReporterIn(_Strict):
    kind: ReporterKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] = ""
    phone: Optional = None
    email: Optional = None

    @field_validator("phone")
    @classmethod
    def _phone_parses(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = phone(value)
        if parsed is None:
            raise ValueError("invalid_phone: not a phone number that can be reached")
        return parsed

    @field_validator("email")
    @classmethod
    def _email_parses(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = email(value)
        if parsed is None:
            raise ValueError("invalid_email: not an e-mail address")
        return parsed


class RightHolderIn(_Strict):
    """The enterprise (name and unified social credit code) or the entrepreneur (name)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    credit_code: Optional = None

    @field_validator("credit_code")
    @classmethod
    def _code_checks(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = credit_code(value)
        if parsed is None:
            raise ValueError(
                "invalid_credit_code: not a unified social credit code (its check digit fails)"
            )
        return parsed


class AgentIn(_Strict):
    name: Name


class TargetIn(_Strict):
    """Exactly one of: a URL, a platform content id, a platform account id."""

    url: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=4096)] = None
    content_id: Annotated[
        str | None, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_-]{1,64}$")
    ] = None
    account_id: Annotated[
        str | None, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_-]{1,64}$")
    ] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [v for v in (self.url, self.content_id, self.account_id) if v]
        if len(given) != 1:
            raise ValueError("a target is exactly one of url, content_id or account_id")
        return self


class EvidenceItemIn(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    type: Code


class DeclarationIn(_Strict):
    accepted: bool
    version: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,32}$")] | None = None
    accepted_at: datetime | None = None


class SubmissionIn(_Strict):
    """A report, as ``POST /api/v1/reports`` and ``qinglang reports submit`` take it."""

    reporter: ReporterIn
    right_holder: RightHolderIn
    delegated: bool = False
    agent: AgentIn | None = None
    category: Code
    subtype: Code
    statement: Annotated[str, StringConstraints(max_length=MAX_STATEMENT)] = ""
    targets: list[TargetIn] = Field(default_factory=list, max_length=MAX_TARGETS)
    evidence: list[EvidenceItemIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    declaration: DeclarationIn | None = None
    involves_minor: bool = False  # a minor is harmed (GD-2): the case comes first
    channel: str = "api"
    zone: Code = "enterprise_zone"
    campaign: Annotated[str, StringConstraints(max_length=64)] | None = None
    regulator_reference: Annotated[str, StringConstraints(max_length=64)] | None = None

    @model_validator(mode="after")
    def _evidence_once(self) -> Self:
        ids = [e.id for e in self.evidence]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate_evidence: an evidence item is listed twice")
        return self


class ContactIn(ReporterIn):
    """The reporter's name and contact, corrected in a supplement (the kind stays)."""

    kind: ReporterKind | None = None  # type: ignore[assignment]


class SupplementIn(_Strict):
    """What a reporter adds to a report that needs a supplement (补正)."""

    statement: Annotated[str, StringConstraints(max_length=MAX_STATEMENT)] | None = None
    reporter: ContactIn | None = None
    targets: list[TargetIn] = Field(default_factory=list, max_length=MAX_TARGETS)
    evidence: list[EvidenceItemIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    declaration: DeclarationIn | None = None


# Error codes for the constraints that have their own (the rest are ``invalid_request``).
_CODES = {
    ("targets", "too_long"): "too_many_targets",
    ("statement", "string_too_long"): "statement_too_long",
    ("evidence", "too_long"): "too_many_evidence_items",
}


def _code_for(error: Any) -> str:
    loc = [str(p) for p in error["loc"]]
    field = loc[-1] if loc else ""
    message = str(error.get("msg", ""))
    for prefix in (
        "invalid_phone",
        "invalid_email",
        "invalid_credit_code",
        "duplicate_evidence",
    ):
        if prefix in message:
            return prefix
    if error["type"] == "enum" and field == "kind":
        return "unknown_reporter_kind"
    return _CODES.get((loc[0] if loc else "", error["type"]), "invalid_request")


def parse(model: type[M], data: object) -> M:
    """``data`` as ``model``; one :class:`InvalidInput` listing every problem otherwise.

    The error's code is the first problem's own code where it has one (e.g.
    ``invalid_credit_code``, ``too_many_targets``), else ``invalid_request``.
    """
    if not isinstance(data, dict):
        raise InvalidInput("the request body is a JSON object", code="invalid_request")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        problems = [
            {
                "field": ".".join(str(p) for p in e["loc"]) or "body",
                "code": _code_for(e),
                "problem": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in errors
        ]
        specific = next((p["code"] for p in problems if p["code"] != "invalid_request"), None)
        raise InvalidInput(
            "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5]),
            code=specific or "invalid_request",
            details={"problems": problems},
        ) from None


def read_json(body: bytes, content_type: str | None) -> object:
    """A request body as JSON: 415 for another content type, 400 when it does not parse."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise UnsupportedContentType(
            "send the report as JSON with Content-Type: application/json",
            details={"received": media or None},
        )
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedJson(f"the body is not valid JSON: {exc}") from None


def fingerprint(data: object) -> str:
    """SHA-256 of the canonical JSON of a request, for comparing idempotent retries."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
