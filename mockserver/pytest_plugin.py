"""The pytest plugin (entry point `pytest11`): a real mockserver for every test, in a session of its own.

`mockserver` gives each test a fresh session on one shared server — started on a free port for the test
run (by the xdist controller when tests run in parallel, so every worker shares it), or the one at
`--mockserver-url` / `MOCKSERVER_URL`. `mockserver_app` is the same, in process, on a fresh Flask app.
"""

from __future__ import annotations

import json
import os
import shlex
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from mockserver.testing import MockserverProcess, ServerFailed
from mockserver.web.context import SESSION_HEADER

ITEM_FIELDS = ("profile_id", "unit_id", "context_id", "grade_state_name", "index")
REQUEST_FIELDS = ("method", "path", "query")
WORKER_URL_KEY = "mockserver_url"


class AdminCallFailed(AssertionError):
    """The mock refused an admin call: the test set it up wrongly."""


class Mockserver:
    """Control of one mock world: make rules, read the journal, reset. Subclasses say how to call it."""

    url: str

    @property
    def fullfabric_url(self) -> str:
        """FullFabric's base, as `https://<tenant>.fullfabric.cloud`: paths start `/apis/registrations`."""
        return self.url

    @property
    def digitalchalk_url(self) -> str:
        """DigitalChalk's API root, as `https://<org>.digitalchalk.com/dc/api/v5`."""
        return f"{self.url}/dc/api/v5"

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
    """A session on a running server, over HTTP. `url` carries the session (`/__session/<id>`), so a client
    under test needs no header to stay inside it."""

    def __init__(self, server_url: str, session: str | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.session = session or f"pytest-{uuid.uuid4().hex[:12]}"
        self.url = f"{self.server_url}/__session/{self.session}"
        self.headers = {SESSION_HEADER: self.session}
        self.admin_token = os.environ.get("MOCKSERVER_ADMIN_TOKEN")

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
            with urllib.request.urlopen(request, timeout=30) as response:
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
    """A fresh app in this process; `client` is its Flask test client."""

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


def _start_server(args: list[str]) -> MockserverProcess:
    """`mockserver run` on a free port of 127.0.0.1, healthy; a usage error (with its output) if not."""
    server = MockserverProcess(*args)
    try:
        server.start()
    except ServerFailed as error:
        server.close()
        raise pytest.UsageError(str(error)) from None
    return server


def _server_args(config: pytest.Config) -> list[str]:
    return [*config.getini("mockserver_args"), *shlex.split(config.getoption("mockserver_args") or "")]


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
    parser.addini("mockserver_args", "Arguments for the `mockserver run` the plugin starts.", type="args")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mockserver_allow_warnings: this test may leave warnings (see --mockserver-no-warnings)"
    )
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_SharedServer(config), "mockserver-shared-server")


class _SharedServer:
    """Under pytest-xdist, the controller starts one server and hands its URL to every worker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.server: MockserverProcess | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.config.getoption("mockserver_url"):
            return
        if self.server is None:
            self.server = _start_server(_server_args(self.config))
        node.workerinput[WORKER_URL_KEY] = self.server.url

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
def mockserver_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The shared server's base URL: the sidecar's, the xdist controller's, or one started now."""
    config = request.config
    given = config.getoption("mockserver_url") or getattr(config, "workerinput", {}).get(WORKER_URL_KEY)
    if given:
        yield given.rstrip("/")
        return
    server = _start_server(_server_args(config))
    yield server.url
    server.close()


@pytest.fixture
def mockserver(mockserver_url: str) -> Iterator[LiveMockserver]:
    """A fresh session on the shared server: its own state (from the fixtures), rules and journal."""
    mock = LiveMockserver(mockserver_url)
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
