"""Clients that announce a body and stall: over real sockets, against a real `mockserver run`.

Reading a body cannot be timed out on the server; what the mock guarantees is that stalled bodies never
take the threads that answer everything else, and that they let go when their clients leave."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager

import h2.config
import h2.connection
import h2.events
import httpx

from ..conftest import LiveServer

POST_PATH = "/dc/api/v5/registrations"
HEADERS = {"Authorization": "Bearer token", "Content-Type": "application/json"}
ANNOUNCED = 100  # each staller announces this many bytes and sends one


def _stalled_http1(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    head = f"POST {POST_PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {ANNOUNCED}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
    sock.sendall(head.encode() + b"\r\n{")
    return sock


def _stalled_http2(port: int) -> socket.socket:
    """A stream of HTTP/2 (cleartext, prior knowledge) that sends one byte of its body."""
    sock = socket.create_connection(("127.0.0.1", port))
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    stream = connection.get_next_available_stream_id()
    headers = [(":method", "POST"), (":path", POST_PATH), (":scheme", "http"), (":authority", "localhost")]
    headers += [("content-length", str(ANNOUNCED))] + [(name.lower(), v) for name, v in HEADERS.items()]
    connection.send_headers(stream, headers)
    connection.send_data(stream, b"{")
    sock.sendall(connection.data_to_send())
    return sock


@contextmanager
def _stallers(port: int, *kinds: Callable[[int], socket.socket]) -> Iterator[list[socket.socket]]:
    """The stalled clients, connected for the `with` block and gone (connections closed) after it."""
    with ExitStack() as stack:
        yield [stack.enter_context(closing(kind(port))) for kind in kinds]


def _seconds_to_answer(url: str, **kwargs: object) -> float:
    """How long `url` took to answer 200; 99 when it did not answer in 2 s."""
    started = time.monotonic()
    try:
        response = httpx.get(url, timeout=2, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        return 99.0
    assert response.status_code == 200, response.text
    return time.monotonic() - started


def test_health_and_lists_answer_while_sixteen_bodies_stall_over_both_http_versions() -> None:
    server = LiveServer("--http", "auto")
    try:
        server.wait_healthy()
        health = server.url + "/__admin/health"
        with _stallers(server.port, *[_stalled_http2] * 8, *[_stalled_http1] * 8):
            waits = []
            for _ in range(15):  # 3 s of the stall
                waits.append(_seconds_to_answer(health))
                time.sleep(0.2)
            during_list = _seconds_to_answer(server.url + POST_PATH, headers=HEADERS)
        time.sleep(0.2)
        after_list = _seconds_to_answer(server.url + POST_PATH, headers=HEADERS)
        created = httpx.post(
            server.url + POST_PATH,
            headers=HEADERS,
            json={"userId": "u-1", "courseId": "c-1"},
            timeout=2,
        )
    finally:
        server.stop()
        server.close()
    assert max(waits) < 1, f"health took {max(waits):.2f} s at worst"
    assert during_list < 1, f"a list during the stall took {during_list:.2f} s"
    assert after_list < 1, f"a list after the stallers left took {after_list:.2f} s"
    assert created.status_code < 500, created.text  # the readers were all given back


def test_a_body_that_finds_every_reader_stalled_is_answered_503_soon() -> None:
    server = LiveServer("--threads", "2")  # 2 readers and 2 places to wait
    try:
        server.wait_healthy()
        with _stallers(server.port, *[_stalled_http1] * 4):
            time.sleep(0.3)
            started = time.monotonic()
            refused = httpx.post(server.url + POST_PATH, headers=HEADERS, content=b"{}", timeout=5)
            took = time.monotonic() - started
            health = httpx.get(server.url + "/__admin/health", timeout=1)
    finally:
        server.stop()
        server.close()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["Content-Type"].startswith("application/json")  # DigitalChalk's error shape
    assert "request bodies" in json.dumps(refused.json())
    assert took < 1, f"refused after {took:.2f} s"  # no place to wait was free: at once
    assert health.status_code == 200


def test_http2_is_served_only_when_asked_for() -> None:
    """By default HTTP/1.1 only: an HTTP/2 client by prior knowledge gets no HTTP/2 answer."""

    def speaks_http2(port: int) -> bool:
        with closing(socket.create_connection(("127.0.0.1", port), timeout=2)) as sock:
            connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            connection.initiate_connection()
            sock.sendall(connection.data_to_send())
            try:
                data = sock.recv(65536)
                events = connection.receive_data(data) if data else []
            except (OSError, h2.exceptions.ProtocolError):
                return False
            return any(isinstance(event, h2.events.RemoteSettingsChanged) for event in events)

    default = LiveServer()
    asked = LiveServer("--http", "auto")
    try:
        default.wait_healthy()
        asked.wait_healthy()
        assert not speaks_http2(default.port)
        assert speaks_http2(asked.port)
    finally:
        for server in (default, asked):
            server.stop()
            server.close()
