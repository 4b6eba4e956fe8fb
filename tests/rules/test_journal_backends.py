"""The request journal behaves the same in memory and in Redis: ids, order, filters, limit, the bounds
(entries and bytes), clear and restart. (The Redis one is shared by processes: the admin API reads what
any of them wrote.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from mockserver.rules.journal import Deferred, Journal
from mockserver.store.redis import RedisJournal

from ..conftest import RedisServer

Journals = Callable[..., Any]


@pytest.fixture(params=["memory", "redis"])
def make_journal(request: pytest.FixtureRequest, redis_prefix: str) -> Journals:
    """A journal of `size` entries and `max_bytes` (None: no bound), in memory or in Redis."""
    if request.param == "memory":
        return lambda size, max_bytes=None: Journal(size, max_bytes)
    server: RedisServer = request.getfixturevalue("redis_server")
    client = redis.Redis.from_url(server.url)
    return lambda size, max_bytes=None: RedisJournal(client, redis_prefix, size, max_bytes=max_bytes)


def entry(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "api": "digitalchalk",
        "method": "GET",
        "path": f"/dc/api/v5/registrations/{number}",
        "status": 200,
        "warnings": [],
        "headers": Deferred(lambda: {"Authorization": "Bearer ****"}),
        **fields,
    }


def test_entries_come_back_oldest_first_with_ids_and_deferred_values_made(make_journal: Journals) -> None:
    journal = make_journal(10)
    for number in range(3):
        journal.record(entry(number))
    got = journal.entries()
    assert [e["id"] for e in got] == [1, 2, 3]
    assert [e["path"] for e in got] == [f"/dc/api/v5/registrations/{n}" for n in range(3)]
    assert got[0]["headers"] == {"Authorization": "Bearer ****"}
    assert len(journal) == 3


def test_filters_and_limit(make_journal: Journals) -> None:
    journal = make_journal(10)
    journal.record(entry(1))
    journal.record(entry(2, method="POST", status=201, warnings=[{"parameter": "x", "message": "m"}]))
    journal.record(entry(3, api="fullfabric", status=207))
    assert [e["id"] for e in journal.entries(method="post")] == [2]
    assert [e["id"] for e in journal.entries(warnings=True)] == [2]
    assert [e["id"] for e in journal.entries(api="digitalchalk", limit=1)] == [2]
    assert [e["id"] for e in journal.entries(status=207)] == [3]
    assert [e["id"] for e in journal.entries(path="/dc/api/v5/registrations/1")] == [1]


def test_the_oldest_go_beyond_the_size(make_journal: Journals) -> None:
    journal = make_journal(3)
    for number in range(5):
        journal.record(entry(number))
    assert [e["id"] for e in journal.entries()] == [3, 4, 5]
    assert len(journal) == 3


def test_the_oldest_go_beyond_the_bytes(make_journal: Journals) -> None:
    journal = make_journal(100, max_bytes=50_000)
    for number in range(10):
        journal.record(entry(number, body="x" * 10_000))  # about 11,000 bytes each, as either counts
    assert [e["id"] for e in journal.entries()] == list(range(11 - len(journal), 11))
    assert 3 <= len(journal) <= 4
    journal.record(entry(10, body="x" * 60_000))  # more than the bound alone: not kept, nor the others
    assert journal.entries() == []
    journal.clear()
    for number in range(4):
        journal.record(entry(number, body="x" * 10_000))
    assert 3 <= len(journal) <= 4  # the bytes were given back with the entries


def test_redis_counts_the_bytes_again_when_the_list_went_without_them(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    client = redis.Redis.from_url(redis_server.url)
    journal = RedisJournal(client, redis_prefix, 100, max_bytes=50_000)
    for number in range(4):
        journal.record(entry(number, body="x" * 10_000))
    client.delete(f"{redis_prefix}:journal")  # as a reset of the world does, leaving the count
    for number in range(4):
        journal.record(entry(number, body="x" * 10_000))
    assert len(journal) == 4
    client.delete(f"{redis_prefix}:journal:bytes")  # expired apart from the list
    journal.record(entry(5, body="x" * 10_000))
    assert len(journal) == 4  # counted from the list: the oldest went


def test_clear_keeps_counting_and_restart_counts_again(make_journal: Journals) -> None:
    journal = make_journal(10)
    journal.record(entry(1))
    journal.clear()
    journal.record(entry(2))
    assert [e["id"] for e in journal.entries()] == [2]
    journal.restart()
    assert journal.entries() == [] and len(journal) == 0
    journal.record(entry(3))
    assert [e["id"] for e in journal.entries()] == [1]


def test_two_clients_of_one_redis_share_one_journal(redis_server: RedisServer, redis_prefix: str) -> None:
    first = RedisJournal(redis.Redis.from_url(redis_server.url), redis_prefix, 10)
    second = RedisJournal(redis.Redis.from_url(redis_server.url), redis_prefix, 10)
    first.record(entry(1))
    second.record(entry(2))
    assert [e["id"] for e in first.entries()] == [e["id"] for e in second.entries()] == [1, 2]
