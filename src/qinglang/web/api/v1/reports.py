"""``/api/v1/reports``: submit a report, look it up, supplement it (RC-1, WS-5).

Submitting takes an API token (``reports:submit``). Looking a report up and
supplementing it take the report's access token in ``X-Access-Token`` instead: the
reporter needs no account. A wrong token is answered as an unknown report (404).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from qinglang.actor import ANONYMOUS
from qinglang.auth.permissions import Permission, require
from qinglang.errors import InvalidInput, NotFound
from qinglang.intake import followups, reporter_accounts
from qinglang.intake.evidence import upload_evidence
from qinglang.intake.reports import Intake
from qinglang.intake.store import EvidenceStore
from qinglang.intake.submission import (
    SubmissionIn,
    SupplementIn,
    fingerprint,
    parse,
    read_json,
)
from qinglang.web.api.v1.evidence import EvidenceOut, bounded_upload, get_store
from qinglang.web.api.v1.schemas import ERRORS
from qinglang.web.deps import ApiActor, DatabaseDep, SettingsDep

router = APIRouter(prefix="/reports", tags=["reports"])
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": SubmissionIn.model_json_schema()}},
    }
}
_SUPPLEMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": SupplementIn.model_json_schema()}},
    }
}
_MAX_BODY = 1024 * 1024  # a report is text and references: 1 MiB is plenty

AccessToken = Annotated[
    str | None,
    Header(alias="X-Access-Token", description="The access token given with the tracking number"),
]


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]


async def _json(request: Request) -> object:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > _MAX_BODY:
        raise InvalidInput("a report body is at most 1 MiB", code="body_too_large")
    body = await request.body()
    if len(body) > _MAX_BODY:
        raise InvalidInput("a report body is at most 1 MiB", code="body_too_large")
    return read_json(body, request.headers.get("content-type"))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS | {409: ERRORS[422], 415: ERRORS[422]},
    openapi_extra=_JSON_BODY,
    summary="Submit a report; the answer lists every missing acceptance item",
)
async def submit(
    request: Request,
    actor: ApiActor,
    intake: IntakeDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Retry safely: the same key and body give the first answer again",
        ),
    ] = None,
) -> JSONResponse:
    require(actor, Permission.REPORTS_SUBMIT)
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise InvalidInput(
            "an Idempotency-Key is 1 to 255 printable ASCII characters",
            code="invalid_idempotency_key",
        )
    data = await _json(request)
    submission = parse(SubmissionIn, data)
    # The submission blocks on the database: run it off the event loop, so other requests
    # are read, authenticated and parsed meanwhile.
    answer = await run_in_threadpool(
        intake.submit,
        actor=actor,
        submission=submission,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint(data),
    )
    return JSONResponse(answer, status_code=status.HTTP_201_CREATED)


@router.get(
    "",
    responses=ERRORS,
    summary="A reporter account's own reports, newest first (keyset: ?before=<id>)",
)
def my_reports(
    actor: ApiActor,
    database: DatabaseDep,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JSONResponse:
    require(actor, Permission.REPORTS_SUBMIT)
    account = reporter_accounts.account_of(database, user_id=actor.user_id or 0)
    if account is None:
        raise NotFound("this user has no reporter account", code="reporter_account_not_found")
    lines = reporter_accounts.reports_of(
        database, account_id=account.id, limit=limit, before=before
    )
    return JSONResponse(
        {
            "account": {"id": account.id, "status": account.status},
            "reports": [
                asdict(line)
                | {
                    "received_at": line.received_at.isoformat(),
                    "due_at": line.due_at.isoformat() if line.due_at else None,
                }
                for line in lines
            ],
            "next_before": lines[-1].id if len(lines) == limit else None,
        }
    )


@router.get(
    "/{tracking_no}",
    responses=ERRORS,
    summary="A report's status, missing items, due time and outcome (with its access token)",
)
def look_up(tracking_no: str, intake: IntakeDep, token: AccessToken = None) -> JSONResponse:
    return JSONResponse(followups.look_up(intake, tracking_no=tracking_no, token=token))


@router.post(
    "/{tracking_no}/supplements",
    responses=ERRORS | {409: ERRORS[422], 415: ERRORS[422]},
    openapi_extra=_SUPPLEMENT_BODY,
    summary="Add what the report lacked (补正); complete, it becomes accepted",
)
async def add_supplement(
    tracking_no: str, request: Request, intake: IntakeDep, token: AccessToken = None
) -> JSONResponse:
    data = parse(SupplementIn, await _json(request))
    state = await run_in_threadpool(
        followups.supplement,
        intake,
        actor=ANONYMOUS,
        tracking_no=tracking_no,
        token=token,
        data=data,
    )
    return JSONResponse(state)


@router.post(
    "/{tracking_no}/evidence",
    response_model=EvidenceOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS | {413: ERRORS[422], 415: ERRORS[422]},
    dependencies=[Depends(bounded_upload)],
    summary="Upload a file for a supplement, with the report's access token",
)
def upload_for_report(
    tracking_no: str,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, WebP, GIF, MP4 or plain text")],
    intake: IntakeDep,
    database: DatabaseDep,
    settings: SettingsDep,
    store: Annotated[EvidenceStore, Depends(get_store)],
    token: AccessToken = None,
) -> EvidenceOut:
    state = followups.look_up(intake, tracking_no=tracking_no, token=token)
    evidence = upload_evidence(
        database,
        actor=ANONYMOUS,
        store=store,
        source=file.file,
        filename=file.filename or "",
        limit=settings.evidence_max_bytes,
        owner=f"report:{state['tracking_no']}",
    )
    return EvidenceOut.model_validate(evidence)
