"""Normalising reported URLs so that reports on the same content join one case.

Two URLs are the same target when they differ only in: scheme (http and https), the
case of scheme and host, a default port, user info, a trailing slash, the order of
query parameters, tracking parameters (``utm_*``, ``spm``, share tokens …), an
ordinary fragment, the encoding of unreserved characters, or a configured host alias
(``m.``, ``www.``, ``wap.`` by default). Fragments that are routes (``#/post/1``,
``#!post``) are kept: single-page sites address content with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from qinglang.errors import InvalidInput

MAX_URL_LENGTH = 4096
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class TargetRules:
    """What a platform treats as the same address (configurable per deployment)."""

    host_prefixes: tuple[str, ...] = ("www.", "m.", "wap.")
    host_aliases: dict[str, str] = field(
        default_factory=dict
    )  # e.g. {"h5.example.cn": "example.cn"}
    tracking_prefixes: tuple[str, ...] = ("utm_", "share_")
    tracking_params: frozenset[str] = frozenset(
        {
            "spm",
            "fbclid",
            "gclid",
            "from",
            "source",
            "ref",
            "scene",
            "timestamp",
            "xhsshare",
            "vd_source",
        }
    )

    def is_tracking(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in self.tracking_params or lowered.startswith(self.tracking_prefixes)

    def host(self, host: str) -> str:
        host = self.host_aliases.get(host, host)
        for prefix in self.host_prefixes:
            if host.startswith(prefix) and host.count(".") >= 2:
                return self.host_aliases.get(host[len(prefix) :], host[len(prefix) :])
        return host


DEFAULT_RULES = TargetRules()


def _invalid(url: str, why: str) -> InvalidInput:
    return InvalidInput(f"{why}: {url[:200]!r}", code="invalid_target_url")


def _host(raw: str | None, url: str) -> str:
    if not raw:
        raise _invalid(url, "the address has no host")
    host = raw.rstrip(".").lower()
    if any(c.isspace() or c in '<>"{}|\\^`' for c in host):
        raise _invalid(url, "the host is not a valid domain name")
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise _invalid(url, "the host is not a valid domain name") from None


def _query(query: str, rules: TargetRules) -> str:
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not rules.is_tracking(k)]
    return urlencode(sorted(kept))


def normalise_url(url: str, *, rules: TargetRules = DEFAULT_RULES) -> str:
    """The canonical form of a reported address; :class:`InvalidInput` if it is not one."""
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        raise _invalid(url, "an address is 1 to 4096 characters")
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _invalid(url, "the address cannot be read") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise _invalid(url, "only http and https addresses can be reported")
    host = rules.host(_host(parts.hostname, url))
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH).rstrip("/")
    fragment = parts.fragment if parts.fragment.startswith(("/", "!")) else ""
    return urlunsplit(("https", netloc, path, _query(parts.query, rules), fragment))


def same_targets(urls: Iterable[str], *, rules: TargetRules = DEFAULT_RULES) -> set[str]:
    return {normalise_url(url, rules=rules) for url in urls}
