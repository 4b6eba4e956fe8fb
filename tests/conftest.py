"""Fixtures: app → client → world, fixture folders to serve, and real `mockserver run` processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

# httpcore is imported here, not first inside a test: pytester drops the modules a test imported, and
# httpx would then no longer recognise the errors of the httpcore imported afresh.
import httpcore  # noqa: F401
import pytest
import yaml
from flask import Flask, g, request_finished
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.fixtures.load import load_yaml
from mockserver.resources import data_dir
from mockserver.store import World
from mockserver.testing import MockserverProcess
from mockserver.testing import free_port as free_port  # for the tests that start other servers

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
AUTH = {"Authorization": "Bearer 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"}
DC_LIST = "/dc/api/v5/registrations"

# FullFabric: the vendor example's profile, units, contexts, and a request like its curl example.
PROFILE = "507f1f77bcf86cd799439011"
OTHER_PROFILE = "6385bdd4976a7719120108e9"
UNIT_TWO_GRADES = "6385baad976a7719120008e3"  # grades __coursework, final; registered in the fixtures
UNIT_ONE_GRADE = "6385baa7976a7719120005dc"  # grade final; on the transcript, unregistered
CLASS = "6385baad976a7719120008ca"
COURSE = "6385bcf1976a77191200ba5d"
FF_AUTH = {"FF-Auth": "sk-acme-4f9a2c", "X-API-Version": "2025-05-07"}
REGISTERED_ID = "65e6e5aaf398a642a7022ab5"  # the fixtures' registration of UNIT_TWO_GRADES for PROFILE
NOW = 1712000000  # 2024-04-01T19:33:20Z
# DigitalChalk: a user of the default fixtures, and an offering of theirs open (from 2012, with no end)
# that they may register for: `POST /registrations` of DC_NEW succeeds once per world.
DC_USER = "4893212a29887dcaedf0084472869c3d"
DC_OPEN_OFFERING = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"
DC_NEW = {"userId": DC_USER, "offeringId": DC_OPEN_OFFERING}
UNOFFERED_COURSE = "6385bcf1976a77191200eeee"  # offers no unit, in `unoffered_course_config`


def ff_path(profile_id: str = PROFILE) -> str:
    return f"/apis/registrations/profiles/{profile_id}/registrations"


def ff_post(
    client: FlaskClient,
    *items: Any,
    profile_id: str = PROFILE,
    headers: dict[str, str] | None = None,
    prefix: str = "",
) -> Any:
    """POST `items` as FullFabric registrations; return the response."""
    return client.post(
        prefix + ff_path(profile_id), json={"registrations": list(items)}, headers=headers or FF_AUTH
    )


class NoServerErrorsClient(FlaskClient):
    """A test client for which a 5xx fails the test unless a failure rule asked for it."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        injected: list[bool] = []

        def note(sender: Flask, response: Any, **extra: Any) -> None:
            injected.append(bool(g.get("matched_rules")))

        with request_finished.connected_to(note, self.application):
            response = super().open(*args, **kwargs)
        assert response.status_code < 500 or any(injected), (
            f"mockserver answered {response.status_code}: {response.data!r}"
        )
        return response


def contract_example() -> dict[str, Any]:
    """The vendor's example list answer, as DigitalChalk's contract holds it."""
    contract = yaml.safe_load((data_dir("contracts") / "digitalchalk.yaml").read_text())
    get = contract["paths"]["/dc/api/v5/registrations"]["get"]
    return get["responses"]["200"]["content"]["application/json"]["examples"]["vendor"]["value"]


def default_fixture(vendor: str) -> dict[str, Any]:
    """The packaged default fixture of `vendor`, as data."""
    return load_yaml((data_dir("fixtures") / f"{vendor}.yaml").read_text())


@pytest.fixture
def config() -> dict[str, Any]:
    """Settings passed to `create_app`; tests adjust them before `app` is built."""
    return {"TESTING": True}


@pytest.fixture(params=["memory", "redis"])
def store_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Where the mock keeps its worlds: every test of a mock runs on each store."""
    if request.param == "memory":
        return {}
    server: RedisServer = request.getfixturevalue("redis_server")
    return {"STORE": server.url, "STORE_PREFIX": request.getfixturevalue("redis_prefix")}


@pytest.fixture
def app(config: dict[str, Any], store_config: dict[str, Any]) -> Flask:
    """A fresh mock on the given settings, on each store."""
    app = create_app({**store_config, **config})
    app.test_client_class = NoServerErrorsClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the fresh mock."""
    return app.test_client()


@pytest.fixture
def world(app: Flask) -> World:
    """The fresh mock's default world (the one requests without a session see): its state by vendor."""
    return app.extensions["mockserver"].default


@pytest.fixture
def write_fixtures(tmp_path: Path) -> Callable[..., Path]:
    """Write fixture files (vendor name → data, or raw text) into a new folder and return it."""

    def write(**files: dict[str, Any] | str) -> Path:
        folder = tmp_path / f"fixtures-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        for name, content in files.items():
            path = folder / (name if "." in name else f"{name}.yaml")
            path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False))
        return folder

    return write


def unoffered_course_config(write_fixtures: Callable[..., Path]) -> dict[str, Any]:
    """Settings serving the default fixtures plus a course that offers no unit (UNOFFERED_COURSE)."""
    fixture = default_fixture("fullfabric")
    fixture["courses"].append({"id": UNOFFERED_COURSE, "name": "BSc", "units": []})
    return {"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))}


def listed_tokens_config(write_fixtures: Callable[..., Path]) -> dict[str, Any]:
    """Settings whose FullFabric fixture lists its tokens: `sk-acme-live` passes, `sk-acme-old` is revoked."""
    fixture = default_fixture("fullfabric")
    fixture["tokens"] = [{"token": "sk-acme-live"}, {"token": "sk-acme-old", "state": "revoked"}]
    return {"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))}


def race(threads: list[threading.Thread], switch_interval: float = 1e-5) -> None:
    """Run `threads` to the end with the interpreter switching between them as often as it can, so
    that a race, if there is one, shows."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(switch_interval)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)


def dc_user(user_id: str) -> dict[str, Any]:
    """A DigitalChalk user record (for fixtures or the admin API) of this id."""
    return {
        "id": user_id,
        "firstName": "Test",
        "lastName": user_id,
        "email": f"{user_id}@example.org",
        "createdDate": "2012-01-01T00:00:00Z",
    }


def dc_offering(offering_id: str) -> dict[str, Any]:
    """A DigitalChalk offering record of this id, always open for registration."""
    return {"id": offering_id, "title": f"Offering {offering_id}"}


def with_dc_references(fixture: dict[str, Any]) -> dict[str, Any]:
    """A DigitalChalk fixture with a user and an offering (`dc_user`, `dc_offering`) for every id its
    registrations name that it does not hold already."""
    registrations = fixture.get("registrations", [])
    users = {user["id"] for user in fixture.get("users", [])}
    offerings = {offering["id"] for offering in fixture.get("offerings", [])}
    missing_users = dict.fromkeys(r["userId"] for r in registrations if r["userId"] not in users)
    missing_offerings = dict.fromkeys(
        r["offeringId"] for r in registrations if r["offeringId"] not in offerings
    )
    return {
        **fixture,
        "users": [*fixture.get("users", []), *map(dc_user, missing_users)],
        "offerings": [*fixture.get("offerings", []), *map(dc_offering, missing_offerings)],
    }


def add_dc_records(
    client: FlaskClient,
    users: Iterable[str] = (),
    offerings: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    prefix: str = "",
) -> None:
    """Add DigitalChalk users and offerings of these ids through the admin API, so that registrations
    may name them."""
    for collection, records in (
        ("users", [dc_user(user_id) for user_id in users]),
        ("offerings", [dc_offering(offering_id) for offering_id in offerings]),
    ):
        if records:
            path = f"{prefix}/__admin/state/digitalchalk/{collection}"
            response = client.post(path, json=records, headers=headers or {})
            assert response.status_code == 201, response.get_json()


def listed_ids(client: FlaskClient, query: str) -> list[str]:
    """The ids DigitalChalk's list returns for `query`, which must succeed."""
    response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["results"]]


class LiveServer(MockserverProcess):
    """A real `mockserver run` process on a free port, started at once (`wait_healthy` waits for it)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, **options: Any) -> None:
        super().__init__(*args, env=env, **options)
        self.launch()


class RedisServer:
    """A real `redis-server` (Debian's, installed by the Makefile) on a free port, keeping nothing on disk
    unless `options` (more of its command line) say otherwise."""

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.options = options
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            *self.options,
        ]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith((b"+PONG", b"-NOAUTH")):  # up, with a password or not
                        return
            except OSError:
                time.sleep(0.02)
        raise AssertionError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real Redis for the test session (its tests keep apart by key prefix)."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_prefix(request: pytest.FixtureRequest) -> str:
    """Keys of this test's own, in the shared Redis."""
    return f"test:{request.node.nodeid}:{os.getpid()}"


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start real servers; each is stopped at the end and must have answered no 5xx."""
    started: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None, **options: Any) -> LiveServer:
        """`options`: `tls_dir` and `https_only`, as `MockserverProcess` takes them."""
        server = LiveServer(*args, env=env, **options)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.stop()
        output = server.stdout
        server.close()
        server_errors = re.findall(r"^\S+ \S+ 5\d\d .*$", output, flags=re.MULTILINE)
        unasked = [line for line in server_errors if " rule[" not in line]  # a failure rule may ask for one
        assert not unasked, f"mockserver answered 5xx: {unasked}"
