"""A tiny local HTTP platform for the webhook adapter's tests (http.server in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, bytes]


@dataclass
class FakePlatform:
    """Answers each request with ``answer(seen)``; records what it saw."""

    answer: Callable[[Seen], Answer]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""


def _handler(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            platform.seen.append(seen)
            status, body = platform.answer(seen)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def fake_platform(answer: Callable[[Seen], Answer]) -> Iterator[FakePlatform]:
    """A platform on a free local port that answers with ``answer``, for the block's length."""
    platform = FakePlatform(answer=answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()


Serve = Callable[[Callable[[Seen], Answer]], FakePlatform]


@contextmanager
def platforms() -> Iterator[Serve]:
    """``serve(answer)`` starts a fake platform that lasts until the block ends."""
    with ExitStack() as stack:
        yield lambda answer: stack.enter_context(fake_platform(answer))


def receipt(seen: Seen, **fields: Any) -> Answer:
    body = {"message_id": json.loads(seen.body)["message_id"], "applied": True, **fields}
    return 200, json.dumps(body).encode()
