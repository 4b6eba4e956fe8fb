"""Fixtures: app → client → store, fixture folders to serve, and real `mockserver run` processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.fixtures import load_yaml
from mockserver.resources import data_dir
from mockserver.store import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
AUTH = {"Authorization": "Bearer 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"}
DC_LIST = "/dc/api/v5/registrations"


class NoServerErrorsClient(FlaskClient):
    """A test client for which any 5xx answer fails the test: bad input must never yield one."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        assert response.status_code < 500, f"mockserver answered {response.status_code}: {response.data!r}"
        return response


def default_fixture(vendor: str) -> dict[str, Any]:
    """The packaged default fixture of `vendor`, as data."""
    return load_yaml((data_dir("fixtures") / f"{vendor}.yaml").read_text())


@pytest.fixture
def config() -> dict[str, Any]:
    """Settings passed to `create_app`; tests adjust them before `app` is built."""
    return {"TESTING": True}


@pytest.fixture
def app(config: dict[str, Any]) -> Flask:
    """A fresh mock on the given settings."""
    app = create_app(config)
    app.test_client_class = NoServerErrorsClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the fresh mock."""
    return app.test_client()


@pytest.fixture
def store(app: Flask) -> MemoryStore:
    """The fresh mock's state."""
    return app.extensions["mockserver"]


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


def listed_ids(client: FlaskClient, query: str) -> list[str]:
    """The ids DigitalChalk's list returns for `query`, which must succeed."""
    response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["results"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real `mockserver run` process on a free port."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "run", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.stdout = ""
        self.stderr = ""

    def wait_healthy(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise AssertionError(f"mockserver exited with {self.process.returncode}:\n{self.stderr}")
            try:
                if httpx.get(f"{self.url}/__admin/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("mockserver did not become healthy")

    def stop(self) -> int:
        """SIGTERM, as docker and CI send it; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=15)
        self.stdout += out
        self.stderr += err
        return self.process.returncode


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start real servers; each is stopped at the end and must have answered no 5xx."""
    started: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> LiveServer:
        server = LiveServer(*args, env=env)
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.stop()
        server_errors = re.findall(r"^\S+ \S+ 5\d\d .*$", server.stdout, flags=re.MULTILINE)
        assert not server_errors, f"mockserver answered 5xx: {server_errors}"
