"""What the mock's errors and logs show: no Redis password in the banner or a start-up error, no Redis
address, key name or script hash in an answer to a client (they are in the log), and no raw control
character of a request in the text log."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.cli import main

from ..conftest import AUTH, COURSE, DC_LIST, FF_AUTH, UNIT_ONE_GRADE, LiveServer, RedisServer, ff_post

PASSWORD = "s3cret-Pa55"
SCRIPT_HASH = re.compile(r"\b[0-9a-f]{40}\b")


@pytest.fixture
def guarded_redis() -> Any:
    """A Redis of this test's own that asks for a password."""
    server = RedisServer("--requirepass", PASSWORD)
    server.start()
    yield server
    server.stop()


def with_password(server: RedisServer) -> str:
    return f"redis://:{PASSWORD}@127.0.0.1:{server.port}/0"


def test_the_banner_shows_the_store_without_its_password(
    guarded_redis: RedisServer, live_server: Callable[..., LiveServer]
) -> None:
    server = live_server("--store", with_password(guarded_redis))
    assert httpx.get(f"{server.url}{DC_LIST}", headers=AUTH).status_code == 200
    server.stop()
    assert PASSWORD not in server.stdout + server.stderr
    assert f"redis://:****@127.0.0.1:{guarded_redis.port}/0" in server.stdout


@pytest.mark.parametrize(
    ("credentials", "where"),
    [("", "guarded"), ("user", "guarded"), ("", "nowhere")],
    ids=["a wrong password", "no such user", "nothing there"],
)
def test_a_start_up_error_shows_the_store_without_its_password(
    guarded_redis: RedisServer, credentials: str, where: str
) -> None:
    password = "wrong-Pa55" if credentials == "" and where == "guarded" else PASSWORD
    port = guarded_redis.port if where == "guarded" else closed_port()
    url = f"redis://{credentials}:{password}@127.0.0.1:{port}/0"
    result = CliRunner().invoke(main, ["run", "--port", str(closed_port()), "--store", url])
    assert result.exit_code == 1, result.output
    assert f"cannot use the store redis://{credentials}:****@127.0.0.1:{port}/0" in result.output
    assert password not in result.output


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def unavailable_answers(client: FlaskClient) -> list[Any]:
    """A DigitalChalk list and write, a FullFabric post and an admin request: each a 503."""
    answers = [
        client.get(DC_LIST, headers=AUTH),
        client.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH),
        ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}, headers=FF_AUTH),
        client.get("/__admin/requests"),
    ]
    assert [answer.status_code for answer in answers] == [503] * 4
    return answers


def shows_no_internals(answer: Any, *internals: str) -> None:
    text = answer.get_data(as_text=True)
    assert "store" in text  # it says what is wrong …
    for internal in internals:
        assert internal not in text  # … and not where or how
    assert SCRIPT_HASH.search(text) is None


def test_an_unreachable_store_s_503_shows_no_address(
    redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = RedisServer()
    server.start()
    try:
        app = create_app({"TESTING": True, "STORE": server.url, "STORE_PREFIX": redis_prefix})
        client = app.test_client()
        assert client.get(DC_LIST, headers=AUTH).status_code == 200
    finally:
        server.stop()
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        for answer in unavailable_answers(client):
            shows_no_internals(answer, "127.0.0.1", str(server.port), "Error", "onnect")
    assert f"127.0.0.1:{server.port}" in caplog.text  # the log says where


def test_a_store_error_s_503_shows_no_key_or_script(
    redis_server: RedisServer, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys that are not what the store wrote (another program's, say): Redis refuses the scripts."""
    app: Flask = create_app({"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix})
    client = app.test_client()
    assert client.get(DC_LIST, headers=AUTH).status_code == 200
    direct = redis.Redis.from_url(redis_server.url)
    for name in ("made", "log", "rules", "journal", "rules:version"):
        direct.delete(f"{redis_prefix}:default:{name}")
        direct.hset(f"{redis_prefix}:default:{name}", "not", "mine")
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        for answer in unavailable_answers(client):
            shows_no_internals(answer, redis_prefix, "WRONGTYPE", "EVALSHA", "script")
    assert "WRONGTYPE" in caplog.text  # the log says what


def test_the_text_log_escapes_a_request_s_control_characters(live_server: Callable[..., LiveServer]) -> None:
    server = live_server()
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/dc/api/v5/%1B%5B2J%1B%5D0%3Bowned%07%C2%9B31m", headers=AUTH).status_code == 404
        assert http.get(f"{DC_LIST}?x=%1B", headers=AUTH | {"X-Mockserver-Session": "a b"}).status_code == 200
    server.stop()
    lines = [line for line in server.stdout.splitlines() if line.startswith("GET /dc/")]
    assert len(lines) == 2
    assert "\x1b" not in server.stdout and "\x07" not in server.stdout and "\x9b" not in server.stdout
    assert lines[0].startswith("GET /dc/api/v5/\\x1b[2J\\x1b]0;owned\\x07\\x9b31m 404 ")
