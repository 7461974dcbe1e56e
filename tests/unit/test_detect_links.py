"""Links and contact lures (CP-3): URLs, disguised URLs, WeChat, QQ and other handles."""

from __future__ import annotations

import pytest

from qinglang.detect.links import LinkKind, find_links

URL, WECHAT, QQ, OTHER = LinkKind.URL, LinkKind.WECHAT, LinkKind.QQ, LinkKind.OTHER_CONTACT


def _found(text: str) -> list[tuple[LinkKind, str, str, bool]]:
    """(kind, raw span text, value, obfuscated) for each hit."""
    return [(h.kind, text[h.span[0] : h.span[1]], h.value, h.obfuscated) for h in find_links(text)]


# (text, raw match, value, obfuscated)
URLS = [
    ("访问www.example.com了解", "www.example.com", "www.example.com", False),
    ("官网example.cn。", "example.cn", "example.cn", False),
    (
        "见https://example.com/a/b?x=1&y=2。",
        "https://example.com/a/b?x=1&y=2",
        "https://example.com/a/b?x=1&y=2",
        False,
    ),
    (
        "打开http://192.168.1.1:8080/login",
        "http://192.168.1.1:8080/login",
        "http://192.168.1.1:8080/login",
        False,
    ),
    ("访问example.com.cn/path,谢谢", "example.com.cn/path", "example.com.cn/path", False),
    ("网易163.com新闻", "163.com", "163.com", False),
    ("新域名shop.xyz上线", "shop.xyz", "shop.xyz", False),
    ("网址www点example点com谢谢", "www点example点com", "www.example.com", True),
    ("网址www。example。com谢谢", "www。example。com", "www.example.com", True),
    (
        "全角ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ哦",
        "ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ",
        "www.example.com",
        True,
    ),
    ("空格www . example . com 看", "www . example . com", "www.example.com", True),
    ("括号example(.)com斜杠pay", "example(.)com斜杠pay", "example.com/pay", True),
    ("括号example[.]com", "example[.]com", "example.com", True),
    ("括号example（点）top", "example（点）top", "example.top", True),
    ("方括号example【点】vip", "example【点】vip", "example.vip", True),
    ("网址www点163点com", "www点163点com", "www.163.com", True),
    ("defanged hxxps://evil[.]xyz/pay", "hxxps://evil[.]xyz/pay", "https://evil.xyz/pay", True),
    ("中文域名abc.中国看看", "abc.中国", "abc.中国", False),
    ("大写WWW.EXAMPLE.COM", "WWW.EXAMPLE.COM", "WWW.EXAMPLE.COM", False),
]

NOT_URLS = [
    ("an e-mail address is not a link", "邮箱abc@qq.com"),
    ("version numbers", "版本1.2.3发布"),
    ("file names", "读取file.py和README.md"),
    ("three o'clock", "下午3点cn见"),
    ("ten o'clock", "我们10点cc见"),
    ("one-letter site with a disguised dot", "A点top"),
    ("abbreviations", "e.g. this, i.e. that"),
    ("a Chinese host is not taken", "例子.中国"),
    ("an unknown TLD without a scheme", "hello.world"),
]


@pytest.mark.parametrize(("text", "raw", "value", "obfuscated"), URLS)
def test_urls_are_found_and_normalised(text: str, raw: str, value: str, obfuscated: bool) -> None:
    assert _found(text) == [(URL, raw, value, obfuscated)]


@pytest.mark.parametrize(("why", "text"), NOT_URLS)
def test_prose_is_not_read_as_a_url(why: str, text: str) -> None:
    assert [h for h in find_links(text) if h.kind is URL] == [], why


CONTACTS = [
    ("加微信：abc_12345 领取", WECHAT, "abc_12345", "abc_12345", False),
    ("微信号是wxid_abc123", WECHAT, "wxid_abc123", "wxid_abc123", False),
    ("wechat: Zhang-San88", WECHAT, "Zhang-San88", "Zhang-San88", False),
    ("vx: wxid_abc123", WECHAT, "wxid_abc123", "wxid_abc123", True),
    ("VX：abc12345", WECHAT, "abc12345", "abc12345", True),
    ("威信abc123456", WECHAT, "abc123456", "abc123456", True),
    ("薇信 abc123456", WECHAT, "abc123456", "abc123456", True),
    ("V信abc123456", WECHAT, "abc123456", "abc123456", True),
    ("加V 13800138000", WECHAT, "13800138000", "13800138000", True),
    ("微信ａｂｃ１２３４５", WECHAT, "ａｂｃ１２３４５", "abc12345", True),
    ("QQ12345678", QQ, "12345678", "12345678", False),
    ("qq号：87654321", QQ, "87654321", "87654321", False),
    ("扣扣：87654321", QQ, "87654321", "87654321", True),
    ("企鹅 10001", QQ, "10001", "10001", True),
    ("QQ群 123456789 欢迎", QQ, "123456789", "123456789", False),
    ("纸飞机@scam_bot1", OTHER, "scam_bot1", "scam_bot1", True),
    ("telegram: scam_bot1", OTHER, "scam_bot1", "scam_bot1", False),
    ("whatsapp: +86 138 0013 8000", OTHER, "+86 138 0013 8000", "+8613800138000", False),
]

NOT_CONTACTS = [
    ("a Latin keyword glued to a Latin handle is one word", "vxabc12345"),
    ("handle too short", "微信abc12"),
    ("handle must start with a letter", "微信_abc12345"),
    ("QQ number too long", "QQ123456789012"),
    ("QQ number starting with 0", "QQ012345"),
    ("keyword inside a word", "wxid_abc123 alone"),
    ("flying, not Telegram", "坐飞机去上海"),
]


@pytest.mark.parametrize(("text", "kind", "raw", "value", "obfuscated"), CONTACTS)
def test_contact_handles_offered_after_a_keyword_are_found(
    text: str, kind: LinkKind, raw: str, value: str, obfuscated: bool
) -> None:
    assert _found(text) == [(kind, raw, value, obfuscated)]


@pytest.mark.parametrize(("why", "text"), NOT_CONTACTS)
def test_contact_look_alikes_are_not_reported(why: str, text: str) -> None:
    assert find_links(text) == [], why


def test_a_lure_with_several_links_gives_them_in_text_order() -> None:
    text = "兼职日结！加微信abc_12345或QQ12345678，详情见www点example点com"
    assert [(h.kind, h.value) for h in find_links(text)] == [
        (WECHAT, "abc_12345"),
        (QQ, "12345678"),
        (URL, "www.example.com"),
    ]


def test_kinds_compare_equal_to_their_names() -> None:
    (hit,) = find_links("www.example.com")
    assert hit.kind == "url"


BAD_INPUTS = {
    "empty": "",
    "1 MB of Chinese": "清朗网络" * 262_144,
    "1 MB of letters": "a" * 1_048_576,
    "1 MB of dotted labels": "a." * 524_288,
    "1 MB of disguised dots": "a。" * 524_288,
    "1 MB of spaced dots": "a . " * 262_144,
    "1 MB of keywords": "微信QQ" * 262_144,
    "1 MB of slashes": "www.example.com" + "/" * 1_048_576,
    "lone surrogates": "\ud800www.example.com\udfff",
    "noncharacters": "\ufffe\uffff\U0010ffff",
    "right-to-left override": "\u202ewww.example.com\u202c",
    "combining marks": "w\u0301ww.example.com 微\u0301信abc12345",
    "mixed scripts": "сайт www.пример.рф موقع example.com 網址",
    "controls": "\x00\x1b[31mhttp://\x7f",
}


@pytest.mark.parametrize("text", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_never_raises(text: str) -> None:
    hits = find_links(text)
    assert all(0 <= h.span[0] < h.span[1] <= len(text) for h in hits)
