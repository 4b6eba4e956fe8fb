"""Request bodies read in full before the app runs, by a bounded number of readers.

A client can announce a body and then send it slowly, or not at all. The server (granian) gives a WSGI app
no way to time out a read: the thread reading waits as long as the client keeps its connection open. So
reading bodies is kept apart from answering requests. At most `readers` requests read a body at once;
as many more may wait up to `wait_seconds` for one; a request that finds no reader free and no room to
wait, or waits in vain, is answered `503` with `Retry-After` and its body left unread. The server runs
threads beyond the readers and the waiting (`mockserver.server.server_threads`), so that stalled bodies
never take the threads that answer requests without one (`/__admin/health`, lists).

The body is read with one `read()` when its length is announced: read in pieces through `readinto`
(werkzeug's way), an HTTP/2 body whose client left half-way was never done; one `read()` returns. A
body without a length (chunked) is read in pieces up to one byte past the largest allowed, so that the
app answers `413` for it."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import Any

BUSY = "mockserver.bodies_busy"  # environ key: set when no reader was free; the app answers 503
CHUNK = 64 * 1024


def has_body(environ: dict[str, Any]) -> bool:
    return environ.get("CONTENT_LENGTH", "") not in ("", "0") or "HTTP_TRANSFER_ENCODING" in environ


def announced_length(environ: dict[str, Any]) -> int | None:
    """The body's `Content-Length`, or None when it has none (or one that is not a length)."""
    text = environ.get("CONTENT_LENGTH", "")
    if not text or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


class Bodies:
    """WSGI middleware: the app finds every request body read already (`wsgi.input` in memory)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        readers: int,
        wait_seconds: float,
        max_length: int,
    ) -> None:
        self.app = app
        self.readers = threading.BoundedSemaphore(readers)
        self.waiting = threading.BoundedSemaphore(readers)  # places to wait for a reader
        self.wait_seconds = wait_seconds
        self.max_length = max_length

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if has_body(environ):
            length = announced_length(environ)
            # Larger than allowed: the app answers 413 from the header alone, reading nothing.
            if length is None or length <= self.max_length:
                if self._reader():
                    try:
                        environ["wsgi.input"] = io.BytesIO(self._read(environ["wsgi.input"], length))
                    finally:
                        self.readers.release()
                else:
                    environ[BUSY] = True
                    environ["wsgi.input"] = io.BytesIO()
        return self.app(environ, start_response)

    def _reader(self) -> bool:
        """Take a reader: one free now, or one freed while this request waits in one of the places."""
        if self.readers.acquire(blocking=False):
            return True
        if not self.waiting.acquire(blocking=False):
            return False
        try:
            return self.readers.acquire(timeout=self.wait_seconds)
        finally:
            self.waiting.release()

    def _read(self, stream: Any, length: int | None) -> bytes:
        """The body, or as much of it as came before the client left (the app answers that 400)."""
        try:
            if length is not None:
                data: bytes = stream.read()
                return data
            pieces: list[bytes] = []
            size = 0
            while size <= self.max_length:
                piece = stream.read(CHUNK)
                if not piece:
                    break
                pieces.append(piece)
                size += len(piece)
            return b"".join(pieces)
        except (OSError, ValueError):
            return b""
