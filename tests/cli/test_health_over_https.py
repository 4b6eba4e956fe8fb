"""`mockserver health` of a server that serves HTTPS: verified against the local CA or the one given, on
the standard library alone, and unhealthy, saying why, when the certificate cannot be verified."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockserver.cli.health import CA_FILE as HEALTH_CA_FILE
from mockserver.cli.options import _default_tls_dir
from mockserver.tls import CA_FILE, certificate_authority, default_dir

from ..conftest import free_port


def health(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`mockserver health` in a process of its own, as a container's HEALTHCHECK runs it, with none of the
    tester's MOCKSERVER_* settings; `-X importtime` lists on stderr the modules it imported."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MOCKSERVER_")}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mockserver", "health", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=environment | (env or {}),
    )


def said(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What it wrote on stderr, but the import times."""
    return [line for line in result.stderr.splitlines() if not line.startswith("import time:")]


@pytest.mark.parametrize("how", ["container", "url"])
def test_healthy_over_https(live_server: Callable[..., Any], tmp_path: Path, how: str) -> None:
    if how == "container":  # the settings as a container gives them to `run` and `health` alike
        server = live_server(tls_dir=tmp_path / "tls", https_only=True)
        env = {
            "MOCKSERVER_HOST": "0.0.0.0",
            "MOCKSERVER_HTTPS_ONLY": "true",
            "MOCKSERVER_HTTPS_PORT": str(server.https_port),
            "MOCKSERVER_TLS_DIR": str(tmp_path / "tls"),
        }
        result = health(env=env)
        asked = f"https://127.0.0.1:{server.https_port}"
    else:
        server = live_server(tls_dir=tmp_path / "tls")
        result = health("--url", server.https_url, "--ca", str(server.ca_bundle))
        asked = server.https_url
    assert (result.returncode, said(result)) == (0, [])
    assert result.stdout == f"healthy: {asked}/__admin/health answered 200\n"
    assert "cryptography" not in result.stderr  # a health check every few seconds stays cheap


@pytest.mark.parametrize("ca", ["another", "the system's"])
def test_a_certificate_not_from_the_ca_is_unhealthy(
    live_server: Callable[..., Any], tmp_path: Path, ca: str
) -> None:
    server = live_server(tls_dir=tmp_path / "tls", https_only=True)
    env = {"MOCKSERVER_CA": str(certificate_authority(tmp_path / "another"))} if ca == "another" else {}
    result = health("--url", server.https_url, env=env)
    assert result.returncode == 1
    (line,) = said(result)
    assert line.startswith(f"unhealthy: {server.https_url}/__admin/health: certificate verify failed: ")


def test_plain_http_to_the_https_port_is_unhealthy(live_server: Callable[..., Any], tmp_path: Path) -> None:
    server = live_server(tls_dir=tmp_path / "tls", https_only=True)
    result = health("--port", str(server.https_port))
    assert result.returncode == 1
    assert said(result) == [
        f"unhealthy: http://127.0.0.1:{server.https_port}/__admin/health: "
        "the answer is not HTTP (a port that serves HTTPS?)"
    ]


def test_no_ca_in_the_tls_dir_is_said_and_none_is_made(tmp_path: Path) -> None:
    port = free_port()
    result = health("--https-only", "--https-port", str(port), "--tls-dir", str(tmp_path / "tls"))
    assert result.returncode == 1
    assert said(result) == [
        f"unhealthy: https://127.0.0.1:{port}/__admin/health: no CA certificate at {tmp_path}/tls/ca.pem to "
        "verify it with: give the server's CA with --ca (MOCKSERVER_CA), or the --tls-dir "
        "(MOCKSERVER_TLS_DIR) that `mockserver run` uses"
    ]
    assert not (tmp_path / "tls").exists()


def test_health_finds_the_ca_where_the_tls_module_keeps_it() -> None:
    """`health` names the CA's file and default directory again, not to import the TLS module."""
    assert (HEALTH_CA_FILE, _default_tls_dir()) == (CA_FILE, default_dir())
