"""/report and /track in headless Chromium with JavaScript disabled: the pages work without it.

The real app is served by uvicorn on 127.0.0.1 (a migrated SQLite database in a
temporary directory). Skipped when Chromium or Playwright is missing, unless
``QINGLANG_REQUIRE_BROWSER=1`` (then it fails). Screenshots go to
``$QINGLANG_SCREENSHOT_DIR`` when set, else to the test's temporary directory.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from qinglang.db.engine import Database, create_engine_for
from qinglang.db.migrate import upgrade
from qinglang.web.app import create_app
from tests.conftest import make_settings
from tests.reporting import CREDIT_CODE, png

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.browser


def _browser_or_skip() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    if importlib.util.find_spec("playwright") is None:
        missing.append("the playwright module")
    if not missing:
        return
    reason = f"headless browser test needs {' and '.join(missing)}"
    if os.environ.get("QINGLANG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (QINGLANG_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The whole app on loopback, as ``qinglang serve`` runs it."""
    settings = make_settings(f"sqlite:///{tmp_path / 'qinglang.db'}", tmp_path)
    database = Database(engine=create_engine_for(settings))
    upgrade(database)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, database=database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=20)
    database.dispose()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("QINGLANG_SCREENSHOT_DIR") or tmp_path / "shots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _file(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": png()}


def test_report_and_track_without_javascript(server: str, shots: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            java_script_enabled=False, locale="zh-CN", viewport={"width": 1100, "height": 900}
        )
        page = context.new_page()
        try:
            _report_and_track(page, server, shots)
        finally:
            context.close()
            browser.close()


def _report_and_track(page: Any, server: str, shots: Path) -> None:
    page.goto(f"{server}/report")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("script").count() == 0
    page.screenshot(path=str(shots / "report-empty.png"), full_page=True)

    # First try: statement, preliminary evidence and declaration missing.
    page.select_option("#reporter_kind", "enterprise")
    page.fill("#reporter_name", "王经理")
    page.fill("#reporter_phone", "13800138000")
    page.fill("#holder_name", "示例科技有限公司")
    page.fill("#credit_code", CREDIT_CODE)
    page.check("#cat-rumour")
    page.check("#sub-rumour-product_quality_defamation")
    page.fill("#targets", "https://news.example.cn/a/1")
    page.set_input_files("#file_1", files=[_file("营业执照.png")])
    page.select_option("#type_1", "business_licence")
    with page.expect_navigation():
        page.get_by_role("button", name="提交举报").click()
    summary = page.locator(".summary").inner_text()
    assert "尚缺以下受理条件（第五条）" in summary
    for missing in (
        "请填写举报事项与理由",
        "谣言性信息举报需提供初步证据材料",
        "真实性、合法性保证",
    ):
        assert missing in summary, summary
    assert page.get_by_role("button", name="仍然提交，稍后补正").is_visible()
    assert "营业执照.png" in page.locator("ul.kept").inner_text()  # kept: no second upload
    page.screenshot(path=str(shots / "report-errors.png"), full_page=True)

    # Complete it: the licence stays uploaded; add the preliminary evidence.
    page.fill("#statement", "该文章捏造我公司产品质量问题，与事实不符。")
    page.set_input_files("#file_1", files=[_file("辟谣公告.png")])
    page.select_option("#type_1", "official_debunk")
    page.check("#declaration")
    with page.expect_navigation():
        page.get_by_role("button", name="提交举报").click()
    assert page.get_by_role("heading", name="举报已提交").is_visible()
    number = page.locator("#tracking-no").inner_text().strip()
    token = page.locator("#access-token").inner_text().strip()
    assert number.startswith("QL-")
    assert len(token) >= 40
    assert "已受理" in page.locator(".facts").inner_text()
    page.screenshot(path=str(shots / "report-done.png"), full_page=True)

    page.goto(f"{server}/track")
    page.fill("#tracking_no", number)
    page.fill("#access_token", token)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert page.url == f"{server}/track"  # number and token went in POST fields, not the URL
    state = page.locator("main").inner_text()
    assert number in state
    assert "已受理" in state
    assert "辟谣公告.png" in state
    page.screenshot(path=str(shots / "track.png"), full_page=True)
