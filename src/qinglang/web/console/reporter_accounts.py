"""``/console/reporter-accounts``: a reviewer checks a reporter account's identity once (RC-1).

Pending accounts come first, each with its identity document to download; the
reviewer verifies or rejects (a reason is required), with CSRF. Downloads stream
the stored file with its sniffed media type, always as an attachment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from qinglang import ledger
from qinglang.actor import Actor
from qinglang.auth.permissions import Permission, require
from qinglang.errors import InvalidInput, NotFound
from qinglang.intake.models import Evidence, ReporterAccount
from qinglang.intake.reporter_accounts import PENDING, decide_account, list_accounts
from qinglang.intake.reports import Intake
from qinglang.intake.store import CHUNK, EvidenceStore
from qinglang.ledger import LedgerEvent, Subject, SubjectType
from qinglang.web.console.pages import render
from qinglang.web.deps import ConsoleActor, CsrfChecked, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/reporter-accounts", include_in_schema=False)
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "video/mp4": ".mp4",
    "text/plain": ".txt",
}


def _page(
    request: Request,
    actor: Actor,
    database: DatabaseDep,
    *,
    decided: ReporterAccount | None = None,
    problem: tuple[int, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    intake: Intake = request.app.state.intake
    rows = list_accounts(database, actor=actor)
    context: dict[str, Any] = {
        "rows": rows,
        "pending": sum(1 for account, _name in rows if account.status == PENDING),
        "decided": decided,
        "problem": problem,
        "pack": intake.pack,
    }
    return render(request, "reporter_accounts.html", context, actor=actor, status=status)


@router.get("", response_class=HTMLResponse)
def accounts(request: Request, actor: ConsoleActor, database: DatabaseDep) -> HTMLResponse:
    require(actor, Permission.REPORTER_ACCOUNTS_VERIFY)
    return _page(request, actor, database)


@router.post("/{account_id}/verify", response_class=HTMLResponse, dependencies=[CsrfChecked])
def verify(
    request: Request, account_id: int, actor: ConsoleActor, database: DatabaseDep
) -> HTMLResponse:
    decided = decide_account(database, actor=actor, account_id=account_id, verify=True)
    return _page(request, actor, database, decided=decided)


@router.post("/{account_id}/reject", response_class=HTMLResponse, dependencies=[CsrfChecked])
def reject(
    request: Request,
    account_id: int,
    actor: ConsoleActor,
    database: DatabaseDep,
    reason: str = Form(""),
) -> HTMLResponse:
    try:
        decided = decide_account(
            database, actor=actor, account_id=account_id, verify=False, note=reason
        )
    except InvalidInput as exc:
        if exc.code != "reason_required":
            raise
        return _page(request, actor, database, problem=(account_id, exc.code), status=422)
    return _page(request, actor, database, decided=decided)


@router.get("/{account_id}/identity")
def identity_document(
    request: Request, account_id: int, actor: ConsoleActor, database: DatabaseDep
) -> Response:
    """The account's identity document, as an attachment with its sniffed media type."""
    require(actor, Permission.REPORTER_ACCOUNTS_VERIFY)
    with database.unit_of_work() as uow:
        account = uow.session.get(ReporterAccount, account_id)
        evidence = uow.session.get(Evidence, account.identity_evidence_id) if account else None
        if evidence is None:
            raise NotFound(f"no reporter account {account_id}", code="reporter_account_not_found")
        # Every look at an identity document is recorded: who, which, why.
        ledger.append(
            uow,
            actor=actor,
            event=LedgerEvent.EVIDENCE_VIEWED,
            subject=Subject.of(SubjectType.EVIDENCE, evidence.id),
            payload={"purpose": "reporter_account_verification", "account": account_id},
        )
    store: EvidenceStore = request.app.state.evidence_store
    try:
        handle = store.open(evidence.sha256)
    except FileNotFoundError:
        raise NotFound("the identity document's file is missing", code="file_missing") from None

    def chunks() -> Any:
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    plain = f"identity-{account_id}{_EXTENSIONS.get(evidence.media_type, '')}"
    encoded = quote(evidence.display_name, safe="")
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"
    # X-Content-Type-Options: nosniff is set on every response by SecurityHeadersMiddleware.
    return StreamingResponse(
        chunks(),
        media_type=evidence.media_type,
        headers={
            "Content-Disposition": disposition,
            "Content-Length": str(evidence.size),
            "Cache-Control": "no-store",
        },
    )
