"""The console shell: sign-in with CSRF and rate limiting, zh-CN first, English on request."""

from __future__ import annotations

from fastapi.testclient import TestClient

from qinglang.auth import users
from qinglang.db.engine import Database
from tests.api.conftest import OPERATOR, PASSWORD, add_user, csrf_of, sign_in


def test_the_console_asks_for_sign_in_in_chinese(client: TestClient) -> None:
    response = client.get("/console/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/"
    page = client.get("/console/login")
    assert '<html lang="zh-CN">' in page.text
    assert "登录清朗控制台" in page.text
    assert '<label for="username">用户名</label>' in page.text


def test_english_by_query_and_remembered(client: TestClient) -> None:
    page = client.get("/console/login?lang=en")
    assert "Sign in to the Qinglang console" in page.text
    assert '<html lang="en">' in page.text
    assert (
        "Sign in to the Qinglang console" in client.get("/console/login").text
    )  # cookie remembers


def test_english_by_browser_language(client: TestClient) -> None:
    page = client.get("/console/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in to the Qinglang console" in page.text


def test_sign_in_shows_the_home_page_and_ledger(client: TestClient, database: Database) -> None:
    users.create_user(
        database,
        actor=OPERATOR,
        username="chen",
        password=PASSWORD,
        roles=["compliance"],
        display_name="合规专员 <陈晓>",
    )
    sign_in(client, "chen")
    home = client.get("/console/")
    assert home.status_code == 200
    assert "欢迎，合规专员 &lt;陈晓&gt;" in home.text  # shown by name, and escaped
    assert "合规专员" in home.text
    assert "工作台账" in home.text
    assert "登录成功" in home.text  # the sign-in itself is in the ledger
    verified = client.post("/console/ledger/verify", data={"csrf_token": csrf_of(home.text)})
    assert "链条校验通过" in verified.text


def test_reviewers_do_not_see_the_ledger(client: TestClient, database: Database) -> None:
    add_user(database, "li", "reviewer")
    sign_in(client, "li")
    home = client.get("/console/")
    assert "立即校验链条" not in home.text
    assert "最新条目" not in home.text
    refused = client.post("/console/ledger/verify", data={"csrf_token": csrf_of(home.text)})
    assert refused.status_code == 403
    assert "permission_denied" in refused.text


def test_wrong_password_and_rate_limit(client: TestClient, database: Database) -> None:
    add_user(database, "li", "reviewer")
    token = csrf_of(client.get("/console/login").text)
    for _ in range(5):
        wrong = client.post(
            "/console/login", data={"username": "li", "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "用户名或密码错误" in wrong.text
    locked = client.post(
        "/console/login", data={"username": "li", "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text


def test_forms_without_the_csrf_token_are_refused(client: TestClient, database: Database) -> None:
    add_user(database, "li", "reviewer")
    client.get("/console/login")
    response = client.post(
        "/console/login", data={"username": "li", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "csrf_failed" in response.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_sign_out_and_disabled_users_lose_their_session(
    client: TestClient, database: Database
) -> None:
    add_user(database, "li", "reviewer")
    sign_in(client, "li")
    assert client.get("/console/", follow_redirects=False).status_code == 200
    users.set_active(database, actor=OPERATOR, username="li", active=False)
    assert client.get("/console/", follow_redirects=False).status_code == 303
    users.set_active(database, actor=OPERATOR, username="li", active=True)
    sign_in(client, "li")
    home = client.get("/console/")
    client.post("/console/logout", data={"csrf_token": csrf_of(home.text)})
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_next_never_leaves_the_console(client: TestClient, database: Database) -> None:
    add_user(database, "li", "reviewer")
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={
            "username": "li",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/"


def test_unknown_console_pages_render_a_page_not_json(client: TestClient) -> None:
    response = client.get("/console/no-such-page")
    assert response.status_code == 404
    assert "未找到" in response.text


def test_pages_carry_security_headers(client: TestClient) -> None:
    page = client.get("/console/login")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "content-security-policy" in client.get("/demo-site/").headers
    api = client.get("/healthz")
    assert api.headers["x-content-type-options"] == "nosniff"
    session = page.headers["set-cookie"]
    assert "httponly" in session.lower()
    assert "samesite=lax" in session.lower()
