"""The pytest plugin (entry point `pytest11`): a real mockserver for every test, in a session of its own.

`mockserver` gives each test a fresh session on one shared server — started on a free port for the test
run (by the xdist controller when tests run in parallel, so every worker shares it), or the one at
`--mockserver-url` / `MOCKSERVER_URL`. `mockserver_app` is the same, in process, on a fresh Flask app.
With `--mockserver-tls` the server serves HTTPS too, certified by the local CA of `mockserver tls ca`.
"""

from __future__ import annotations

import json
import os
import shlex
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from mockserver.testing import MockserverProcess, ServerFailed
from mockserver.web.context import SESSION_HEADER

ITEM_FIELDS = ("profile_id", "unit_id", "context_id", "grade_state_name", "index")
REQUEST_FIELDS = ("method", "path", "query")
WORKER_SERVER_KEY = "mockserver_server"
NO_HTTPS = (
    "this mockserver serves no HTTPS: run pytest with --mockserver-tls (or `mockserver_tls = true` in the "
    "ini file), or give a sidecar's https:// URL as --mockserver-url"
)


class AdminCallFailed(AssertionError):
    """The mock refused an admin call: the test set it up wrongly."""


class HTTPSNotServed(RuntimeError):
    """`https_url` of a mock that serves no HTTPS."""


@dataclass(frozen=True)
class ServerAddress:
    """Where the shared server answers: `url` (plain HTTP, or HTTPS when that is all it serves), `https_url`
    (None without HTTPS) and `ca` (the CA certificate's PEM path; None: the system's trust store)."""

    url: str
    https_url: str | None = None
    ca: str | None = None


class Mockserver:
    """Control of one mock world: make rules, read the journal, reset. Subclasses say how to call it."""

    url: str
    ca_bundle: str | None = None  # the PEM path of the CA that certifies `https_url`, when there is one
    _https_url: str | None = None

    @property
    def https_url(self) -> str:
        """The session's URL over HTTPS; `HTTPSNotServed` when the mock serves none."""
        if self._https_url is None:
            raise HTTPSNotServed(NO_HTTPS)
        return self._https_url

    def ssl_context(self) -> ssl.SSLContext:
        """A client's TLS settings trusting `ca_bundle` (the system's store without one), as httpx's
        `verify=` takes them."""
        return ssl.create_default_context(cafile=self.ca_bundle)

    @property
    def fullfabric_url(self) -> str:
        """FullFabric's base, as `https://<tenant>.fullfabric.cloud`: paths start `/apis/registrations`.
        Over HTTPS when the mock serves it (the vendors serve nothing else)."""
        return self._https_url or self.url

    @property
    def digitalchalk_url(self) -> str:
        """DigitalChalk's API root, as `https://<org>.digitalchalk.com/dc/api/v5`; over HTTPS when served."""
        return f"{self.fullfabric_url}/dc/api/v5"

    def _call(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def fail(
        self,
        *,
        api: str = "any",
        scope: str | None = None,
        status: int | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        fault: str | None = None,
        latency_ms: int | None = None,
        times: int | None = None,
        after: int | None = None,
        probability: float | None = None,
        name: str | None = None,
        match: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Add a failure rule; return it as the mock shows it (with its `id`).

        Keyword fields match: `unit_id`, `context_id`, `profile_id`, `grade_state_name` and `index` make an
        item rule (one FullFabric item fails), `method`, `path` and `query` a request rule; `match` takes
        anything else a rule can match (headers, say). `status`, `json` and `headers` are the answer.
        """
        unknown = set(fields) - set(ITEM_FIELDS) - set(REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"fail() got unknown fields: {', '.join(sorted(unknown))}")
        rule: dict[str, Any] = {"api": api, "match": {**(match or {}), **fields}}
        if scope is None:
            scope = "item" if set(rule["match"]) & set(ITEM_FIELDS) else "request"
        rule["scope"] = scope
        respond = {"status": status, "json": json, "headers": dict(headers) if headers else None}
        if any(value is not None for value in respond.values()):
            rule["respond"] = {key: value for key, value in respond.items() if value is not None}
        optional = {
            "name": name,
            "fault": fault,
            "latency_ms": latency_ms,
            "times": times,
            "after": after,
            "probability": probability,
        }
        rule.update({key: value for key, value in optional.items() if value is not None})
        added: dict[str, Any] = self._call("POST", "/__admin/failures", rule)
        return added

    def failures(self) -> list[dict[str, Any]]:
        """The rules, each with its `hits`."""
        rules: list[dict[str, Any]] = self._call("GET", "/__admin/failures")
        return rules

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The journal, oldest first; filters as `GET /__admin/requests` takes them (`api`, `method`, `path`,
        `status`, `warnings=True`, `limit`)."""
        query = {
            name: str(value).lower() if isinstance(value, bool) else value for name, value in filters.items()
        }
        entries: list[dict[str, Any]] = self._call("GET", "/__admin/requests", query=query)
        return entries

    def warnings(self) -> list[dict[str, Any]]:
        """Every warning the journal holds, each with the request's `method` and `path`."""
        return [
            {"method": entry["method"], "path": entry["path"], **warning}
            for entry in self.requests(warnings=True)
            for warning in entry["warnings"]
        ]

    def state(self) -> dict[str, Any]:
        """All data, in the fixtures' format."""
        state: dict[str, Any] = self._call("GET", "/__admin/state")
        return state

    def add(self, api: str, collection: str, records: Any) -> dict[str, Any]:
        """Add one record or a list, e.g. `add("digitalchalk", "registrations", {...})`."""
        added: dict[str, Any] = self._call("POST", f"/__admin/state/{api}/{collection}", records)
        return added

    def set_clock(self, now: str | None = None, *, advance_seconds: int | None = None) -> dict[str, Any]:
        """Freeze the clock at `now` (ISO 8601), or move it on by `advance_seconds`."""
        body = {"now": now} if now is not None else {"advance_seconds": advance_seconds}
        clock: dict[str, Any] = self._call("PUT", "/__admin/clock", body)
        return clock

    def reset(self) -> None:
        """State, rules, clock and journal back to the fixtures."""
        self._call("POST", "/__admin/reset")


class LiveMockserver(Mockserver):
    """A session on a running server. `url` carries the session (`/__session/<id>`), so a client under test
    needs no header to stay inside it; `https_url` is the same over HTTPS, when `address` has it. Admin
    calls go to `address.url`, verified against `address.ca` when that is HTTPS."""

    def __init__(self, address: ServerAddress | str, session: str | None = None) -> None:
        if isinstance(address, str):
            address = ServerAddress(address)
        self.server_url = address.url.rstrip("/")
        self.session = session or f"pytest-{uuid.uuid4().hex[:12]}"
        self.url = f"{self.server_url}/__session/{self.session}"
        https = address.https_url or (self.server_url if self.server_url.startswith("https:") else None)
        if https is not None:
            self._https_url = f"{https.rstrip('/')}/__session/{self.session}"
        self.ca_bundle = address.ca
        self.headers = {SESSION_HEADER: self.session}
        self.admin_token = os.environ.get("MOCKSERVER_ADMIN_TOKEN")
        self._admin_tls = self.ssl_context() if self.server_url.startswith("https:") else None

    def _call(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        url = self.server_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = dict(self.headers)
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._admin_tls) as response:
                content = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise AdminCallFailed(f"{method} {path}: {error.code} {detail}") from None
        return json.loads(content) if content else None

    def end(self) -> None:
        """End the session on the server (it would be evicted anyway, beyond the server's limit)."""
        try:
            self._call("DELETE", f"/__admin/sessions/{self.session}")
        except AdminCallFailed:
            pass  # never used, so never made


class InProcessMockserver(Mockserver):
    """A fresh app in this process; `client` is its Flask test client. It serves no HTTPS: `https_url` is
    for live servers (the `mockserver` fixture with `--mockserver-tls`)."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        from mockserver.app import create_app

        self.app = create_app({"TESTING": True, **(config or {})})
        self.client = self.app.test_client()
        self.url = "http://localhost"

    def _call(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        response = self.client.open(path, method=method, json=body, query_string=dict(query or {}))
        if response.status_code >= 400:
            detail = response.get_data(as_text=True)
            raise AdminCallFailed(f"{method} {path}: {response.status_code} {detail}")
        return response.get_json() if response.data else None


def _start_server(args: list[str], tls_dir: Path | None = None) -> MockserverProcess:
    """`mockserver run` on a free port of 127.0.0.1, healthy; a usage error (with its output) if not. With
    `tls_dir`, HTTPS too, on a free port of its own, certified by the CA kept there. `--tls` or
    `--https-only` among `args` ask for HTTPS as `tls_dir` does (the CA then in the default directory);
    `--https-only`, for HTTPS alone."""
    https_only = "--https-only" in args
    if tls_dir is None and not https_only and "--tls" not in args:
        server = MockserverProcess(*args)
    else:
        from mockserver.tls import TLSError, default_dir  # only with TLS: cryptography is slow to import

        rest = [arg for arg in args if arg not in ("--tls", "--https-only")]
        try:
            server = MockserverProcess(*rest, tls_dir=tls_dir or default_dir(), https_only=https_only)
        except TLSError as error:  # a CA that cannot be made or read: the message says what to do
            raise pytest.UsageError(f"mockserver: {error}") from None
    try:
        server.start()
    except ServerFailed as error:
        server.close()
        raise pytest.UsageError(str(error)) from None
    return server


def _address(server: MockserverProcess) -> ServerAddress:
    ca = str(server.ca_bundle) if server.ca_bundle is not None else None
    return ServerAddress(server.url, server.https_url, ca)


def _server_args(config: pytest.Config) -> list[str]:
    return [*config.getini("mockserver_args"), *shlex.split(config.getoption("mockserver_args") or "")]


def _tls_on(config: pytest.Config) -> bool:
    return bool(config.getoption("mockserver_tls") or config.getini("mockserver_tls"))


def _tls_dir(config: pytest.Config) -> Path | None:
    """Where the CA of the server the plugin starts is kept, None without `--mockserver-tls`: the option,
    else `MOCKSERVER_TLS_DIR`, else the ini file's `mockserver_tls_dir`, else the default directory (that
    of `mockserver tls ca`), so that one CA, trusted once, serves every run."""
    if not _tls_on(config):
        return None
    given = config.getoption("mockserver_tls_dir") or os.environ.get("MOCKSERVER_TLS_DIR")
    if given:
        return Path(given).resolve()
    in_ini: list[Path] = config.getini("mockserver_tls_dir")
    if len(in_ini) > 1:
        raise pytest.UsageError("mockserver_tls_dir names one directory")
    if in_ini:
        return in_ini[0].resolve()
    from mockserver.tls import default_dir

    return default_dir()


def _sidecar(config: pytest.Config) -> ServerAddress | None:
    """The running server `--mockserver-url` names, with `--mockserver-ca` when it is HTTPS."""
    url: str | None = config.getoption("mockserver_url")
    if not url:
        return None
    ca: str | None = config.getoption("mockserver_ca")
    return ServerAddress(url.rstrip("/"), ca=os.path.abspath(ca) if ca else None)


# --- hooks ---------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver")
    group.addoption(
        "--mockserver-url",
        default=os.environ.get("MOCKSERVER_URL"),
        help="Use the mockserver running at this URL (a sidecar) instead of starting one. "
        "Default: $MOCKSERVER_URL.",
    )
    group.addoption(
        "--mockserver-args",
        default=None,
        help="More arguments for the `mockserver run` the plugin starts, e.g. '--strict --fixtures fx'.",
    )
    group.addoption(
        "--mockserver-no-warnings",
        action="store_true",
        default=False,
        help="Fail a test whose requests left warnings in the mock's journal (unknown parameters, fields…).",
    )
    group.addoption(
        "--mockserver-ca",
        default=os.environ.get("MOCKSERVER_CA"),
        help="The CA certificate (PEM) to verify an https:// --mockserver-url with "
        "(default: $MOCKSERVER_CA, else the system's trust store).",
    )
    group.addoption(
        "--mockserver-tls",
        action="store_true",
        default=False,
        help="Serve HTTPS too, from the server the plugin starts, certified by the local CA "
        "(`mockserver tls ca`): `mockserver.https_url`, `.ca_bundle`, `.ssl_context()`.",
    )
    group.addoption(
        "--mockserver-tls-dir",
        default=None,
        help="Where that local CA is kept (default: $MOCKSERVER_TLS_DIR, the ini's mockserver_tls_dir, "
        "else the directory of `mockserver tls ca`).",
    )
    parser.addini("mockserver_args", "Arguments for the `mockserver run` the plugin starts.", type="args")
    parser.addini("mockserver_tls", "Serve HTTPS too (as --mockserver-tls).", type="bool", default=False)
    parser.addini("mockserver_tls_dir", "Where the local CA is kept (as --mockserver-tls-dir).", type="paths")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mockserver_allow_warnings: this test may leave warnings (see --mockserver-no-warnings)"
    )
    sidecar = _sidecar(config)
    if sidecar is not None and not sidecar.url.startswith("https:") and _tls_on(config):
        raise pytest.UsageError(
            f"--mockserver-tls starts a server with HTTPS, but --mockserver-url gives {sidecar.url}: give "
            "that server's https:// URL instead (and its CA with --mockserver-ca)"
        )
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_SharedServer(config), "mockserver-shared-server")


class _SharedServer:
    """Under pytest-xdist, the controller starts one server and hands its address to every worker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.server: MockserverProcess | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.config.getoption("mockserver_url"):
            return
        if self.server is None:
            self.server = _start_server(_server_args(self.config), _tls_dir(self.config))
        node.workerinput[WORKER_SERVER_KEY] = asdict(_address(self.server))

    def pytest_unconfigure(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """With `--mockserver-no-warnings`, a test passes only if the mock recorded no warning for it."""
    result = yield
    funcargs = getattr(item, "funcargs", {})
    mock = funcargs.get("mockserver") or funcargs.get("mockserver_app")
    if (
        isinstance(mock, Mockserver)
        and item.config.getoption("mockserver_no_warnings")
        and item.get_closest_marker("mockserver_allow_warnings") is None
    ):
        found = mock.warnings()
        if found:
            lines = "\n".join(f"  {w['method']} {w['path']}: {w['parameter']}: {w['message']}" for w in found)
            pytest.fail(f"the mock recorded {len(found)} warning(s):\n{lines}", pytrace=False)
    return result


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mockserver_address(request: pytest.FixtureRequest) -> Iterator[ServerAddress]:
    """Where the shared server answers: the sidecar, the xdist controller's server, or one started now."""
    config = request.config
    sidecar = _sidecar(config)
    if sidecar is not None:
        yield sidecar
        return
    shared: dict[str, Any] | None = getattr(config, "workerinput", {}).get(WORKER_SERVER_KEY)
    if shared is not None:
        yield ServerAddress(**shared)
        return
    server = _start_server(_server_args(config), _tls_dir(config))
    yield _address(server)
    server.close()


@pytest.fixture(scope="session")
def mockserver_url(mockserver_address: ServerAddress) -> str:
    """The shared server's base URL (plain HTTP, unless it serves HTTPS alone)."""
    return mockserver_address.url


@pytest.fixture
def mockserver(mockserver_address: ServerAddress) -> Iterator[LiveMockserver]:
    """A fresh session on the shared server: its own state (from the fixtures), rules and journal."""
    mock = LiveMockserver(mockserver_address)
    yield mock
    mock.end()


@pytest.fixture
def mockserver_config() -> dict[str, Any]:
    """Settings for `mockserver_app` (override it: e.g. `{"STRICT": True, "FIXTURES": "tests/fx"}`)."""
    return {}


@pytest.fixture
def mockserver_app(mockserver_config: dict[str, Any]) -> InProcessMockserver:
    """A fresh mock in this process: `.app` (Flask), `.client` (its test client) and the same controls."""
    return InProcessMockserver(mockserver_config)
