"""Real clients that hard-code `https://` and the vendor's host reach the mock unchanged, trusting its CA the
way each trusts any CA: Python's httpx by SSL_CERT_FILE, curl by CURL_CA_BUNDLE or its .curlrc, Node by
NODE_EXTRA_CA_CERTS, Java by a truststore made with keytool, PHP's curl by `curl.cainfo`.

Each is a small program in programs/ that enrols a person as DigitalChalk integrations do (find by email,
create, list the offerings open to them, register, read the registration back), given only a host name.
It runs twice against one server: without the CA it must fail to verify the certificate, and nothing
reaches the mock; with it, the flow succeeds over HTTPS and nothing is journaled with a warning."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..conftest import LiveServer

PROGRAMS = Path(__file__).parent / "programs"
EMAIL = "ada.lovelace@example.org"
TOKEN = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"
PINNED = "api.digitalchalk.com"  # the vendor's host, as a client that cannot be pointed elsewhere calls it
STOREPASS = "changeit"
# Where each client could be told of a CA or another host: none comes from the tester's environment.
TRUST_SETTINGS = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "CURL_HOME",
    "XDG_CONFIG_HOME",
    "NODE_EXTRA_CA_CERTS",
    "NODE_OPTIONS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "PHPRC",
    "PHP_INI_SCAN_DIR",
)


@dataclass(frozen=True)
class Client:
    """A program and how it is run: `command(ca, port, work)` gives its command line and environment,
    trusting the CA at `ca` (None: trusting only what it trusts out of the box)."""

    name: str
    needs: tuple[str, ...]  # the executables it needs on this machine
    command: Callable[[Path | None, int, Path], tuple[list[str], dict[str, str]]]
    refusal: str  # what it says when it cannot verify the certificate
    host: str = "localhost"
    server_args: tuple[str, ...] = field(default_factory=tuple)


def python_httpx(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, str(PROGRAMS / "enrol.py")], {"SSL_CERT_FILE": str(ca)} if ca else {}


def curl(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    return ["sh", str(PROGRAMS / "enrol.sh")], {"CURL_CA_BUNDLE": str(ca)} if ca else {}


def curl_pinned(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    """curl calling the vendor's own host name, which its .curlrc resolves to the mock (as `--resolve`
    would), with the CA there too: the script is the one that calls the vendor."""
    settings = [f'resolve = "{PINNED}:{port}:127.0.0.1"']
    if ca:
        settings.append(f'cacert = "{ca}"')
    (work / ".curlrc").write_text("\n".join(settings) + "\n")
    return ["sh", str(PROGRAMS / "enrol.sh")], {"CURL_HOME": str(work)}


def node(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    return ["node", str(PROGRAMS / "enrol.mjs")], {"NODE_EXTRA_CA_CERTS": str(ca)} if ca else {}


def java(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    """Java 11+'s single-file source launch; the truststore made from the CA with keytool, as the JVM is
    told of any private CA. The quick compiler alone and the serial collector: the program runs for a
    second, and the JVM starts in half the time."""
    quick = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    argv = ["java", *quick]
    if ca:
        store = work / "truststore.p12"
        keytool = ["keytool", *(f"-J{option}" for option in quick), "-importcert", "-noprompt"]
        keytool += [
            "-alias",
            "mockserver",
            "-file",
            str(ca),
            "-keystore",
            str(store),
            "-storepass",
            STOREPASS,
        ]
        imported = subprocess.run(keytool, capture_output=True, text=True, timeout=60)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        argv += [f"-Djavax.net.ssl.trustStore={store}", f"-Djavax.net.ssl.trustStorePassword={STOREPASS}"]
    return [*argv, str(PROGRAMS / "Enrol.java")], {}


def php(ca: Path | None, port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    """`curl.cainfo`, php.ini's setting for the CA file of every curl handle, given as `-d`."""
    ini = ["-d", f"curl.cainfo={ca}"] if ca else []
    return ["php", *ini, str(PROGRAMS / "enrol.php")], {}


UNVERIFIED = "self-signed certificate in certificate chain"  # OpenSSL's words, through each binding
CLIENTS = [
    Client(
        "python-httpx",
        (sys.executable,),
        python_httpx,
        f"CERTIFICATE_VERIFY_FAILED] certificate verify failed: {UNVERIFIED}",
    ),
    Client("curl", ("curl",), curl, f"curl: (60) SSL certificate problem: {UNVERIFIED}"),
    Client(
        "curl-pinned-host",
        ("curl",),
        curl_pinned,
        f"curl: (60) SSL certificate problem: {UNVERIFIED}",
        host=PINNED,
        server_args=("--tls-hostname", PINNED),
    ),
    Client("node", ("node",), node, f"fetch failed: SELF_SIGNED_CERT_IN_CHAIN {UNVERIFIED}"),
    # javac: the source launcher compiles with the JDK's compiler, which a JRE lacks.
    Client("java", ("java", "javac", "keytool"), java, "SSLHandshakeException: PKIX path building failed"),
    Client("php-curl", ("php",), php, f"SSL certificate problem: {UNVERIFIED}"),
]


def unavailable(client: Client) -> str | None:
    """Why the client cannot run on this machine, or None. `make test` installs PHP and its curl
    extension; node and a JDK are used where they are."""
    missing = [name for name in client.needs if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed on this machine"
    if client.needs == ("php",):
        modules = subprocess.run(["php", "-m"], capture_output=True, text=True, timeout=60).stdout.split()
        if "curl" not in modules:
            return "php has no curl extension (apt-get install php-curl)"
    return None


def run(client: Client, ca: Path | None, server: LiveServer, work: Path) -> subprocess.CompletedProcess[str]:
    """The client's program, enrolling EMAIL at its host and the server's HTTPS port."""
    assert server.https_port is not None
    argv, settings = client.command(ca, server.https_port, work)
    inherited = {name: value for name, value in os.environ.items() if name not in TRUST_SETTINGS}
    env = {**inherited, "HOME": str(work), "DIGITALCHALK_TOKEN": TOKEN, **settings}
    host = f"{client.host}:{server.https_port}"
    return subprocess.run(
        [*argv, host, EMAIL], capture_output=True, text=True, timeout=120, env=env, cwd=work
    )


def journal(server: LiveServer, **filters: str) -> list[dict[str, Any]]:
    """The mock's journal, asked over its plain HTTP port (the admin API answers on both)."""
    response = httpx.get(f"{server.url}/__admin/requests", params=filters)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def last_segment(location: str) -> str:
    assert re.fullmatch(r"/dc/api/v5/(users|registrations)/[0-9a-f]{32}", location), location
    return location.rsplit("/", 1)[-1]


@pytest.mark.parametrize("client", CLIENTS, ids=[client.name for client in CLIENTS])
def test_a_client_that_calls_https_reaches_the_mock_trusting_its_ca(
    live_server: Callable[..., LiveServer], tmp_path: Path, client: Client
) -> None:
    reason = unavailable(client)
    if reason:
        pytest.skip(reason)
    server = live_server("--seed", "1", *client.server_args, tls_dir=tmp_path / "tls")
    assert server.ca_bundle is not None
    work = tmp_path / "work"
    work.mkdir()

    untrusted = run(client, None, server, work)
    assert untrusted.returncode != 0
    assert client.refusal in untrusted.stderr
    assert json.loads(untrusted.stdout.splitlines()[-1]) == []  # not one call got an answer
    assert journal(server) == []  # nor reached the mock

    trusted = run(client, server.ca_bundle, server, work)
    assert trusted.returncode == 0, trusted.stderr
    steps = json.loads(trusted.stdout.splitlines()[-1])
    assert [(step["method"], step["path"], step["status"]) for step in steps[:4]] == [
        ("GET", "/dc/api/v5/users", 200),
        ("POST", "/dc/api/v5/users", 201),
        ("GET", "/dc/api/v5/offerings", 200),
        ("POST", "/dc/api/v5/registrations", 201),
    ]
    found, created, offerings, registered, read = steps
    assert found["body"] == {"results": []}
    user_id = last_segment(created["location"])
    offering_id = offerings["body"]["results"][0]["id"]
    registration_id = last_segment(registered["location"])
    assert (read["method"], read["path"], read["status"]) == ("GET", registered["location"], 200)
    assert read["body"] | {"createdDate": None} == {
        "id": registration_id,
        "userId": user_id,
        "offeringId": offering_id,
        "title": offerings["body"]["results"][0]["title"],
        "status": "active",
        "createdDate": None,
    }

    # What the mock saw: these five calls, with what integrations send, on the host the client named.
    seen = journal(server)
    assert [(entry["method"], entry["path"], entry["status"]) for entry in seen] == [
        (step["method"], step["path"], step["status"]) for step in steps
    ]
    assert [entry["query"] for entry in seen[::2]] == [{"email": EMAIL}, {"userId": user_id}, {}]
    for entry in seen:
        headers = entry["headers"]
        assert (headers["Host"], headers["Authorization"]) == (
            f"{client.host}:{server.https_port}",
            "Bearer ****",
        )
        assert (headers["Accept"], headers["Content-Type"]) == ("application/json", "application/json")
    assert journal(server, warnings="true") == []
