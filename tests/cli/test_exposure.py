"""A server that other machines can reach says so at start when its admin API has no token, and the compose
example gives no token that everyone who copies it would share."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from mockserver.cli.run import beyond_loopback

from ..conftest import ROOT

WARNING = (
    "mockserver: warning: listening on {host}, beyond this machine, with no MOCKSERVER_ADMIN_TOKEN: "
    "anyone who reaches the port can change the state and failure rules through /__admin"
)


@pytest.mark.parametrize(
    ("host", "token", "warned"),
    [
        ("0.0.0.0", "", True),  # every interface, as the Docker image listens
        ("0.0.0.0", "s3cret", False),
        ("127.0.0.1", "", False),
    ],
)
def test_listening_beyond_loopback_without_an_admin_token_is_warned_of(
    live_server: Any, host: str, token: str, warned: bool
) -> None:
    server = live_server("--host", host, env={"MOCKSERVER_ADMIN_TOKEN": token})
    expected = [WARNING.format(host=host)] if warned else []
    assert [line for line in server.stderr.splitlines() if "warning" in line] == expected


@pytest.mark.parametrize(
    ("host", "beyond"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("::1", False),
        ("[::1]", False),
        ("localhost", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", True),
        ("::", True),
        ("192.168.1.20", True),
        ("mock.example.com", True),
    ],
)
def test_what_is_beyond_loopback(host: str, beyond: bool) -> None:
    assert beyond_loopback(host) is beyond


def test_the_compose_example_asks_for_an_admin_token_of_your_own() -> None:
    """It carried `change-me`: every copy of the file had the same token, known to all who read it."""
    services = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text())["services"]
    mocks = {name: service for name, service in services.items() if service.get("image") == "mockserver"}
    assert set(mocks) == {"mockserver", "mockserver-1", "mockserver-2"}
    for service in mocks.values():
        # `${NAME:?message}`: compose refuses to start without the variable set, saying the message.
        token = service["environment"]["MOCKSERVER_ADMIN_TOKEN"]
        assert re.fullmatch(r"\$\{MOCKSERVER_ADMIN_TOKEN:\?[^}]+\}", token), token
        for published in service.get("ports", []):
            assert published.startswith("127.0.0.1:"), "published on the host's loopback only"
