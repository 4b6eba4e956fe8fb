"""Serve an app on granian, a production WSGI server (Rust, multi-threaded) — not Flask's dev server."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from granian import _futures, _granian, _signals
from granian._granian import ListenerSpec, WorkerSignal
from granian.constants import HTTPModes, Interfaces, SSLProtocols, TaskImpl
from granian.log import LogLevels
from granian.server.common import WORKERS_METHODS
from granian.server.mp import WorkerProcess
from granian.wsgi import _callback_wrapper

if TYPE_CHECKING:
    # granian picks its server class on import, by whether Python has a GIL: a value mypy cannot
    # subclass. Both share one base; with a GIL (the builds this project supports) it is MPServer.
    from granian.server.mp import MPServer as Server
else:
    from granian.server import Server

# The app built (and its fixtures validated) before serving; the worker inherits it through fork(),
# so fixtures are read once and a broken file stops `mockserver run` before anything listens.
_app: Flask | None = None
_parent_pid = 0  # the server's main process, which forks the workers
_more_listeners: tuple[tuple[Any, SSLContextArgs], ...] = ()  # each worker's ports after the first
WORKER_STOP_SECONDS = 5
PR_SET_PDEATHSIG = 1  # linux/prctl.h


# Granian's worker internals, which `_serve_every_listener` calls as granian's own worker does. Untyped,
# and the worker's stub lags behind its arguments: `Any` says so, once.
_WSGIWorker: Any = _granian.WSGIWorker
_new_scheduler: Any = _futures._new_cbscheduler
_worker_stop_signal: Any = _signals.set_sync_signals
_worker_target: Any = WorkerProcess.wrap_target  # a worker's function, from what granian passes

# What granian's worker takes of TLS: on, certificate, key, key password, least protocol, client CA, CRLs,
# whether to verify clients.
SSLContextArgs = tuple[bool, str | None, str | None, None, str, None, list[str], bool]
# TLS 1.2 and up: 1.3 only (granian's default) would turn away the clients that still speak 1.2 only.
LEAST_TLS = SSLProtocols.tls12
BACKLOG = 1024  # connections each port queues (granian's default)


class PortUnavailable(OSError):
    """A port the server was asked to listen on cannot be bound (taken, or not allowed)."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A port to serve on: plain HTTP, or HTTPS with a certificate (PEM, chain first) and its key."""

    port: int
    cert: Path | None = None
    key: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.cert else "http"

    def ssl_args(self) -> SSLContextArgs:
        if self.cert is None or self.key is None:
            return (False, None, None, None, str(LEAST_TLS), None, [], False)
        cert, key = str(self.cert.resolve()), str(self.key.resolve())
        return (True, cert, key, None, str(LEAST_TLS), None, [], False)


def _load_app(target: str) -> Flask:
    """Run in each worker as it starts: tie it to the main process, and hand granian the app."""
    assert _app is not None, "serve() sets the app before starting workers"
    _die_with_parent(_parent_pid)
    return _app


def _die_with_parent(parent: int) -> None:
    """End this worker when the main process ends, however it ends. A worker that outlived a `kill -9`
    of `mockserver run` kept serving on the port, beside the server started again there.

    Linux sends the signal asked for by `PR_SET_PDEATHSIG` when the thread that forked this process ends:
    granian forks its workers from its main thread, which ends only with the process. A parent that
    died before the call leaves this process with another parent already: it stops at once."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        set_by_kernel = (
            sys.platform == "linux" and libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        )
    except (OSError, AttributeError):
        set_by_kernel = False
    if os.getppid() != parent:
        os._exit(1)
    if not set_by_kernel:  # elsewhere, a thread watches for the parent to change
        threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


class _QuietThreadAdvice(logging.Filter):
    """Granian advises against more blocking threads than ~2 per core. We want them: a request held
    by a latency rule must not stall the others, and those threads sleep rather than compute."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


class _Server(Server):
    """Granian's server, stopped once by the first stop signal, saying why a worker died.

    Granian's handler sets a `threading.Event`, which takes a lock. A second signal that lands while the
    first handler holds that lock runs the handler again in the same thread, which then waits for
    itself forever: `mockserver run` hung at shutdown (2 of 30 runs given a burst of SIGTERMs). Once
    stopping, later signals have nothing to add, so they return at once."""

    def signal_handler_interrupt(self, *args: object, **kwargs: object) -> None:
        if self.interrupt_signal:
            return
        super().signal_handler_interrupt(*args, **kwargs)  # type: ignore[no-untyped-call]  # granian: untyped

    # A worker that dies is replaced when `respawn_failed_workers` is set (the Redis store: the new worker
    # catches up from Redis); otherwise the server stops, since the state was that worker's alone.

    def _respawn_workers(self, workers: list[int], *args: Any, **kwargs: Any) -> None:
        dead = {index: self.wrks[index] for index in workers if not self.wrks[index].inner.is_alive()}
        super()._respawn_workers(workers, *args, **kwargs)
        for index, worker in dead.items():
            _say(
                f"worker {index + 1} (pid {worker.inner.pid}) {_death(worker.inner.exitcode)}; "
                f"worker {index + 1} started again (pid {self.wrks[index].inner.pid}), from the store's state"
            )

    def shutdown(self, exit_code: int = 0) -> None:
        failed = [self.wrks[index] for index in self.interrupt_children if index < len(self.wrks)]
        if failed and not self.interrupt_signal:
            for worker in failed:
                worker.join(1)
                died = _death(worker.inner.exitcode)
                _say(f"worker {worker.idx + 1} (pid {worker.inner.pid}) {died}; {self._stop_reason}")
        super().shutdown(exit_code)  # type: ignore[no-untyped-call]  # granian: untyped

    @property
    def _stop_reason(self) -> str:
        if self.respawn_failed_workers:
            return "it died again within seconds of being started again: the server stops (exit code 1)"
        return "its state was in memory, gone with it: the server stops (exit code 1)"


def _death(exitcode: int | None) -> str:
    """How a worker process ended, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited unexpectedly with code {exitcode}"


def _say(message: str) -> None:
    print(f"mockserver: {message}", file=sys.stderr, flush=True)


def server_threads(threads: int) -> int:
    """The server's threads for `--threads N`: N to answer requests, and 2N that bodies may take.

    Reading a body cannot be timed out (see `mockserver.web.bodies`): at most N requests read one at once
    and N more wait for a reader. Clients that stall their bodies can so hold 2N threads, never the N
    that answer everything else. Threads start when needed and end after 30 s unused."""
    return 3 * threads


def _serve_every_listener(
    worker_id: int,
    callback: Any,
    sock: Any,
    ipc: Any,
    loop: Any,
    runtime_mode: Any,
    runtime_threads: int,
    runtime_blocking_threads: int | None,
    blocking_threads: int,
    blocking_threads_idle_timeout: int,
    backpressure: int,
    task_impl: TaskImpl,
    http_mode: HTTPModes,
    http1_settings: Any,
    http2_settings: Any,
    websockets: bool,
    static_path: Any,
    log_access_fmt: str | None,
    ssl_ctx: SSLContextArgs,
    scope_opts: dict[str, Any],
    metrics: Any,
) -> None:
    """A worker process serving the app on every listener: granian's WSGI worker (its
    `MPServer._spawn_wsgi_worker`, whose arguments these are), started once per port in the one process,
    so that HTTP and HTTPS answer from one state.

    Granian's own worker serves one port. Each port here gets a worker object of its own, with its own stop
    signal (one signal serves one port); the first port takes the signal granian's handlers set, and stopping
    it stops the others. The process ends once every port has finished its requests in flight."""
    wsgi = _callback_wrapper(callback, scope_opts, log_access_fmt)
    stop = _worker_stop_signal()
    stopped: list[threading.Event] = []
    others: list[Any] = []
    for index, (socket, tls) in enumerate(((sock, ssl_ctx), *_more_listeners)):
        worker = _WSGIWorker(
            worker_id,
            socket,
            ipc,
            runtime_threads,
            runtime_blocking_threads,
            blocking_threads,
            blocking_threads_idle_timeout,
            backpressure,
            http_mode,
            http1_settings,
            http2_settings,
            static_path,
            *tls,
            metrics,
        )
        signal_ = stop if index == 0 else WorkerSignal()
        if index:
            others.append(signal_)
        done = threading.Event()
        stopped.append(done)
        if index:
            signal_.add_cb(done.set)
        serve_port = getattr(worker, WORKERS_METHODS[runtime_mode][False])
        scheduler = _new_scheduler(loop, wsgi, impl_asyncio=task_impl == TaskImpl.asyncio)
        serve_port(scheduler, loop, signal_)

    def stop_others() -> None:
        for other in others:
            other.set()
        stopped[0].set()

    stop.add_cb(stop_others)
    for done in stopped:
        done.wait()


def _socket(host: str, port: int) -> tuple[Any, None]:
    """A port as granian's worker takes it: what to bind (each worker binds it, the port shared)."""
    return (ListenerSpec(host, port, BACKLOG), None)


def _check_ports(host: str, listeners: Sequence[Listener]) -> None:
    """Bind each port once, before anything starts: a port that is taken stops `mockserver run` with the
    port named, not with a worker's traceback."""
    for listener in listeners:
        try:
            ListenerSpec(host, listener.port, BACKLOG).build()
        except RuntimeError as error:  # what granian raises for a socket it cannot bind
            reason = str(error).split(" (os error")[0]
            where = f"{host}:{listener.port} ({listener.scheme})"
            raise PortUnavailable(f"cannot listen on {where}: {reason}") from None


def serve(
    app: Flask,
    host: str,
    listeners: Sequence[Listener],
    threads: int,
    on_ready: Callable[[], None],
    workers: int = 1,
    http: str = "1",
    respawn: bool = False,
) -> None:
    """Serve `app` on every listener (each a port of `host`, HTTP or HTTPS) until SIGINT/SIGTERM, then stop
    gracefully; `on_ready` runs once the ports are bound. Each worker process serves every port.

    `http`: "1" (HTTP/1.1 only), "2" (HTTP/2 only, cleartext with prior knowledge) or "auto" (both).
    A worker that dies is started again with `respawn` (state kept outside the workers), else the server
    stops with exit code 1."""
    global _app, _parent_pid, _more_listeners
    _check_ports(host, listeners)
    first, *more = listeners
    _app, _parent_pid = app, os.getpid()
    _more_listeners = tuple((_socket(host, other.port), other.ssl_args()) for other in more)
    multiprocessing.set_start_method("fork", force=True)
    server = _Server(
        target="mockserver",
        address=host,
        port=first.port,
        ssl_cert=first.cert,
        ssl_key=first.key,
        ssl_protocol_min=LEAST_TLS,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=server_threads(threads),
        http=HTTPModes(http),
        log_level=LogLevels.warning,
        websockets=False,
        # The main process kills a worker that has not stopped this many seconds after a stop signal.
        workers_kill_timeout=WORKER_STOP_SECONDS,
        respawn_failed_workers=respawn,
    )
    logging.getLogger("_granian").addFilter(_QuietThreadAdvice())
    server.on_startup(on_ready)
    # One port: granian's own worker. More: the same worker, once per port (`_serve_every_listener`).
    every_port = _worker_target(_serve_every_listener) if more else None
    server.serve(spawn_target=every_port, target_loader=_load_app)
