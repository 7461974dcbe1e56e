"""Reported addresses that name the same content normalise to one form (grouping into cases)."""

from __future__ import annotations

import pytest

from qinglang.errors import InvalidInput
from qinglang.intake.targets import TargetRules, normalise_url

CANONICAL = "https://example.cn/news/2023/0810/post.html?id=7"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.cn/news/2023/0810/post.html?id=7",
        "HTTP://Example.CN/news/2023/0810/post.html?id=7",
        "https://example.cn:443/news/2023/0810/post.html?id=7",
        "http://example.cn:80/news/2023/0810/post.html?id=7",
        "https://www.example.cn/news/2023/0810/post.html?id=7",
        "https://m.example.cn/news/2023/0810/post.html?id=7#comments",
        "https://example.cn/news/2023/0810/post.html/?id=7",
        "https://example.cn/news/2023/0810/post.html?utm_source=wx&id=7&spm=a1.b2&share_token=x",
        "https://user:pw@example.cn/news/2023/0810/post.html?id=7",
        "https://example.cn/news/2023/0810/%70ost.html?id=7",
        "  example.cn/news/2023/0810/post.html?id=7  ",
        "https://example.cn./news/2023/0810/post.html?id=7",
    ],
)
def test_the_same_content_has_one_address(url: str) -> None:
    assert normalise_url(url) == CANONICAL


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.cn/post/1", "https://example.cn/post/2"),
        ("https://example.cn/Post/1", "https://example.cn/post/1"),  # paths are case-sensitive
        ("https://example.cn/p?id=1", "https://example.cn/p?id=2"),
        ("https://example.cn/#/post/1", "https://example.cn/#/post/2"),  # hash routes are kept
        ("https://example.cn:8080/p", "https://example.cn/p"),
        ("https://a.example.cn/p", "https://b.example.cn/p"),
    ],
)
def test_different_content_keeps_different_addresses(a: str, b: str) -> None:
    assert normalise_url(a) != normalise_url(b)


def test_query_order_does_not_matter_but_values_do() -> None:
    assert normalise_url("https://x.cn/p?b=2&a=1") == normalise_url("https://x.cn/p?a=1&b=2")
    assert normalise_url("https://x.cn/p?a=") == "https://x.cn/p?a="


def test_configured_host_aliases() -> None:
    rules = TargetRules(host_aliases={"h5.huajin.example": "huajin.example"})
    assert normalise_url("https://h5.huajin.example/a", rules=rules) == "https://huajin.example/a"
    assert normalise_url("https://m.huajin.example/a", rules=rules) == "https://huajin.example/a"


def test_chinese_domains_use_their_ascii_form() -> None:
    assert (
        normalise_url("https://例子.中国/文章")
        == "https://xn--fsqu00a.xn--fiqs8s/%E6%96%87%E7%AB%A0"
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "ftp://example.cn/file",
        "javascript:alert(1)",
        "https://",
        "https://example.cn:99999/",
        "https://" + "a" * 5000 + ".cn",
    ],
    ids=["empty", "blank", "ftp", "javascript", "no-host", "bad-port", "too-long"],
)
def test_what_is_not_an_address_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_url(url)
    assert caught.value.code == "invalid_target_url"
