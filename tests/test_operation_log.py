"""The operation log of the Redis store: every process sees every write, once, in one order."""

from __future__ import annotations

import threading

import redis

from mockserver.store.redis import OperationLog

from .conftest import RedisServer


def test_writes_from_two_processes_are_seen_by_both_in_one_order(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    first = OperationLog(redis.Redis.from_url(redis_server.url), redis_prefix)
    second = OperationLog(redis.Redis.from_url(redis_server.url), redis_prefix)
    assert first.append({"op": "a"}) == 1
    assert second.append({"op": "b"}) == 2
    assert first.since(0) == second.since(0) == [{"op": "a"}, {"op": "b"}]
    assert second.since(1) == [{"op": "b"}] and first.since(2) == []
    first.clear()
    assert len(second) == 0


def test_concurrent_appends_lose_nothing_and_each_has_its_place(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    logs = [OperationLog(redis.Redis.from_url(redis_server.url), redis_prefix) for _ in range(2)]
    positions: dict[int, tuple[int, int]] = {}
    lock = threading.Lock()
    start = threading.Barrier(8)

    def write(worker: int) -> None:
        log = logs[worker % 2]
        start.wait()
        for number in range(50):
            position = log.append({"worker": worker, "number": number})
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
    logs[0].clear()
