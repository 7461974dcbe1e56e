"""The console: server-rendered pages for reviewers, approvers, compliance and regulators."""

from qinglang.web.console.pages import router

__all__ = ["router"]
