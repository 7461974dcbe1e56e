"""``/api/v1/detect``: PII finding, lexicon scans and name checks for the platform to call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from qinglang.auth.permissions import Permission, require
from qinglang.detect.links import find_links
from qinglang.detect.pii import find_pii, mask_text
from qinglang.detect.service import Detection, UnknownLexicon
from qinglang.errors import NotFound, TooLarge
from qinglang.web.api.v1.schemas import ERRORS, ClientText
from qinglang.web.deps import ApiActor, SettingsDep

router = APIRouter(prefix="/detect", tags=["detection"])
# A request body may hold the text limit in UTF-8 (up to 4 bytes a character) plus JSON.
_BYTES_PER_CHAR = 4
_ENVELOPE_BYTES = 16_384


def bounded_body(request: Request, settings: SettingsDep) -> None:
    """Refuse an over-long body from its Content-Length, before it is read."""
    limit = settings.detect_max_chars * _BYTES_PER_CHAR + _ENVELOPE_BYTES
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise TooLarge(f"the request body is over {limit} bytes", code="body_too_large")


def check_length(text: str, limit: int, field: str = "text") -> None:
    if len(text) > limit:
        raise TooLarge(
            f"{field} has {len(text)} characters; the limit is {limit}",
            code="text_too_long",
            details={"field": field, "limit": limit},
        )


Bounded = Depends(bounded_body)


class TextIn(BaseModel):
    text: ClientText = Field(description="Any text; offsets in answers count Unicode code points")


class PiiHitOut(BaseModel):
    type: str = Field(description="resident_id, phone, bank_card, email, passport or address")
    span: tuple[int, int]
    masked: str


class PiiOut(BaseModel):
    hits: list[PiiHitOut]
    masked_text: str


class LinkOut(BaseModel):
    kind: str = Field(description="url, wechat, qq or other_contact")
    span: tuple[int, int]
    value: str
    obfuscated: bool


class LinksOut(BaseModel):
    links: list[LinkOut]


@router.post(
    "/pii",
    response_model=PiiOut,
    responses=ERRORS | {413: ERRORS[422]},
    dependencies=[Bounded],
    summary="Find and mask personal information (WS-14)",
)
def pii(body: TextIn, actor: ApiActor, settings: SettingsDep) -> PiiOut:
    require(actor, Permission.DETECT_USE)
    check_length(body.text, settings.detect_max_chars)
    hits = find_pii(body.text)
    return PiiOut(
        hits=[PiiHitOut(type=h.type.value, span=h.span, masked=h.masked) for h in hits],
        masked_text=mask_text(body.text, hits),
    )


@router.post(
    "/links",
    response_model=LinksOut,
    responses=ERRORS | {413: ERRORS[422]},
    dependencies=[Bounded],
    summary="Find links and contact lures, obfuscated or not (CP-3)",
)
def links(body: TextIn, actor: ApiActor, settings: SettingsDep) -> LinksOut:
    require(actor, Permission.DETECT_USE)
    check_length(body.text, settings.detect_max_chars)
    return LinksOut(
        links=[
            LinkOut(kind=h.kind.value, span=h.span, value=h.value, obfuscated=h.obfuscated)
            for h in find_links(body.text)
        ]
    )


def get_detection(request: Request) -> Detection:
    detection: Detection = request.app.state.detection
    return detection


DetectionDep = Annotated[Detection, Depends(get_detection)]


class NameIn(BaseModel):
    name: ClientText = Field(description="The account name to check")
    bio: ClientText | None = Field(default=None, description="The bio, checked as well")
    owner: str | None = Field(
        default=None,
        max_length=128,
        description="Who asks (e.g. account:7): its own verified name is allowed",
    )


class ReasonOut(BaseModel):
    code: str = Field(
        description="impersonates_protected_name, mentions_protected_name, protected_kind "
        "or administrative_division"
    )
    kind: str
    matched: str
    field: str
    span: tuple[int, int]
    variants: list[str]


class NameCheckOut(BaseModel):
    verdict: str = Field(description="allow, review or refuse (VOCABULARY.md)")
    reasons: list[ReasonOut]


class ScanIn(BaseModel):
    text: ClientText
    lexicon: str | None = Field(
        default=None, max_length=64, description="A lexicon's name; default: all"
    )


class ScanHitOut(BaseModel):
    term: str
    kind: str
    span: tuple[int, int]
    variants: list[str]


class ScanOut(BaseModel):
    hits: list[ScanHitOut]
    links: list[LinkOut]


@router.post(
    "/names",
    response_model=NameCheckOut,
    responses=ERRORS | {413: ERRORS[422]},
    dependencies=[Bounded],
    summary="Check an account name and bio (SM-1)",
)
def names(
    body: NameIn, actor: ApiActor, settings: SettingsDep, detection: DetectionDep
) -> NameCheckOut:
    require(actor, Permission.DETECT_USE)
    check_length(body.name, settings.detect_max_chars, "name")
    check_length(body.bio or "", settings.detect_max_chars, "bio")
    result = detection.check_name(body.name, body.bio, owner=body.owner)
    return NameCheckOut.model_validate(result.as_dict())


@router.post(
    "/scan",
    response_model=ScanOut,
    responses=ERRORS | {413: ERRORS[422]},
    dependencies=[Bounded],
    summary="Scan text against the lexicons, variants included (CP-3)",
)
def scan(body: ScanIn, actor: ApiActor, settings: SettingsDep, detection: DetectionDep) -> ScanOut:
    require(actor, Permission.DETECT_USE)
    check_length(body.text, settings.detect_max_chars)
    try:
        hits = detection.scan(body.text, lexicon=body.lexicon)
    except UnknownLexicon as exc:
        raise NotFound(str(exc), code="lexicon_not_found") from None
    return ScanOut(
        hits=[
            ScanHitOut(term=h.term, kind=h.kind, span=h.span, variants=[str(v) for v in h.variants])
            for h in hits
        ],
        links=[
            LinkOut(kind=h.kind.value, span=h.span, value=h.value, obfuscated=h.obfuscated)
            for h in find_links(body.text)
        ],
    )
