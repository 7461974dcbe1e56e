"""Links and contact lures in a text (CP-3: links and QR codes are detected).

``find_links(text)`` returns, in text order and never overlapping:

* ``url``: with a scheme (``https://…``, defanged ``hxxp://…``) and any host,
  or without one when the host ends in a top-level domain from ``TLDS``
  (``www.example.com``, ``example.cn``, ``例子.中国`` is not: host labels are
  ASCII so adjacent Chinese is never swallowed, and only the TLD may be
  Chinese). Label separators may be disguised: ``点``/``點``, ``。``, ``｡``,
  full-width ``．``, ``(.)``, ``[.]``, ``(点)``, ``【点】``, ``(dot)``, with up
  to three spaces around them; ``斜杠`` may stand for ``/``. With a disguised
  separator the site label must have two characters or more, and an
  all-digit site label (``3点cn``: "three o'clock") needs ``www``, a scheme
  or a path.
* ``wechat``: a handle offered after 微信 or a variant (威信, 薇信, 徽信, V信,
  VX, WX, weixin, wechat, 加V, +V, 绿泡泡): a letter then 5-19 letters,
  digits, ``_`` or ``-`` (WeChat's own rule), or a CN mobile number.
* ``qq``: 5-11 digits (not starting with 0) after QQ, 扣扣, 企鹅, 球球.
* ``other_contact``: a Telegram handle after TG, telegram, 纸飞机, 飞机, 电报,
  or a WhatsApp number after WhatsApp.

For handles the span covers the handle alone (what would be masked or
blocked); ``value`` is the handle. ``value`` is always normalised: full-width
letters and digits to ASCII, disguised dots to ``.``, ``斜杠`` to ``/``,
spaces and brackets around separators removed, ``hxxp`` to ``http``.
``obfuscated`` says the text disguised the link: for a URL, the raw span
differs from ``value`` (a disguised dot, full-width letters, spaces, ``hxxp``);
for a handle, it was typed in full-width characters or offered after a
variant spelling of its keyword (威信, VX, 扣扣, 纸飞机 …).

Nothing here raises on any ``str``: empty, megabytes long, lone surrogates,
bidi controls, combining marks, mixed scripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from qinglang.detect.spans import without_overlaps

__all__ = ["TLDS", "LinkHit", "LinkKind", "find_links"]


class LinkKind(StrEnum):
    URL = "url"
    WECHAT = "wechat"
    QQ = "qq"
    OTHER_CONTACT = "other_contact"


@dataclass(frozen=True, slots=True)
class LinkHit:
    """One link or contact handle: ``text[span[0]:span[1]]`` is the raw form."""

    kind: LinkKind
    span: tuple[int, int]
    value: str
    obfuscated: bool


#: Top-level domains accepted without a scheme. Extensions that are also common
#: file or language suffixes (``.py``, ``.md``, ``.sh``, ``.js``) are left out.
TLDS: tuple[str, ...] = (
    # generic
    "com", "net", "org", "info", "biz", "name", "pro", "mobi", "asia", "edu", "gov",
    # new generic, frequent in Chinese spam
    "top", "xyz", "vip", "club", "shop", "site", "online", "store", "tech", "app", "link",
    "ink", "wang", "ren", "ltd", "live", "life", "fun", "icu", "work", "bet", "win", "cam",
    "buzz", "one", "cloud", "space", "website", "press", "love", "group", "games", "cyou",
    # country codes
    "cn", "hk", "mo", "tw", "cc", "tv", "me", "io", "co", "ai", "tk", "ml", "ga", "cf", "gq",
    "jp", "kr", "us", "uk", "de", "ru", "in", "la", "ws", "sg", "my", "ph", "vn", "th",
    # Chinese
    "中国", "中國", "公司", "网络", "網絡", "在线", "网址", "商城", "网店", "集团", "我爱你",
)  # fmt: skip

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_DISGUISED_DOT = r"点|點|。|｡|\(\.\)|\[\.\]|\{\.\}|\((?:点|dot|DOT)\)|\[(?:点|dot|DOT)\]|【[.点]】"
_DOT = rf"[ \t]{{0,3}}(?:\.|{_DISGUISED_DOT})[ \t]{{0,3}}"
_TLD_SET = frozenset(TLDS)
_CJK_TLDS = "|".join(sorted((t for t in TLDS if not t.isascii()), key=len, reverse=True))
# Any final run of letters, checked against TLDS afterwards (a 90-way alternation
# tried at every backtracking step is what made "a。a。a。…" slow).
_TLD = rf"(?P<tld>[A-Za-z]{{2,13}}(?![A-Za-z0-9\-])|{_CJK_TLDS})"
_SLASH = r"(?:[/?#]|斜杠)"
_PATH = rf"(?:{_SLASH}[A-Za-z0-9\-._~%!$&'*+,;=:@]*)*"
_PORT = r"(?::[0-9]{1,5}(?![0-9]))?"
_URL = re.compile(
    r"(?<![A-Za-z0-9_.@\-])(?:"
    rf"(?P<scheme>(?i:h[tx]{{2}}ps?|ftp)://)(?P<host>(?:{_LABEL}{_DOT}){{0,8}}{_LABEL})"
    rf"|(?P<bare>(?:{_LABEL}{_DOT}){{1,8}}{_TLD})"
    rf"){_PORT}(?P<path>{_PATH})"
)
_DOT_FORMS = re.compile(rf"[ \t]*(?:{_DISGUISED_DOT})[ \t]*|[ \t]*\.[ \t]*")
_TRAILING = ".,;:!?'*~"

# Between a contact keyword and its handle: 号, 号码, ID, a colon or equals sign, 是/为.
_LEAD = r"[ \t]{0,3}(?:号码|号|ID|id)?[ \t]{0,3}(?:[:=]|是|为)?[ \t]{0,3}"
_HANDLE = r"[A-Za-z][A-Za-z0-9_\-]{5,19}(?![A-Za-z0-9_\-])|1[3-9][0-9]{9}(?![0-9])"
_WECHAT_PLAIN = frozenset({"微信", "微信号", "wechat", "weixin"})
_WECHAT = re.compile(
    r"(?P<keyword>微信号?|威信|薇信|徽信|[Vv]信|加[Vv]|\+[Vv]|绿泡泡"
    r"|(?<![A-Za-z])(?i:vx|wx|weixin|wechat)(?![A-Za-z]))"
    rf"{_LEAD}(?P<handle>{_HANDLE})"
)
_QQ_PLAIN = frozenset({"qq"})
_QQ = re.compile(
    r"(?P<keyword>扣扣|企鹅|球球|(?<![A-Za-z])(?i:qq)(?![A-Za-z]))(?:群)?"
    rf"{_LEAD}(?P<handle>[1-9][0-9]{{4,10}})(?![0-9])"
)
_OTHER = re.compile(
    r"(?P<keyword>纸飞机|飞机|电报|(?<![A-Za-z])(?i:tg|telegram)(?![A-Za-z]))"
    rf"{_LEAD}@?(?P<handle>[A-Za-z][A-Za-z0-9_]{{4,31}})(?![A-Za-z0-9_])"
    r"|(?P<wa>(?<![A-Za-z])(?i:whatsapp))"
    rf"{_LEAD}(?P<number>\+?[0-9][0-9 \-]{{6,18}}[0-9])(?![0-9])"
)
_OTHER_PLAIN = frozenset({"telegram", "whatsapp"})
_PRECEDENCE = {LinkKind.URL: 0, LinkKind.WECHAT: 1, LinkKind.QQ: 2, LinkKind.OTHER_CONTACT: 3}


def _fold(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def _normalise_url(raw: str) -> str:
    value = _DOT_FORMS.sub(".", raw).replace("斜杠", "/")
    scheme, sep, rest = value.partition("://")
    if sep and "x" in scheme.lower():  # defanged hxxp, htxp, hxtp
        value = "http" + scheme[4:] + sep + rest
    return value


def _plausible_host(host: str, *, disguised: bool, anchored: bool) -> bool:
    """Guard against "3点cn" (three o'clock) and other prose read as a domain."""
    if not disguised:
        return True
    labels = host.split(".")
    site = labels[-2] if len(labels) >= 2 else labels[0]
    if len(site) < 2:
        return False
    return not site.isdigit() or anchored or labels[0].lower() == "www"


def _urls(folded: str, text: str) -> Iterator[LinkHit]:
    for match in _URL.finditer(folded):
        raw = match.group().rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(raw)
        host_group = "host" if match.group("scheme") else "bare"
        host_raw = match.group(host_group)
        host = _normalise_url(host_raw)
        anchored = host_group == "host" or end > match.end(host_group)
        if not anchored and match.group("tld").lower() not in _TLD_SET:
            continue
        if not _plausible_host(host, disguised=host != host_raw, anchored=anchored):
            continue
        value = _normalise_url(raw)
        yield LinkHit(LinkKind.URL, (start, end), value, text[start:end] != value)


def _contacts(
    pattern: re.Pattern[str], kind: LinkKind, plain: frozenset[str], folded: str, text: str
) -> Iterator[LinkHit]:
    for match in pattern.finditer(folded):
        groups = match.groupdict()
        group = "handle" if groups.get("handle") else "number"
        keyword_group = "keyword" if groups.get("keyword") else "wa"
        keyword, value = match.group(keyword_group), match.group(group)
        start, end = match.span(group)
        glued = start == match.end(keyword_group)
        if glued and _is_latin(keyword[-1]) and _is_latin(value[0]):
            continue  # "vxabc123": a Latin keyword glued to a Latin handle is one word
        if group == "number":
            value = value.replace(" ", "").replace("-", "")
        disguised = keyword.lower() not in plain or text[start:end] != folded[start:end]
        yield LinkHit(kind, (start, end), value, disguised)


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def find_links(text: str) -> list[LinkHit]:
    """Every URL and contact handle in ``text``, in text order, without overlaps."""
    if not text:
        return []
    folded = _fold(text)
    found: list[LinkHit] = [*_urls(folded, text)]
    found += _contacts(_WECHAT, LinkKind.WECHAT, _WECHAT_PLAIN, folded, text)
    found += _contacts(_QQ, LinkKind.QQ, _QQ_PLAIN, folded, text)
    found += _contacts(_OTHER, LinkKind.OTHER_CONTACT, _OTHER_PLAIN, folded, text)
    return without_overlaps(found, precedence=lambda hit: _PRECEDENCE[hit.kind])
