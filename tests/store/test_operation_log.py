"""The operation log of the Redis store: every process sees every write, once, in one order."""

from __future__ import annotations

import threading

import pytest
import redis

from mockserver.store.redis import OperationLog
from mockserver.store.redis.oplog import Ahead

from ..conftest import RedisServer


def test_writes_from_two_processes_are_seen_by_both_in_one_order(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.set(f"{redis_prefix}:made", b"world 1")
    first = OperationLog(client, redis_prefix)
    second = OperationLog(redis.Redis.from_url(redis_server.url), redis_prefix)
    assert first.append({"op": "a"}, b"world 1") == (1, [{"op": "a"}])
    assert second.append({"op": "b"}, b"world 1") == (2, [{"op": "a"}, {"op": "b"}])  # applied none yet
    assert first.append({"op": "c"}, b"world 1", applied=1) == (3, [{"op": "b"}, {"op": "c"}])
    assert first.since(0) == second.since(0) == [{"op": "a"}, {"op": "b"}, {"op": "c"}]
    assert second.since(2) == [{"op": "c"}] and first.since(3) == []


def test_a_write_to_a_world_made_again_since_is_refused(redis_server: RedisServer, redis_prefix: str) -> None:
    client = redis.Redis.from_url(redis_server.url)
    log = OperationLog(client, redis_prefix)
    assert log.append({"op": "a"}, b"world 1") is None  # not made at all
    client.set(f"{redis_prefix}:made", b"world 2")
    assert log.append({"op": "a"}, b"world 1") is None
    assert len(log) == 0
    assert log.append({"op": "a"}, b"world 2") == (1, [{"op": "a"}])


def test_a_session_log_lives_for_its_time_to_live(redis_server: RedisServer, redis_prefix: str) -> None:
    client = redis.Redis.from_url(redis_server.url)
    client.set(f"{redis_prefix}:made", b"world 1")
    OperationLog(client, redis_prefix, ttl_ms=60_000).append({"op": "a"}, b"world 1")
    assert 0 < client.pttl(f"{redis_prefix}:log") <= 60_000


def test_concurrent_appends_lose_nothing_and_each_has_its_place(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    logs = [OperationLog(redis.Redis.from_url(redis_server.url), redis_prefix) for _ in range(2)]
    redis.Redis.from_url(redis_server.url).set(f"{redis_prefix}:made", b"world 1")
    positions: dict[int, tuple[int, int]] = {}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def write(worker: int) -> None:
        log = logs[worker % 2]
        start.wait()
        for number in range(50):
            appended = log.append({"worker": worker, "number": number}, b"world 1")
            assert appended is not None
            position = appended[0]
            with lock:
                positions[position] = (worker, number)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = logs[0].since(0)
    assert sorted(positions) == list(range(1, 401))
    assert [(op["worker"], op["number"]) for op in everything] == [positions[p] for p in range(1, 401)]
    for worker in range(8):  # each writer's operations in the order it wrote them
        assert [op["number"] for op in everything if op["worker"] == worker] == list(range(50))


def test_a_process_ahead_of_the_log_is_told_so(redis_server: RedisServer, redis_prefix: str) -> None:
    """More applied than the log holds (a Redis restarted from an older dump): nothing is appended."""
    client = redis.Redis.from_url(redis_server.url)
    client.set(f"{redis_prefix}:made", b"world 1")
    log = OperationLog(client, redis_prefix)
    for op in "ab":
        log.append({"op": op}, b"world 1")
    with pytest.raises(Ahead):
        log.since(3)
    with pytest.raises(Ahead):
        log.append({"op": "c"}, b"world 1", applied=3)
    assert log.since(2) == [] and len(log) == 2
    assert log.compact(b"world 1", 2, {"made": "world 1", "position": 2, "state": {}})
    with pytest.raises(Ahead):
        log.since(3)
    assert log.append({"op": "c"}, b"world 1", applied=2) == (3, [{"op": "c"}])
