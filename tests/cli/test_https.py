"""`mockserver run --tls`: real HTTPS from a real server, verified against the local CA, beside plain HTTP on
one state; the user's own certificate; HTTPS alone; ports that are taken."""

from __future__ import annotations

import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.cli.options import _default_tls_dir
from mockserver.testing import descendants, free_port
from mockserver.tls import default_dir, own_certificate, server_certificate

from ..conftest import AUTH, DC_LIST, RedisServer

JSON = {"Accept": "application/json", "Content-Type": "application/json"}
NEW_USER = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada.lovelace@example.org",
    "password": "Analytical-1843",
}


def trusting(ca: Path | None) -> ssl.SSLContext:
    """A client's TLS settings that trust `ca` alone, verification on (strict X.509, as Python 3.13's)."""
    context = ssl.create_default_context(cafile=ca)
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


def client(server: Any) -> httpx.Client:
    """A client of the server's HTTPS port, trusting its CA alone, sending JSON and a DigitalChalk token."""
    return httpx.Client(
        base_url=server.https_url, verify=trusting(server.ca_bundle), headers={**JSON, **AUTH}
    )


def test_tls_serves_https_and_http_from_one_state(
    live_server: Callable[..., Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server = live_server("--seed", "1", tls_dir=tmp_path / "tls")
    https = httpx.Client(
        base_url=server.https_url, verify=trusting(server.ca_bundle), headers={**JSON, **AUTH}
    )
    request.addfinalizer(https.close)

    listed = https.get(f"{DC_LIST}?limit=1")
    assert listed.status_code == 200
    assert listed.json()["next"].startswith(f"https://localhost:{server.https_port}{DC_LIST}?")

    created = https.post("/dc/api/v5/users", json=NEW_USER)
    assert created.status_code == 201, created.text
    user_path = created.headers["Location"]
    # The same world answers on the plain port: one process, one state.
    assert httpx.get(server.url + user_path, headers=AUTH).json()["email"] == NEW_USER["email"]
    assert https.get("/__admin/health").json()["status"] == "ok"

    warned = [entry for entry in httpx.get(f"{server.url}/__admin/requests").json() if entry["warnings"]]
    assert [(entry["path"], entry["warnings"][0]["parameter"]) for entry in warned] == [(user_path, "scheme")]
    base = f"https://127.0.0.1:{server.https_port}"
    assert server.stop() == 0
    assert server.stdout.splitlines()[:5] == [
        f"mockserver 0.1.0 serving on {server.url} and {base}",
        *server.stdout.splitlines()[1:3],
        f"  Admin         {server.url}/__admin  (0 failure rules)",
        f"  TLS           for localhost, 127.0.0.1, ::1; CA {server.ca_bundle}",
    ]
    assert f"  DigitalChalk  {base}{DC_LIST}" in server.stdout


def test_the_ca_is_made_once_and_kept_across_restarts(
    live_server: Callable[..., Any], tmp_path: Path
) -> None:
    first = live_server(tls_dir=tmp_path / "tls")
    ca = first.ca_bundle.read_bytes()
    trusted = trusting(first.ca_bundle)  # what a client was given, once
    assert httpx.get(first.https_url + DC_LIST, headers=AUTH, verify=trusted).status_code == 200
    first.stop()

    again = live_server(tls_dir=tmp_path / "tls")
    assert again.ca_bundle.read_bytes() == ca
    assert httpx.get(again.https_url + DC_LIST, headers=AUTH, verify=trusted).status_code == 200
    assert sorted(path.name for path in (tmp_path / "tls").glob("*.pem"))[:2] == ["ca-key.pem", "ca.pem"]


def test_a_name_given_with_tls_hostname_verifies(live_server: Callable[..., Any], tmp_path: Path) -> None:
    server = live_server("--tls-hostname", "api.digitalchalk.com", tls_dir=tmp_path / "tls")
    context = trusting(server.ca_bundle)
    # A client that pins the vendor's host, resolved to the mock: the certificate is good for that name.
    with socket.create_connection(("127.0.0.1", server.https_port)) as raw:
        with context.wrap_socket(raw, server_hostname="api.digitalchalk.com") as tls:
            request = f"GET {DC_LIST} HTTP/1.1\r\nHost: api.digitalchalk.com\r\n"
            tls.sendall(f"{request}Authorization: Bearer t\r\nConnection: close\r\n\r\n".encode())
            answer = b"".join(iter(lambda: tls.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 200 ")
    with socket.create_connection(("127.0.0.1", server.https_port)) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            context.wrap_socket(raw, server_hostname="api.fullfabric.cloud")


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl on this machine")
def test_curl_verifies_the_certificate_through_the_ca_path(
    live_server: Callable[..., Any], tmp_path: Path
) -> None:
    server = live_server("--tls-hostname", "api.digitalchalk.com", tls_dir=tmp_path / "tls")
    for url, resolve in [
        (f"{server.https_url}{DC_LIST}?limit=1", []),
        (
            f"https://api.digitalchalk.com:{server.https_port}{DC_LIST}?limit=1",
            ["--resolve", f"api.digitalchalk.com:{server.https_port}:127.0.0.1"],
        ),
    ]:
        done = subprocess.run(
            ["curl", "--silent", "--show-error", "--fail", "--cacert", str(server.ca_bundle), *resolve, url]
            + ["-H", "Authorization: Bearer t", "-H", "Accept: application/json"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        assert f'"next":"{url.split("/dc/")[0]}/dc/api/v5/registrations?limit=1&offset=1"' in done.stdout


def test_https_only_leaves_the_plain_port_closed(live_server: Callable[..., Any], tmp_path: Path) -> None:
    server = live_server(tls_dir=tmp_path / "tls", https_only=True)
    assert server.url == server.https_url
    assert httpx.get(server.https_url + DC_LIST, headers=AUTH, verify=trusting(server.ca_bundle)).is_success
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{server.port}{DC_LIST}", headers=AUTH)


def test_serves_the_users_own_certificate(live_server: Callable[..., Any], tmp_path: Path) -> None:
    own = server_certificate(tmp_path / "their-ca", ["own.example"])
    https_port = free_port()
    server = live_server(
        "--https-port", str(https_port), "--tls-cert", str(own.cert), "--tls-key", str(own.key)
    )
    response = httpx.get(f"https://localhost:{https_port}{DC_LIST}", headers=AUTH, verify=trusting(own.ca))
    assert response.status_code == 200
    server.stop()
    names = ", ".join(own_certificate(own.cert, own.key).names)  # as read from the certificate
    assert f"  TLS           for {names}; your certificate {own.cert}" in server.stdout


def test_two_workers_on_redis_each_serve_both_ports(
    live_server: Callable[..., Any],
    tmp_path: Path,
    redis_server: RedisServer,
    redis_prefix: str,
    request: pytest.FixtureRequest,
) -> None:
    server = live_server(
        "--workers",
        "2",
        "--store",
        redis_server.url,
        env={"MOCKSERVER_STORE_PREFIX": redis_prefix},
        tls_dir=tmp_path / "tls",
    )
    https = httpx.Client(
        base_url=server.https_url, verify=trusting(server.ca_bundle), headers={**JSON, **AUTH}
    )
    request.addfinalizer(https.close)
    created = https.post("/dc/api/v5/users", json=NEW_USER)
    assert created.status_code == 201
    # New connections each time: the kernel hands them to either worker, on either port.
    for _ in range(6):
        assert httpx.get(server.url + created.headers["Location"], headers=AUTH).status_code == 200
        fresh = httpx.get(
            server.https_url + created.headers["Location"], headers=AUTH, verify=trusting(server.ca_bundle)
        )
        assert fresh.status_code == 200


def test_http2_over_tls_by_alpn(live_server: Callable[..., Any], tmp_path: Path) -> None:
    server = live_server("--http", "auto", tls_dir=tmp_path / "tls")
    with httpx.Client(http2=True, verify=trusting(server.ca_bundle)) as client:
        response = client.get(server.https_url + DC_LIST, headers=AUTH)
    assert response.status_code == 200
    assert response.http_version == "HTTP/2"


def test_sigterm_stops_both_ports_at_once(live_server: Callable[..., Any], tmp_path: Path) -> None:
    server = live_server(tls_dir=tmp_path / "tls")
    assert server.process is not None
    stopping = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=10) == 0
    assert time.monotonic() - stopping < 5
    for url in (server.url, server.https_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + DC_LIST, headers=AUTH, verify=trusting(server.ca_bundle))


# --- refused before anything listens --------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["run", *args], env=env)


def test_a_key_that_is_not_the_certificates_is_refused(tmp_path: Path) -> None:
    one = server_certificate(tmp_path / "ca", ["one.example"])
    other = server_certificate(tmp_path / "ca", ["other.example"])
    result = run("--tls-cert", str(one.cert), "--tls-key", str(other.key))
    assert result.exit_code == 1
    assert str(other.key) in result.output or str(one.cert) in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "{cert}"], "--tls-cert and --tls-key go together"),
        (["--tls", "--port", "9000", "--https-port", "9000"], "HTTPS needs a port of its own"),
        (["--tls-cert", "{cert}", "--tls-key", "{key}", "--tls-hostname", "x.example"], "--tls-hostname"),
    ],
)
def test_options_that_do_not_go_together(tmp_path: Path, args: list[str], message: str) -> None:
    own = server_certificate(tmp_path / "ca")
    result = run(*(arg.format(cert=own.cert, key=own.key) for arg in args))
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_tls_hostname_is_refused(tmp_path: Path) -> None:
    result = run("--tls-hostname", "not a name", "--tls-dir", str(tmp_path / "tls"))
    assert result.exit_code == 1
    assert "not a name" in result.output


@pytest.mark.parametrize("taken", ["http", "https"])
def test_a_port_that_is_taken_is_named(tmp_path: Path, taken: str) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        ports = (
            {"http": busy, "https": free_port()} if taken == "http" else {"http": free_port(), "https": busy}
        )
        done = subprocess.run(
            [sys.executable, "-m", "mockserver", "run", "--tls", "--tls-dir", str(tmp_path / "tls")]
            + ["--port", str(ports["http"]), "--https-port", str(ports["https"])],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{busy} ({taken}): Address already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_https_port_in_the_environment_serves_http_alone(
    live_server: Callable[..., Any], tmp_path: Path
) -> None:
    """The Docker image sets MOCKSERVER_HTTPS_PORT=8443; `-e MOCKSERVER_HTTPS_PORT=` takes it back."""
    server = live_server(env={"MOCKSERVER_HTTPS_PORT": "", "MOCKSERVER_TLS_DIR": str(tmp_path / "tls")})
    assert httpx.get(server.url + DC_LIST, headers=AUTH).status_code == 200
    server.stop()
    assert server.stdout.splitlines()[0] == f"mockserver 0.1.0 serving on {server.url}"
    assert not (tmp_path / "tls").exists()


def test_without_tls_the_server_never_loads_cryptography(live_server: Callable[..., Any]) -> None:
    """Its Rust library costs every process of a plain server memory, and every start a tenth of its time."""
    server = live_server()
    assert server.process is not None
    for pid in (server.process.pid, *descendants(server.process.pid)):
        assert "cryptography" not in Path(f"/proc/{pid}/maps").read_text()


def test_the_cli_default_tls_dir_is_the_libraries() -> None:
    assert _default_tls_dir() == default_dir()
