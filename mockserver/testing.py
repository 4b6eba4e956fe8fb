"""Real server processes, for the test suite, the pytest plugin and the benchmarks: started on a free port
of loopback, healthy once their health URL answers 200, stopped with SIGTERM as docker and CI stop them."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO

HEALTH_PATH = "/__admin/health"
STOP_SECONDS = 15  # after SIGTERM, a process still running is killed


class ServerFailed(RuntimeError):
    """A server exited before it was healthy, or did not become healthy in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def descendants(pid: int) -> list[int]:
    """The processes under `pid` (its children, theirs, …), as Linux's /proc lists them; none elsewhere."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for tasks in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(child) for child in tasks.read_text().split()]
            except OSError:  # the thread or the process ended since
                continue
            found += children
            todo += children
    return found


def answers_ok(url: str, timeout: float = 1, ca: Path | None = None) -> bool:
    """Whether `url` answers 200 now (nothing listening, an error status or a broken answer: no); an
    `https://` one verified against the CA certificate `ca` (else the system's)."""
    context = ssl.create_default_context(cafile=ca) if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
            status: int = response.status
            return status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, or an error status
        return False


class ServerProcess:
    """A server process whose output goes to files (an unread pipe would block a server that logs every
    request). `start()` runs it and waits until `health_url` answers 200."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        health_url: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        ca: Path | None = None,
    ) -> None:
        self.name, self.argv, self.health_url, self.ca = name, argv, health_url, ca
        self.env = {**os.environ, **(env or {})}
        self.cwd = cwd
        self.startup_seconds = 0.0  # from start to healthy
        self._out: IO[str] = tempfile.TemporaryFile("w+")
        self._err: IO[str] = tempfile.TemporaryFile("w+")
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 30) -> ServerProcess:
        """Launch it and wait until it is healthy (`startup_seconds` says how long that took)."""
        started = time.perf_counter()
        self.launch()
        self.wait_healthy(timeout)
        self.startup_seconds = time.perf_counter() - started
        return self

    def launch(self) -> None:
        """Start the process, without waiting for it (see `wait_healthy`)."""
        self.process = subprocess.Popen(
            self.argv, stdout=self._out, stderr=self._err, env=self.env, cwd=self.cwd, text=True
        )

    def wait_healthy(self, timeout: float = 30) -> None:
        """Return once the health URL answers 200; `ServerFailed` (the server stopped) when it exits
        first or does not answer in `timeout` seconds."""
        assert self.process is not None, "started"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.name} exited with {self.process.returncode}:\n{self.output}")
            if answers_ok(self.health_url, ca=self.ca):
                return
            time.sleep(0.005)
        self.stop()
        raise ServerFailed(f"{self.name} did not answer {self.health_url} in {timeout:.0f} s:\n{self.output}")

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, then SIGKILL to it and every process under it if it is still running after `timeout`
        (default `STOP_SECONDS`); its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS if timeout is None else timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the process and its workers, leaving none to serve on its port. Stopped first, it can
        neither start another worker nor reap one, so no pid listed can pass to an unrelated process."""
        assert self.process is not None, "started"
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)
            for pid in descendants(self.process.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        """Stop it, and drop its output."""
        self.stop()
        self._out.close()
        self._err.close()

    @property
    def stdout(self) -> str:
        self._out.seek(0)
        return self._out.read()

    @property
    def stderr(self) -> str:
        self._err.seek(0)
        return self._err.read()

    @property
    def output(self) -> str:
        """What it wrote so far, stdout then stderr, the last 3,000 characters of each."""
        return self.stdout[-3000:] + self.stderr[-3000:]


class MockserverProcess(ServerProcess):
    """`mockserver run` on a free port of 127.0.0.1, with `args`.

    With `tls_dir`, HTTPS too (`--tls`), on a free port of its own: `https_url`, with a certificate from the
    local CA kept in `tls_dir`, whose certificate is `ca_bundle`; `https_only` serves that port alone
    (and `url` is `https_url`)."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        tls_dir: Path | None = None,
        https_only: bool = False,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.https_port: int | None = None
        self.https_url: str | None = None
        self.ca_bundle: Path | None = None
        argv = [sys.executable, "-m", "mockserver", "run", "--host", "127.0.0.1", "--port", str(self.port)]
        health = self.url + HEALTH_PATH
        if tls_dir is not None:
            from mockserver.tls import certificate_authority  # only with TLS: cryptography is slow to import

            self.https_port = free_port()
            self.https_url = f"https://localhost:{self.https_port}"
            self.ca_bundle = certificate_authority(tls_dir)
            argv += ["--tls", "--https-port", str(self.https_port), "--tls-dir", str(tls_dir)]
            if https_only:
                argv.append("--https-only")
                self.url = self.https_url
                health = self.https_url + HEALTH_PATH
        super().__init__("mockserver", [*argv, *args], health, env=env, cwd=cwd, ca=self.ca_bundle)
