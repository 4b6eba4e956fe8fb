"""Failure rules behave the same in memory and in Redis: which rule fires, why, hits, `times`, `after`,
seeded `probability`, made-up ids, replacing, deleting, clearing; and in Redis, two processes (here two
clients) count into the same hits."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.rules.rules import Call, RuleSet
from mockserver.store.redis import RedisRuleSet

from ..conftest import RedisServer

PATHS = ["/dc/api/v5/registrations", "/apis/p/registrations", "/__admin/state"]
API_OF = {"/dc": "digitalchalk", "/ap": "fullfabric", "/__": "admin"}

specs = st.fixed_dictionaries(
    {"api": st.sampled_from(["fullfabric", "digitalchalk", "admin", "any"])},
    optional={
        "id": st.sampled_from(["a", "b", "rule-2"]),
        "name": st.sampled_from(["n1", "n2"]),
        "scope": st.sampled_from(["request", "item"]),
        "match": st.fixed_dictionaries(
            {},
            optional={
                "method": st.sampled_from(["GET", "post"]),
                "path": st.sampled_from([*PATHS, "/dc/*", "*"]),
                "query": st.just({"status": "passed"}),
            },
        ),
        "times": st.integers(1, 4),
        "after": st.integers(0, 3),
        "probability": st.sampled_from([0.0, 0.3, 0.7, 1.0]),
    },
)
calls = st.tuples(
    st.just("call"),
    st.tuples(
        st.sampled_from(["GET", "POST"]),
        st.sampled_from(PATHS),
        st.sampled_from([{}, {"status": "passed"}]),
        st.sampled_from(["request", "request", "item"]),
    ),
)
steps = st.lists(st.tuples(st.just("add"), specs), min_size=1, max_size=4).flatmap(
    lambda added: st.lists(
        st.one_of(
            calls,
            calls,
            calls,
            st.tuples(st.just("add"), specs),
            st.tuples(st.just("delete"), st.sampled_from(["a", "b", "rule-1", "rule-2", "rule-3"])),
            st.tuples(st.just("clear"), st.none()),
        ),
        min_size=4,
        max_size=30,
    ).map(lambda events: added + events)
)


@pytest.fixture
def client(redis_server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(redis_server.url)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, seed=st.sampled_from([3, 4]))
def test_redis_rules_do_what_memory_rules_do(
    client: redis.Redis, redis_prefix: str, steps: list[tuple[str, Any]], seed: int
) -> None:
    prefix = f"{redis_prefix}:{id(steps)}"
    memory = RuleSet(seed)
    shared = RedisRuleSet(client, prefix, seed)
    shared.reset()
    try:
        for kind, arguments in steps:
            if kind == "add":
                assert shared.add(arguments).id == memory.add(arguments).id
            elif kind == "delete":
                assert shared.delete(arguments) == memory.delete(arguments)
            elif kind == "clear":
                shared.clear()
                memory.clear()
            else:
                method, path, query, scope = arguments
                call = Call(API_OF[path[:3]], method, path, query, {})
                assert shared.may_fire(call.api, method, path, scope) == memory.may_fire(
                    call.api, method, path, scope
                )
                fired = [shared.fire(call, scope), memory.fire(call, scope)]
                assert [None if f is None else (f[0].id, f[1]) for f in fired][0] == [
                    None if f is None else (f[0].id, f[1]) for f in fired
                ][1]
            assert [rule.to_json() for rule in shared] == [rule.to_json() for rule in memory]
            assert len(shared) == len(memory)
    finally:
        shared.reset()


def test_two_processes_count_into_the_same_hits(redis_server: RedisServer, redis_prefix: str) -> None:
    first = RedisRuleSet(redis.Redis.from_url(redis_server.url), redis_prefix, None)
    first.reset([{"name": "fifty", "api": "digitalchalk", "times": 50}])
    second = RedisRuleSet(redis.Redis.from_url(redis_server.url), redis_prefix, None)
    call = Call("digitalchalk", "GET", "/dc/api/v5/registrations", {}, {})
    fired: list[int] = []
    start = threading.Barrier(8)

    def load(rules: RedisRuleSet) -> None:
        start.wait()
        fired.append(sum(rules.fire(call, "request") is not None for _ in range(20)))

    threads = [threading.Thread(target=load, args=([first, second][n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(fired) == 50
    assert [rule.hits for rule in second] == [50] and [rule.expired for rule in first] == [True]
    added = second.add({"name": "late", "api": "any"})
    assert [rule.id for rule in first] == ["rule-1", added.id]
    first.reset()
