"""Faults and latency as a real client sees them, over real sockets to a real server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ..conftest import AUTH, DC_LIST


def add_rule(server: Any, **spec: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/__admin/failures", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


def raw_get(server: Any, path: str) -> bytes:
    """Everything the server sends for a GET, read until it closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.fixture
def server(live_server: Any) -> Any:
    return live_server()


def test_empty_body(server: Any) -> None:
    add_rule(server, api="digitalchalk", fault="empty_body")
    response = httpx.get(f"{server.url}{DC_LIST}", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "0"
    assert response.content == b""
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_malformed_json_with_a_status(server: Any) -> None:
    add_rule(server, api="digitalchalk", fault="malformed_json", respond={"status": 200})
    response = httpx.get(f"{server.url}{DC_LIST}", headers=AUTH)
    assert response.status_code == 200
    assert response.content.startswith(b'{"results": [{"id": ')
    assert int(response.headers["content-length"]) == len(response.content)  # the HTTP message is whole
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_connection_reset_drops_the_connection_mid_response(server: Any) -> None:
    add_rule(server, api="digitalchalk", fault="connection_reset")
    with pytest.raises(
        httpx.RemoteProtocolError, match="peer closed connection without sending complete message body"
    ):
        httpx.get(f"{server.url}{DC_LIST}", headers=AUTH)

    head, _, body = raw_get(server, DC_LIST).partition(b"\r\n\r\n")
    declared = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    assert head.startswith(b"HTTP/1.1 200")
    assert 0 < len(body) < declared  # then the server closed the connection


def test_the_server_serves_on_after_a_fault(server: Any) -> None:
    add_rule(server, api="digitalchalk", fault="connection_reset", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{server.url}{DC_LIST}", headers=AUTH)
    assert httpx.get(f"{server.url}{DC_LIST}", headers=AUTH).status_code == 200


def test_faults_are_journaled(server: Any) -> None:
    add_rule(server, api="digitalchalk", fault="empty_body", name="blank")
    httpx.get(f"{server.url}{DC_LIST}", headers=AUTH)
    [entry] = httpx.get(f"{server.url}/__admin/requests").json()
    assert (entry["fault"], entry["matched_rules"][0]["name"]) == ("empty_body", "blank")


def test_latency_as_the_client_measures_it(server: Any) -> None:
    add_rule(server, api="digitalchalk", latency_ms=400, match={"query": {"status": "passed"}})
    started = time.perf_counter()
    # No upper bound on the time taken (a busy machine can always be slower), but a generous timeout:
    # latency taken as seconds rather than milliseconds would trip it.
    response = httpx.get(f"{server.url}{DC_LIST}?status=passed", headers=AUTH, timeout=30)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.4
    [entry] = httpx.get(f"{server.url}/__admin/requests").json()
    assert entry["duration_ms"] >= 400  # the server held it, too


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def test_a_request_held_by_latency_does_not_stall_the_others(server: Any) -> None:
    """While the slow requests are held by the rule, every fast one is answered: ordering, not a time."""
    latency_s = 3  # far longer than 20 fast requests take on a busy machine
    rule = add_rule(
        server, api="digitalchalk", latency_ms=latency_s * 1000, match={"query": {"status": "passed"}}
    )

    def timed(query: str) -> float:
        started = time.perf_counter()
        assert httpx.get(f"{server.url}{DC_LIST}?{query}", headers=AUTH, timeout=30).status_code == 200
        return time.perf_counter() - started

    def hits() -> int:
        return int(httpx.get(f"{server.url}/__admin/failures/{rule['id']}").json()["hits"])

    with ThreadPoolExecutor(8) as pool:
        slow = [pool.submit(timed, "status=passed") for _ in range(4)]
        wait_until(lambda: hits() == 4)  # the rule fired for each: all four are held in the server now
        fast = [pool.submit(timed, "status=failed") for _ in range(20)]
        for future in fast:
            future.result()
        assert not [future for future in slow if future.done()]  # every fast one answered meanwhile
        slow_times = [future.result() for future in slow]
    assert min(slow_times) >= latency_s
