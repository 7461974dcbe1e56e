"""The public pages for reporters (zh-CN first, no JavaScript): ``/report``, ``/track``,
and reporter accounts under ``/reporter/``."""

from fastapi import APIRouter

from qinglang.web.public import report_pages, reporter_pages, track_pages, transparency

router = APIRouter(include_in_schema=False)
router.include_router(report_pages.router)
router.include_router(track_pages.router)
router.include_router(reporter_pages.router)
router.include_router(transparency.router)

__all__ = ["router"]
