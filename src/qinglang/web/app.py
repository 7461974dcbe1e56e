"""The application factory: ``create_app(settings)`` builds the whole HTTP front."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from swagger_ui_bundle import swagger_ui_path

from qinglang import __version__
from qinglang.db.engine import Database, create_database
from qinglang.detect.service import Detection
from qinglang.disposal.rules import DisposalRules
from qinglang.intake.setup import build_intake
from qinglang.intake.store import EvidenceStore
from qinglang.logs import configure_logging
from qinglang.settings import Settings
from qinglang.web import health
from qinglang.web.api.v1 import router as api_v1
from qinglang.web.console import router as console
from qinglang.web.console.i18n import Catalogs
from qinglang.web.demo_site import router as demo_site
from qinglang.web.errors import install_error_handlers
from qinglang.web.middleware import RequestContextMiddleware, SecurityHeadersMiddleware
from qinglang.web.public import router as public_pages

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    """Build the app. Pass ``database`` to share one (tests); otherwise one is made and owned."""
    configure_logging(settings.log_level)
    owned = database is None
    db = database if database is not None else create_database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            db.dispose()

    app = FastAPI(
        title="Qinglang 清朗",
        version=__version__,
        summary="Infringement reports, self-media governance and the work ledger",
        docs_url=None,  # served below from local files, never from a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.catalogs = Catalogs.load()
    app.state.detection = Detection()
    app.state.evidence_store = EvidenceStore(settings.evidence_dir)
    app.state.intake = build_intake(db, settings, store=app.state.evidence_store)
    app.state.disposal_rules = DisposalRules.from_settings(
        settings, app.state.intake.rules.reporters, app.state.intake.packs
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="qinglang_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.is_production,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(api_v1)
    app.include_router(console)
    app.include_router(demo_site)
    app.include_router(public_pages)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/api/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="Qinglang 清朗 API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon-32x32.png",
        )

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    return app
