"""The demo platform's public pages (/demo-site/): what the governed platform's users see."""

from qinglang.web.demo_site.pages import router

__all__ = ["router"]
