"""The wheel in a fresh venv, run as the Dockerfile runs it; the compose example that runs the image."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from mockserver.cli.health import local_url
from mockserver.cli.run import run
from mockserver.config import DEFAULTS

from ..conftest import DC_LIST, ROOT, free_port


@dataclass(frozen=True)
class Image:
    """What the Dockerfile's final stage gives a container: environment, command, health check, the ports
    it exposes and the user it runs as."""

    env: dict[str, str]
    cmd: list[str]
    healthcheck: list[str]
    expose: list[str]
    user: str
    runs: list[str]  # its RUN commands


@dataclass(frozen=True)
class Venv:
    """A fresh venv outside the checkout with the wheel installed, and a folder outside it to work in."""

    path: Path
    outside: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def env(self, **settings: str) -> dict[str, str]:
        """A command's environment in the venv: its scripts first on PATH, none of the tester's Python or
        mockserver settings, and these."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("MOCKSERVER_", "PYTHON")) and name != "VIRTUAL_ENV"
        }
        return inherited | settings | {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}

    def run(self, *command: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return sh(*command, cwd=self.outside, env=self.env(**settings))


def read_image(dockerfile: Path) -> Image:
    """ENV, CMD, HEALTHCHECK, EXPOSE, USER and RUN of the Dockerfile's last stage; CMD and HEALTHCHECK
    must be in exec (JSON) form."""
    lines = [line.strip() for line in re.sub(r"\\\n", " ", dockerfile.read_text()).splitlines()]
    instructions = [line.partition(" ")[::2] for line in lines if line and not line.startswith("#")]
    last_stage = max(index for index, (keyword, _) in enumerate(instructions) if keyword.upper() == "FROM")
    env: dict[str, str] = {}
    commands: dict[str, list[str]] = {"expose": [], "user": [], "run": []}
    for keyword, arguments in instructions[last_stage:]:
        if keyword.upper() in ("EXPOSE", "USER", "RUN"):
            commands[keyword.lower()] += [arguments] if keyword.upper() == "RUN" else arguments.split()
        elif keyword.upper() == "ENV":
            for pair in shlex.split(arguments):
                name, _, value = pair.partition("=")
                env[name] = value
        elif keyword.upper() == "CMD":
            commands["cmd"] = json.loads(arguments)
        elif keyword.upper() == "HEALTHCHECK":
            commands["healthcheck"] = json.loads(arguments.split(" CMD ", 1)[1])
    (user,) = commands["user"]
    return Image(env, commands["cmd"], commands["healthcheck"], commands["expose"], user, commands["run"])


def sh(*command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def image() -> Image:
    """The Dockerfile, read."""
    return read_image(ROOT / "Dockerfile")


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """The wheel built from the checkout and installed in a fresh venv outside it (dependencies from
    the package index or pip's cache)."""
    base = tmp_path_factory.mktemp("wheel")
    assert not base.is_relative_to(ROOT)
    fresh = Venv(base / "venv", base / "elsewhere")
    fresh.outside.mkdir()
    build = ["pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(base / "dist"), str(ROOT)]
    ok(sh(sys.executable, "-m", *build, cwd=fresh.outside))
    ok(sh(sys.executable, "-m", "venv", str(fresh.path), cwd=fresh.outside))
    (wheel,) = (base / "dist").glob("mockserver-*.whl")
    ok(fresh.run("python", "-m", "pip", "install", "--quiet", str(wheel)))
    return fresh


@pytest.fixture
def server_output() -> Iterator[Any]:
    """A file for a server's output (a pipe nobody reads would fill up and block it)."""
    with tempfile.TemporaryFile("w+") as output:
        yield output


def test_the_installed_package_carries_the_default_fixtures_and_contracts(venv: Venv) -> None:
    script = (
        "import mockserver.resources as r; print(r.__file__, r.data_dir('fixtures'), r.data_dir('contracts'))"
    )
    module, fixtures, contracts = map(Path, ok(venv.run("python", "-c", script)).split())

    package = module.parent
    assert package.is_relative_to(venv.path)
    assert (fixtures, contracts) == (package / "_data" / "fixtures", package / "_data" / "contracts")
    for installed, checkout in ((fixtures, ROOT / "fixtures"), (contracts, ROOT / "contracts")):
        assert {path.name: path.read_bytes() for path in installed.iterdir()} == {
            path.name: path.read_bytes() for path in checkout.iterdir()
        }


def test_serves_as_the_dockerfile_runs_it(
    venv: Venv, image: Image, tmp_path: Path, server_output: Any
) -> None:
    assert image.env["MOCKSERVER_FIXTURES"] == "/fixtures"  # the mount points the docs promise
    assert (image.env["MOCKSERVER_HTTPS_PORT"], image.env["MOCKSERVER_TLS_DIR"]) == ("8443", "/tls")
    assert image.expose == [image.env["MOCKSERVER_PORT"], image.env["MOCKSERVER_HTTPS_PORT"]]
    # The CA's directory is made for the user the server runs as, and for it alone (a volume mounted
    # there afresh takes its owner).
    uid, gid = image.user.split(":")
    made = f"install --directory --owner {uid} --group {gid} --mode 0700 {image.env['MOCKSERVER_TLS_DIR']}"
    assert any(made in run for run in image.runs)
    packaged = venv.path.glob("lib/python*/site-packages/mockserver/_data/fixtures")
    fixtures = shutil.copytree(next(packaged), tmp_path / "fixtures")
    port, https_port, tls_dir = free_port(), free_port(), tmp_path / "tls"
    # The container's environment, but its mount points and its host and ports on this machine; and the
    # name the compose example's client calls it by.
    compose = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text())
    container = image.env | {
        "MOCKSERVER_FIXTURES": str(fixtures),
        "MOCKSERVER_HOST": "127.0.0.1",
        "MOCKSERVER_PORT": str(port),
        "MOCKSERVER_HTTPS_PORT": str(https_port),
        "MOCKSERVER_TLS_DIR": str(tls_dir),
        "MOCKSERVER_TLS_HOSTNAMES": compose["services"]["mockserver"]["environment"][
            "MOCKSERVER_TLS_HOSTNAMES"
        ],
    }
    env = venv.env(**container)
    assert shutil.which(image.cmd[0], path=env["PATH"]) == str(venv.bin / image.cmd[0])
    server = subprocess.Popen(
        image.cmd, env=env, cwd=venv.outside, stdout=server_output, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while venv.run(*image.healthcheck, **container).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                server_output.seek(0)
                pytest.fail(f"the health check never passed; the server said:\n{server_output.read()}")
            time.sleep(0.1)

        response = httpx.get(f"http://127.0.0.1:{port}{DC_LIST}", headers={"Authorization": "Bearer x"})
        assert response.status_code == 200
        assert len(response.json()["results"]) == 5
        # HTTPS beside it, from the CA the server made in its TLS directory: what
        # `docker exec <container> mockserver tls ca --pem` prints, in the container's environment.
        ca_pem = ok(venv.run("mockserver", "tls", "ca", "--pem", **container))
        assert ca_pem == (tls_dir / "ca.pem").read_text()
        trusted = ssl.create_default_context(cadata=ca_pem)
        secure = httpx.get(
            f"https://localhost:{https_port}{DC_LIST}?limit=1",
            headers={"Authorization": "Bearer x"},
            verify=trusted,
        )
        assert secure.status_code == 200
        assert secure.json()["next"] == f"https://localhost:{https_port}{DC_LIST}?limit=1&offset=1"
        with socket.create_connection(("127.0.0.1", https_port)) as raw:
            with trusted.wrap_socket(raw, server_hostname="mockserver") as tls:  # the compose client's
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
        elsewhere = venv.run("mockserver", "health", "--url", f"http://127.0.0.1:{port}/elsewhere")
        assert (elsewhere.returncode, elsewhere.stderr) == (
            1,
            f"unhealthy: http://127.0.0.1:{port}/elsewhere/__admin/health answered 404\n",
        )

        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        assert time.monotonic() - stopping < 5
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    server_output.seek(0)
    output = server_output.read()
    assert f"(5 registrations from {fixtures / 'digitalchalk.yaml'})" in output  # MOCKSERVER_FIXTURES
    logged = [
        json.loads(line) for line in output.splitlines() if line.startswith("{")
    ]  # MOCKSERVER_LOG_FORMAT
    assert ("GET", DC_LIST, 200) in [(entry["method"], entry["path"], entry["status"]) for entry in logged]

    unhealthy = venv.run(*image.healthcheck, **container)
    assert unhealthy.returncode == 1
    assert unhealthy.stderr == f"unhealthy: http://127.0.0.1:{port}/__admin/health: Connection refused\n"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080"),
        ("::", "http://[::1]:8080"),
        ("127.0.0.2", "http://127.0.0.2:8080"),
        ("::1", "http://[::1]:8080"),
    ],
)
def test_the_health_check_calls_a_wildcard_host_on_loopback(host: str, url: str) -> None:
    assert local_url(host, 8080) == url


def test_verify_in_an_installation_without_schemathesis_says_what_to_install(venv: Venv) -> None:
    result = venv.run("mockserver", "verify", "http://127.0.0.1:8080")
    assert result.returncode == 2
    assert result.stderr == "mockserver verify needs schemathesis: pip install 'mockserver[verify]'\n"


def test_the_compose_example_runs_the_image_as_a_healthy_sidecar(image: Image) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text())
    mock, client = compose["services"]["mockserver"], compose["services"]["client"]

    assert mock["healthcheck"]["test"] == ["CMD", *image.healthcheck]
    assert any(volume.split(":")[1] == image.env["MOCKSERVER_FIXTURES"] for volume in mock["volumes"])
    assert client["depends_on"] == {"mockserver": {"condition": "service_healthy"}}
    # The client calls the vendors over HTTPS, as they must be called, by the mock's service name, which
    # the certificate names; it trusts the CA the mock keeps in the volume they share.
    base = f"https://mockserver:{image.env['MOCKSERVER_HTTPS_PORT']}"
    assert (client["environment"]["FULLFABRIC_URL"], client["environment"]["DIGITALCHALK_URL"]) == (
        base,
        f"{base}/dc/api/v5",
    )
    assert "mockserver" in mock["environment"]["MOCKSERVER_TLS_HOSTNAMES"].split()
    tls_dir = image.env["MOCKSERVER_TLS_DIR"]
    (kept,) = [volume.split(":")[0] for volume in mock["volumes"] if volume.split(":")[1] == tls_dir]
    assert kept in compose["volumes"]
    assert f"{kept}:{tls_dir}:ro" in client["volumes"]
    assert client["environment"]["SSL_CERT_FILE"] == f"{tls_dir}/ca.pem"
    known = {parameter.envvar for parameter in run.params} | {f"MOCKSERVER_{name}" for name in DEFAULTS}
    settings = {name for name in [*image.env, *mock["environment"]] if name.startswith("MOCKSERVER_")}
    assert settings <= known
    # The client is the example, built from its own folder; its container runs what its tests run.
    client_dockerfile = (ROOT / client["build"] / "Dockerfile").read_text()
    assert f"CMD {json.dumps(client['command'])}" in client_dockerfile
    assert (ROOT / client["build"] / client["command"][-1]).is_file()
