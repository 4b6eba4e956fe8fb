"""HTTP load from wrk (`wrk -t1 -c16 --latency`): its Lua request script, and its output parsed."""

from __future__ import annotations

import re
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

CONNECTIONS = 16
TIMEOUT_SECONDS = 5  # wrk counts a request slower than this as a timeout error
TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([\d.]+)(us|ms|s|m|h)"


class WrkError(RuntimeError):
    """wrk failed, its output did not parse, or a response was an error."""


@dataclass(frozen=True)
class Request:
    """What every connection sends, again and again."""

    url: str
    method: str = "GET"
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # More than 0: each request names the next of this many hosts (`Host: h0`, `h1`, …), so that a
    # request is not the one before it again (the mock answers a repeated list request before Flask).
    hosts: int = 0


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int  # socket errors (connect, read, write, timeout) and non-2xx/3xx responses


def lua_string(text: str | bytes) -> str:
    """A Lua string literal of `text`'s UTF-8 bytes: printable ASCII as is, every other byte as `\\ddd`."""
    data = text.encode() if isinstance(text, str) else text
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in data) + '"'


def lua_script(request: Request) -> str:
    """The wrk script that sets `request`'s method, body and headers."""
    lines = [f"wrk.method = {lua_string(request.method)}"]
    if request.body is not None:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    lines += [
        f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in request.headers.items()
    ]
    if request.hosts:
        lines += [
            "local sent = 0",
            "request = function()",
            f"  wrk.headers['Host'] = 'h' .. (sent % {request.hosts})",
            "  sent = sent + 1",
            "  return wrk.format()",
            "end",
        ]
    return "\n".join(lines) + "\n"


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * TIME_UNITS_MS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests per second, p50, p99 and max latency, requests and errors from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    latency = re.search(rf"^\s+Latency\s+{_TIME}\s+{_TIME}\s+{_TIME}", output, re.M)
    requests = re.search(r"^\s+(\d+) requests in ", output, re.M)
    percentiles = {
        p: _milliseconds(v, u) for p, v, u in re.findall(rf"^\s+(50|99)%\s+{_TIME}\s*$", output, re.M)
    }
    if not (rps and latency and requests and percentiles.keys() == {"50", "99"}):
        raise WrkError(f"wrk output did not parse:\n{output}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(map(int, socket_errors.groups()))
    return WrkResult(
        requests_per_second=float(rps[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        max_ms=_milliseconds(latency[5], latency[6]),
        requests=int(requests[1]),
        errors=errors,
    )


def _argv(request: Request, script: str, connections: int, seconds: int) -> list[str]:
    return [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", f"{TIMEOUT_SECONDS}s",
        "-s", script, request.url,
    ]  # fmt: skip


def _script_file(request: Request) -> IO[str]:
    # A file, not stdin: wrk reads the script once per thread and once more for its summary.
    script = tempfile.NamedTemporaryFile("w", prefix="wrk-", suffix=".lua")
    script.write(lua_script(request))
    script.flush()
    return script


def _checked(result: WrkResult, request: Request) -> WrkResult:
    if result.errors or not result.requests:
        raise WrkError(
            f"{request.method} {request.url}: {result.errors} errors in {result.requests} requests"
        )
    return result


def run_wrk(request: Request, seconds: int, connections: int = CONNECTIONS) -> WrkResult:
    """Send `request` from `connections` connections for `seconds`; every answer must be a 2xx or 3xx."""
    with _script_file(request) as script:
        argv = _argv(request, script.name, connections, seconds)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode:
        raise WrkError(f"wrk exited with {done.returncode}: {done.stderr}")
    return _checked(parse_wrk(done.stdout), request)


class Background:
    """wrk keeping `connections` requests in flight, from start until `stop()`."""

    def __init__(self, request: Request, connections: int) -> None:
        self.request = request
        self._script = _script_file(request)
        argv = _argv(request, self._script.name, connections, seconds=3600)
        self._process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self) -> WrkResult:
        """Stop wrk (SIGINT makes it print its figures so far) and return them."""
        self._process.send_signal(signal.SIGINT)
        output, _ = self._process.communicate(timeout=30)
        self._script.close()
        return _checked(parse_wrk(output), self.request)
