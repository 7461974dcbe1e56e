"""``/api/v1/evidence``: upload an evidence file for a report (multipart)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile, status
from pydantic import BaseModel, ConfigDict

from qinglang.auth.permissions import Permission, require
from qinglang.errors import TooLarge
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.store import EvidenceStore
from qinglang.web.api.v1.schemas import ERRORS
from qinglang.web.deps import ApiActor, DatabaseDep, SettingsDep

router = APIRouter(prefix="/evidence", tags=["evidence"])
_MULTIPART_ENVELOPE = 64 * 1024


def bounded_upload(request: Request, settings: SettingsDep) -> None:
    """Refuse an over-large upload from its Content-Length, before it is read."""
    length = request.headers.get("content-length", "")
    limit = settings.evidence_max_bytes
    if length.isdigit() and int(length) > limit + _MULTIPART_ENVELOPE:
        raise TooLarge(f"a file may be at most {limit} bytes", code="file_too_large")


def get_store(request: Request) -> EvidenceStore:
    store: EvidenceStore = request.app.state.evidence_store
    return store


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sha256: str
    size: int
    media_type: str
    display_name: str
    uploaded_at: datetime


@router.post(
    "",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS | {413: ERRORS[422], 415: ERRORS[422]},
    dependencies=[Depends(bounded_upload)],
    summary="Upload an evidence file; its type is sniffed from its content",
)
def upload(
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, WebP, GIF, MP4 or plain text")],
    actor: ApiActor,
    database: DatabaseDep,
    settings: SettingsDep,
    store: Annotated[EvidenceStore, Depends(get_store)],
) -> EvidenceOut:
    require(actor, Permission.REPORTS_SUBMIT)
    evidence = upload_evidence(
        database,
        actor=actor,
        store=store,
        source=file.file,
        filename=file.filename or "",
        limit=settings.evidence_max_bytes,
        owner=f"user:{actor.user_id}",
    )
    return EvidenceOut.model_validate(evidence)
