"""Real server processes on loopback: started on a free port, healthy when answering 200, then stopped."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from benchmarks.baseline import BODY_FILE
from mockserver.testing import ServerFailed, ServerProcess, free_port

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": "Bearer bench"}
HEALTH_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15


ServerError = ServerFailed  # a server exited, or did not answer in time


@dataclass(frozen=True)
class Memory:
    """Of a server's processes (a granian worker, say) added up, in MiB."""

    peak_rss: float  # VmHWM: what a process ever held, pages it shares with the others counted in each
    pss: float  # now, with shared pages divided among the processes sharing them
    rss: float  # VmRSS: what the processes hold now, shared pages counted in each


def fetch(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    ca: Path | None = None,
) -> bytes:
    """One request; the response body. An error status raises `urllib.error.HTTPError` (an OSError). An
    `https://` URL is verified against the CA certificate `ca`."""
    request = urllib.request.Request(url, data=body, method=method, headers={**AUTH, **(headers or {})})
    context = ssl.create_default_context(cafile=ca) if url.startswith("https:") else None
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        answer: bytes = response.read()
        return answer


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command may hold spaces and parentheses; the parent pid is the second field after it.
            stat = (entry / "stat").read_text()
        except OSError:  # gone since
            continue
        parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _kib(path: Path, field: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


class Server(ServerProcess):
    """A server process; `with` starts it, waits until `health_path` answers 200, and stops it after
    (whatever of it is left: a granian worker too)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        health_path: str,
        env: dict[str, str] | None = None,
        timeout: float = HEALTH_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(name, argv, f"http://127.0.0.1:{port}{health_path}", env=env, cwd=ROOT)
        self.port, self.timeout = port, timeout
        self.https_port: int | None = None  # and the CA certificate that signed its certificate
        self.ca: Path | None = None

    def url(self, path: str, https: bool = False) -> str:
        """`path` on the server: on its plain port, or on its HTTPS port (served with `mock_tls`)."""
        if https:
            assert self.https_port is not None, "served with mock_tls"
            return f"https://127.0.0.1:{self.https_port}{path}"
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Server:
        self.start(self.timeout)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def memory(self) -> Memory:
        assert self.process is not None, "started"
        peak = pss = rss = 0
        for pid in (self.process.pid, *_descendants(self.process.pid)):
            peak += _kib(Path(f"/proc/{pid}/status"), "VmHWM")
            rss += _kib(Path(f"/proc/{pid}/status"), "VmRSS")
            pss += _kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss")
        return Memory(peak_rss=peak / 1024, pss=pss / 1024, rss=rss / 1024)

    def stop(self, timeout: float | None = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM, then SIGKILL to whatever of it is left after `timeout`."""
        family = (
            [] if self.process is None or self.process.poll() is not None else _descendants(self.process.pid)
        )
        code = super().stop(timeout)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return code


def mock(*args: str, env: dict[str, str] | None = None, timeout: float = HEALTH_TIMEOUT_SECONDS) -> Server:
    """`mockserver run` with `args`."""
    port = free_port()
    argv = [sys.executable, "-m", "mockserver", "run", "--port", str(port), *args]
    return Server("mockserver (granian)", argv, port, "/__admin/health", env=env, timeout=timeout)


def mock_tls(tls_dir: Path, *args: str) -> Server:
    """`mockserver run --tls` with `args`: HTTP and HTTPS from one process, its CA kept in `tls_dir`."""
    from mockserver.tls import certificate_authority

    https_port = free_port()
    server = mock("--tls", "--https-port", str(https_port), "--tls-dir", str(tls_dir), *args)
    server.https_port, server.ca = https_port, certificate_authority(tls_dir)
    return server


@contextmanager
def redis_server() -> Iterator[str]:
    """A `redis-server` on a free port, keeping nothing on disk; its URL."""
    if shutil.which("redis-server") is None:
        raise ServerError(
            "redis-server is not installed: `make bench` installs it (apt-get install redis-server)"
        )
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(f"redis-server did not answer on port {port}") from None
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT_SECONDS)


# The candidate WSGI servers, each with one process and a pool of `threads` threads.
CANDIDATES = ("granian", "gunicorn gthread", "waitress")


def bare(candidate: str, threads: int, body_file: Path) -> Server:
    """The bare Flask app (benchmarks.baseline) answering the bytes in `body_file`, on `candidate`."""
    port = free_port()
    python = [sys.executable, "-m"]
    match candidate:
        case "granian":
            argv = [*python, "benchmarks.baseline", "--port", str(port), "--threads", str(threads)]
        case "gunicorn gthread":
            argv = [
                *python,
                "gunicorn",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                str(threads),
            ]
            argv += ["--bind", f"127.0.0.1:{port}", "benchmarks.baseline:bare_app()"]
        case "waitress":
            argv = [*python, "waitress", f"--listen=127.0.0.1:{port}", f"--threads={threads}"]
            argv += ["--call", "benchmarks.baseline:bare_app"]
        case _:
            raise ValueError(f"unknown candidate {candidate!r}")
    return Server(
        f"bare Flask on {candidate}", argv, port, "/dc/api/v5/registrations", {BODY_FILE: str(body_file)}
    )


def prism(executable: Path, contract: Path) -> Server:
    """Stoplight Prism serving the contract's examples (static mode, its default)."""
    port = free_port()
    argv = [str(executable), "mock", "--host", "127.0.0.1", "--port", str(port), str(contract)]
    return Server("Prism", argv, port, "/dc/api/v5/registrations")


def wiremock(jar: Path, root: Path) -> Server:
    """WireMock standalone serving the mappings in `root`/mappings."""
    port = free_port()
    argv = ["java", "-jar", str(jar), "--port", str(port), "--bind-address", "127.0.0.1"]
    argv += ["--root-dir", str(root), "--disable-banner"]
    return Server("WireMock", argv, port, "/__admin/health")
