"""Version 1 of the JSON API."""

from fastapi import APIRouter

from qinglang.web.api.v1 import (
    cases,
    detect,
    evidence,
    holds,
    ledger,
    me,
    reports,
    statistics,
    tokens,
    users,
)

router = APIRouter(prefix="/api/v1")
router.include_router(me.router)
router.include_router(users.router)
router.include_router(tokens.router)
router.include_router(ledger.router)
router.include_router(detect.router)
router.include_router(evidence.router)
router.include_router(reports.router)
router.include_router(cases.router)
router.include_router(statistics.router)
router.include_router(holds.router)

__all__ = ["router"]
