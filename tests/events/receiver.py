"""A real local HTTP endpoint that records the webhooks it receives; it can fail or be slow when told."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Listens on 127.0.0.1 in a thread. `fail_times`: answer 500 to that many requests first;
    `slow_times`: wait `delay` seconds before answering that many requests first."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_times = 0
        self.slow_times = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.received.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "content_type": self.headers.get("Content-Type"),
                            "json": json.loads(body) if body else None,
                        }
                    )
                    failing = receiver.fail_times > 0
                    receiver.fail_times -= 1 if failing else 0
                    slow = receiver.slow_times > 0
                    receiver.slow_times -= 1 if slow else 0
                if slow:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(500 if failing else 204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the mock gave up waiting
                    pass

            do_POST = do_PUT = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def events(self) -> list[str]:
        with self._lock:
            return [entry["json"]["event"] for entry in self.received]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def receiving() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver
