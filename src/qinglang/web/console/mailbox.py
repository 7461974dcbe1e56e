"""The mailbox: every notice written to reporters and reported parties, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from qinglang.auth.permissions import Permission, require
from qinglang.notices.service import mailbox
from qinglang.web.console.pages import render
from qinglang.web.deps import ConsoleActor, DatabaseDep

# Included in the console router, whose prefix is /console.
router = APIRouter(prefix="/mailbox", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def notices(request: Request, actor: ConsoleActor, database: DatabaseDep) -> HTMLResponse:
    require(actor, Permission.REPORTS_READ)
    return render(request, "mailbox.html", {"notices": mailbox(database)}, actor=actor)
