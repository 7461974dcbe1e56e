"""The demo platform's public pages, as a visitor sees them after measures are applied."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qinglang.actor import Actor
from qinglang.clock import FixedClock
from qinglang.db.engine import Database
from qinglang.platform.adapter import MeasureMessage
from qinglang.platform.demo import DemoPlatform
from qinglang.platform.models import PlatformAccount, PlatformPost
from qinglang.platform.seed import seed_demo_platform
from qinglang.settings import Settings
from qinglang.web.app import create_app


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    seed_demo_platform(database, actor=Actor.system("seeder"))
    with TestClient(create_app(settings, database=database)) as client:
        yield client


@pytest.fixture
def platform(database: Database, settings: Settings) -> DemoPlatform:
    return DemoPlatform(database, settings.base_url)


def post_titled(database: Database, title: str) -> PlatformPost:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(select(PlatformPost).where(PlatformPost.title == title)).one()


def account_named(database: Database, handle: str) -> PlatformAccount:
    with database.unit_of_work(read_only=True) as uow:
        return uow.session.scalars(
            select(PlatformAccount).where(PlatformAccount.handle == handle)
        ).one()


def apply(platform: DemoPlatform, measure: str, target: str, **params: object) -> None:
    platform.apply_measure(
        message=MeasureMessage(f"{measure}-{target}", measure, target, dict(params), ["WS-21"])
    )


RUMOUR = "突发！华锦科技资金链断裂，即将破产清算，员工连夜讨薪"


def test_the_latest_list_shows_seeded_posts_with_their_authors(client: TestClient) -> None:
    response = client.get("/demo-site/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert page.count('<article class="post') == 20
    assert "下雪了！云泽今年的第一场雪。" in page  # the newest seeded post
    assert "一只柠檬" in page  # SM-4: the author's name beside the post
    assert "/static/demo-site.css" in page
    assert "<script" not in page
    assert "?before=" in page


def test_the_next_page_continues_where_the_first_ended(client: TestClient) -> None:
    first = client.get("/demo-site/").text
    before = first.split("?before=")[1].split('"')[0]
    second = client.get(f"/demo-site/?before={before}")
    assert second.status_code == 200
    assert second.text.count('<article class="post') == 20
    assert f'id="post-{before}"' in first
    assert f'id="post-{before}"' not in second.text


def test_a_post_page_shows_the_post_and_its_author(client: TestClient, database: Database) -> None:
    post = post_titled(database, RUMOUR)
    page = client.get(f"/demo-site/posts/{post.id}").text
    assert RUMOUR in page
    assert "今日快讯头条" in page
    assert f'href="/demo-site/accounts/{post.account_id}"' in page


def test_a_removed_post_shows_a_placeholder(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    post = post_titled(database, RUMOUR)
    apply(platform, "remove", f"post:{post.id}")
    page = client.get(f"/demo-site/posts/{post.id}").text
    assert "该内容已被删除" in page
    assert RUMOUR not in page
    assert "员工连夜讨薪" not in page
    assert "今日快讯头条" in page  # SM-4
    assert RUMOUR not in client.get("/demo-site/").text


def test_a_private_post_is_not_shown_to_the_public(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    post = post_titled(database, RUMOUR)
    apply(platform, "make_private_time_limited", f"post:{post.id}", days=3)
    page = client.get(f"/demo-site/posts/{post.id}").text
    assert "内容暂不可见" in page
    assert "员工连夜讨薪" not in page
    assert f'id="post-{post.id}"' not in client.get("/demo-site/").text


def test_a_label_appears_with_its_chinese_name(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    post = post_titled(database, RUMOUR)
    apply(platform, "rumour_label", f"post:{post.id}")
    apply(platform, "dispute_label", f"post:{post.id}")
    page = client.get(f"/demo-site/posts/{post.id}").text
    assert "谣言标签" in page
    assert "争议标记" in page
    assert RUMOUR in page


def test_a_reduced_post_leaves_the_list_but_opens_directly(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    newest = client.get("/demo-site/").text
    assert "下雪了！云泽今年的第一场雪。" in newest
    with database.unit_of_work(read_only=True) as uow:
        post = uow.session.scalars(select(PlatformPost).order_by(PlatformPost.id.desc())).first()
    assert post is not None
    apply(platform, "reduce_distribution", f"post:{post.id}")
    assert f'id="post-{post.id}"' not in client.get("/demo-site/").text
    assert post.body in client.get(f"/demo-site/posts/{post.id}").text


def test_a_muted_account_says_until_when(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    account = account_named(database, "jinri_kuaixun")
    apply(platform, "mute", f"account:{account.id}", days=7)
    page = client.get(f"/demo-site/accounts/{account.id}").text
    # the clock stands at 2026-11-24 10:00 in Shanghai; seven days later, Shanghai time
    assert "该账号已被禁言至 2026年12月01日 10:00" in page
    assert "今日快讯头条" in page


def test_a_mute_that_has_ended_is_not_shown(
    client: TestClient, database: Database, platform: DemoPlatform, clock: FixedClock
) -> None:
    account = account_named(database, "jinri_kuaixun")
    apply(platform, "mute", f"account:{account.id}", days=1)
    clock.advance(timedelta(days=1, minutes=1))
    assert "禁言" not in client.get(f"/demo-site/accounts/{account.id}").text


def test_a_closed_account_shows_no_posts(
    client: TestClient, database: Database, platform: DemoPlatform
) -> None:
    account = account_named(database, "jinri_kuaixun")
    apply(platform, "close", f"account:{account.id}")
    page = client.get(f"/demo-site/accounts/{account.id}").text
    assert "该账号已被关闭" in page
    assert '<article class="post' not in page
    post = post_titled(database, RUMOUR)
    page = client.get(f"/demo-site/posts/{post.id}").text
    assert "该账号已被关闭" in page
    assert "员工连夜讨薪" not in page


def test_an_account_page_lists_its_posts(client: TestClient, database: Database) -> None:
    account = account_named(database, "huajin_tech")
    page = client.get(f"/demo-site/accounts/{account.id}").text
    assert "华锦科技股份有限公司官方账号" in page
    assert "28.6万 粉丝" in page
    assert "企业" in page
    assert page.count('<article class="post') == 3


def test_user_written_html_is_escaped(client: TestClient, database: Database) -> None:
    with database.unit_of_work() as uow:
        account = PlatformAccount(
            handle="xss",
            display_name="<b>坏人</b>",
            avatar_text="<i>",
            bio='<img src=x onerror="alert(1)">',
            subject_kind="person",
            subject_name="x",
            follower_count=0,
            status="active",
            created_at=uow.clock.now() - timedelta(days=1),
        )
        uow.session.add(account)
        uow.session.flush()
        post = PlatformPost(
            account_id=account.id,
            title="<script>alert('title')</script>",
            body="<script>alert('body')</script>",
            visibility="public",
            labels=[],
            distribution="normal",
            created_at=uow.clock.now(),
        )
        uow.session.add(post)
        uow.session.flush()
        post_id, account_id = post.id, account.id
    for path in ("/demo-site/", f"/demo-site/posts/{post_id}", f"/demo-site/accounts/{account_id}"):
        page = client.get(path).text
        assert "<script" not in page, path
        assert "<b>坏人</b>" not in page, path
        assert "&lt;b&gt;坏人&lt;/b&gt;" in page, path
    post_page = client.get(f"/demo-site/posts/{post_id}").text
    assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in post_page
    assert "<img" not in client.get(f"/demo-site/accounts/{account_id}").text


@pytest.mark.parametrize(
    "path",
    [
        "/demo-site/posts/999999",
        "/demo-site/accounts/999999",
        "/demo-site/posts/99999999999999",
        "/demo-site/posts/abc",
    ],
)
def test_missing_pages_are_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_cursor_that_names_no_post_is_refused(client: TestClient) -> None:
    assert client.get("/demo-site/?before=999999").status_code == 422


def test_missing_pages_keep_the_demo_sites_look(client: TestClient) -> None:
    response = client.get("/demo-site/posts/999999")
    assert response.status_code == 404
    assert "云泽圈" in response.text
    assert "您要找的内容不存在" in response.text
    assert "/static/console.css" not in response.text
