"""The console: server-rendered pages for reviewers, approvers, compliance and regulators."""

from qinglang.web.console.case_actions import router as case_actions
from qinglang.web.console.cases import router as cases
from qinglang.web.console.dashboard import router as dashboard
from qinglang.web.console.mailbox import router as mailbox
from qinglang.web.console.pages import router
from qinglang.web.console.regulator import router as regulator
from qinglang.web.console.reporter_accounts import router as reporter_accounts

router.include_router(reporter_accounts)
router.include_router(cases)
router.include_router(case_actions)
router.include_router(mailbox)
router.include_router(dashboard)
router.include_router(regulator)

__all__ = ["router"]
