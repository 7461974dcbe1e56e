"""``/healthz``: 200 when the database answers and is migrated, 503 otherwise."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from qinglang import __version__
from qinglang.db.engine import check_database
from qinglang.db.migrate import current_revision, head_revision
from qinglang.errors import DatabaseUnavailable
from qinglang.web.deps import DatabaseDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check")
def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        check_database(database)
    except DatabaseUnavailable as exc:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "error": exc.as_dict()},
            status_code=503,
        )
    migrated = current_revision(database) == head_revision(database)
    return JSONResponse(
        {
            "status": "ok" if migrated else "unavailable",
            "database": database.dialect,
            "migrated": migrated,
            "version": __version__,
        },
        status_code=200 if migrated else 503,
    )
