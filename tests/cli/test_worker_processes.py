"""The server's worker processes: none outlives its server, however the server ends; a dead worker is
started again on the Redis store, and stops the server, saying why, in memory."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver import pytest_plugin, testing
from mockserver.testing import HEALTH_PATH, ServerProcess, answers_ok, descendants

from ..conftest import RedisServer

Track = Callable[[ServerProcess], list[int]]


def gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie waiting to be reaped has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def workers() -> Iterator[Track]:
    """The workers of a server, noted now and killed at the end of the test if any is still running (as
    an orphan would be), so that a failing test leaves no process behind."""
    noted: list[int] = []

    def track(server: ServerProcess) -> list[int]:
        assert server.process is not None
        found = descendants(server.process.pid)
        noted.extend(found)
        return found

    yield track
    for pid in noted:
        if not gone(pid) and b"mockserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)


def prefix_of(redis_prefix: str) -> str:
    return redis_prefix.replace("[", "(").replace("]", ")")


def test_a_worker_ends_with_its_server_killed_by_sigkill(
    live_server: Any, workers: Track, tmp_path: Path
) -> None:
    """`kill -9` of `mockserver run` used to leave its worker serving on the port, where a server started
    again shared it with the orphan (36 of 40 requests reached the orphan)."""
    server = live_server()
    (worker,) = workers(server)
    server.process.kill()
    server.process.wait()
    assert wait_until(lambda: gone(worker), timeout=5), "the worker outlived its server"
    assert not answers_ok(server.url + HEALTH_PATH)

    (tmp_path / "empty").mkdir()  # no fixture files: this server has no registrations
    argv = [
        sys.executable,
        "-m",
        "mockserver",
        "run",
        "--port",
        str(server.port),
        "--fixtures",
        str(tmp_path / "empty"),
    ]
    again = ServerProcess("mockserver", argv, server.url + HEALTH_PATH)
    try:
        again.start()
        workers(again)
        with httpx.Client() as http:
            counts = [http.get(server.url + HEALTH_PATH).json()["registrations"] for _ in range(40)]
        assert all(count["digitalchalk"] == 0 for count in counts), "a request reached the old server"
    finally:
        again.close()


def test_the_plugins_stop_leaves_no_worker_when_the_server_must_be_killed(
    workers: Track, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plugin stops its server with SIGTERM, and kills it when it has not stopped in time: its workers
    must go with it. A stopped (SIGSTOP) main process stands for one that does not stop in time."""
    monkeypatch.setattr(testing, "STOP_SECONDS", 1)
    server = pytest_plugin._start_server([])
    try:
        (worker,) = workers(server)
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGSTOP)
        started = time.monotonic()
        server.close()
        assert wait_until(lambda: gone(worker), timeout=5), "the worker outlived the plugin's server"
        assert not answers_ok(server.health_url)
        assert server.process.returncode == -signal.SIGKILL
        assert time.monotonic() - started < 10
    finally:
        server.close()


def test_in_memory_a_dead_worker_stops_the_server_saying_why(live_server: Any, workers: Track) -> None:
    server = live_server()
    (worker,) = workers(server)
    os.kill(worker, signal.SIGKILL)
    assert server.process.wait(timeout=15) == 1
    assert (
        f"mockserver: worker 1 (pid {worker}) was killed by SIGKILL; its state was in memory, gone with it: "
        "the server stops (exit code 1)\n"
    ) in server.stderr


@pytest.fixture
def redis_mock(live_server: Any, redis_server: RedisServer, redis_prefix: str) -> Any:
    """`mockserver run --workers 2` on the Redis store, healthy."""
    env = {"MOCKSERVER_STORE_PREFIX": prefix_of(redis_prefix)}
    return live_server("--workers", "2", "--store", redis_server.url, env=env)


def replaced(server: ServerProcess, dead: int) -> list[int]:
    """The server's workers once the `dead` one has been replaced (two running, `dead` not among them)."""
    assert server.process is not None
    pid = server.process.pid
    running: list[int] = []

    def two_running() -> bool:
        running[:] = [child for child in descendants(pid) if not gone(child)]
        return len(running) == 2 and dead not in running

    assert wait_until(two_running, timeout=10), f"worker {dead} was not replaced:\n{server.output}"
    return running


def test_on_redis_a_dead_worker_is_started_again_and_the_state_kept(redis_mock: Any, workers: Track) -> None:
    server = redis_mock
    rule = {"name": "kept", "api": "digitalchalk", "match": {"path": "/nowhere"}, "respond": {"status": 503}}
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/__admin/failures", json=rule).status_code == 201
        first, second = workers(server)
        os.kill(first, signal.SIGKILL)
        (new,) = set(replaced(server, first)) - {second}
        workers(server)
        # Whichever worker answers, the rule made before is there: the new one caught up from Redis.
        for _ in range(20):
            answer = http.get("/__admin/failures")
            assert answer.status_code == 200 and [rule["name"] for rule in answer.json()] == ["kept"]
    assert server.process.poll() is None
    assert (
        f"mockserver: worker 1 (pid {first}) was killed by SIGKILL; worker 1 started again (pid {new}), "
        "from the store's state\n"
    ) in server.stderr

    server.process.kill()  # and the new worker, too, ends with its server
    server.process.wait()
    assert wait_until(lambda: gone(new) and gone(second), timeout=5), "a worker outlived its server"


def test_on_redis_a_worker_that_dies_again_at_once_stops_the_server(redis_mock: Any, workers: Track) -> None:
    server = redis_mock
    first, second = workers(server)
    os.kill(first, signal.SIGKILL)
    (again,) = set(replaced(server, first)) - {second}
    workers(server)
    os.kill(again, signal.SIGKILL)
    assert server.process.wait(timeout=15) == 1
    assert (
        f"mockserver: worker 1 (pid {again}) was killed by SIGKILL; it died again within seconds of being "
        "started again: the server stops (exit code 1)\n"
    ) in server.stderr
