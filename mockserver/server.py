"""Serve an app on granian, a production WSGI server (Rust, multi-threaded) — not Flask's dev server."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels

if TYPE_CHECKING:
    # granian picks its server class on import, by whether Python has a GIL: a value mypy cannot
    # subclass. Both share one base; with a GIL (the builds this project supports) it is MPServer.
    from granian.server.mp import MPServer as Server
else:
    from granian.server import Server

# The app built (and its fixtures validated) before serving; the worker inherits it through fork(),
# so fixtures are read once and a broken file stops `mockserver run` before anything listens.
_app: Flask | None = None
WORKER_STOP_SECONDS = 5


def _load_app(target: str) -> Flask:
    assert _app is not None, "serve() sets the app before starting workers"
    return _app


class _QuietThreadAdvice(logging.Filter):
    """Granian advises against more blocking threads than ~2 per core. We want them: a request held
    by a latency rule must not stall the others, and those threads sleep rather than compute."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


class _Server(Server):
    """Granian's server, stopped once by the first stop signal.

    Granian's handler sets a `threading.Event`, which takes a lock. A second signal that lands while the
    first handler holds that lock runs the handler again in the same thread, which then waits for
    itself forever: `mockserver run` hung at shutdown (2 of 30 runs given a burst of SIGTERMs). Once
    stopping, later signals have nothing to add, so they return at once."""

    def signal_handler_interrupt(self, *args: object, **kwargs: object) -> None:
        if self.interrupt_signal:
            return
        super().signal_handler_interrupt(*args, **kwargs)  # type: ignore[no-untyped-call]  # granian: untyped


def server_threads(threads: int) -> int:
    """The server's threads for `--threads N`: N to answer requests, and 2N that bodies may take.

    Reading a body cannot be timed out (see `mockserver.web.bodies`): at most N requests read one at once
    and N more wait for a reader. Clients that stall their bodies can so hold 2N threads, never the N
    that answer everything else. Threads start when needed and end after 30 s unused."""
    return 3 * threads


def serve(
    app: Flask,
    host: str,
    port: int,
    threads: int,
    on_ready: Callable[[], None],
    workers: int = 1,
    http: str = "1",
) -> None:
    """Serve `app` until SIGINT/SIGTERM, then stop gracefully; `on_ready` runs once the port is bound.

    `http`: "1" (HTTP/1.1 only), "2" (HTTP/2 only, cleartext with prior knowledge) or "auto" (both)."""
    global _app
    _app = app
    multiprocessing.set_start_method("fork", force=True)
    server = _Server(
        target="mockserver",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=server_threads(threads),
        http=HTTPModes(http),
        log_level=LogLevels.warning,
        websockets=False,
        # The main process kills a worker that has not stopped this many seconds after a stop signal.
        workers_kill_timeout=WORKER_STOP_SECONDS,
    )
    logging.getLogger("_granian").addFilter(_QuietThreadAdvice())
    server.on_startup(on_ready)
    server.serve(target_loader=_load_app)
