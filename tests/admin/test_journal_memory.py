"""The journal's memory is bounded: bodies are cut when recorded, and the entries it keeps are bounded in
bytes per world (`JOURNAL_BYTES`) and, in one process, across every world (`JOURNAL_TOTAL_BYTES`)."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.config import DEFAULTS
from mockserver.rules.journal import BODY_LIMIT

from ..conftest import AUTH, COURSE, DC_LIST, UNIT_ONE_GRADE, ff_post

TEXT = {"Content-Type": "text/plain"}  # a DigitalChalk POST without a token: a 401, journaled
BIG = 10_000_000  # under MAX_CONTENT_LENGTH (10 MiB)
MIB = 1024 * 1024


def large(number: int) -> bytes:
    """A body of 100,000 bytes, of which an entry keeps 64 KiB."""
    return b"%02d" % number * 50_000


def journal(client: FlaskClient, session: str | None = None) -> list[dict[str, Any]]:
    headers = {"X-Mockserver-Session": session} if session else {}
    response = client.get("/__admin/requests", headers=headers)
    assert response.status_code == 200, response.get_json()
    entries: list[dict[str, Any]] = response.get_json()
    return entries


def post(client: FlaskClient, body: bytes, session: str | None = None) -> None:
    headers = TEXT | ({"X-Mockserver-Session": session} if session else {})
    assert client.post(DC_LIST, data=body, headers=headers).status_code == 401


def test_a_large_body_is_cut_when_recorded_not_when_read(client: FlaskClient) -> None:
    post(client, b"warm-up")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            post(client, b"x" * BIG)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Five entries of at most one cut body each (and their headers): not five bodies of 10 MB.
    assert held < 5 * (BODY_LIMIT + 16 * 1024), f"{held / MIB:.1f} MiB held by 5 entries"
    entries = journal(client)
    assert len(entries) == 6
    assert entries[-1]["body"] == "x" * BODY_LIMIT + "… (truncated)"


class TestBytesPerWorld:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "JOURNAL_BYTES": MIB}

    def test_the_oldest_entries_go_beyond_the_bytes_of_a_world(self, client: FlaskClient) -> None:
        for number in range(40):
            post(client, large(number))  # each entry keeps a cut body of 64 KiB
        entries = journal(client)
        assert 8 <= len(entries) < MIB // BODY_LIMIT  # what 1 MiB holds of them, not all 40
        assert [entry["id"] for entry in entries] == list(range(41 - len(entries), 41))  # the newest

    def test_a_session_has_a_bound_of_its_own(self, client: FlaskClient) -> None:
        for number in range(40):
            post(client, large(number), session="a")
        post(client, b"small")
        assert len(journal(client)) == 1
        assert len(journal(client, "a")) < MIB // BODY_LIMIT


class TestBytesInTotal:
    """One process's journals together: the oldest entry of any world goes first. (On the Redis store
    journals are not in the process's memory; each world's list has its bound, see docs/behaviour.md.)"""

    @pytest.fixture
    def store_config(self) -> dict[str, Any]:
        return {}  # the in-memory store

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "JOURNAL_TOTAL_BYTES": 2 * MIB}

    def test_the_oldest_entries_of_every_world_go_beyond_the_total(self, client: FlaskClient) -> None:
        for session in ("a", "b"):
            for number in range(20):
                post(client, large(number), session=session)
        kept_a, kept_b = journal(client, "a"), journal(client, "b")
        assert len(kept_a) + len(kept_b) < 2 * MIB // BODY_LIMIT  # not all 40
        assert len(kept_b) == 20  # b's are the newest: a's went first
        assert [entry["id"] for entry in kept_a] == list(range(21 - len(kept_a), 21))

    def test_an_ended_session_gives_its_bytes_back(self, client: FlaskClient) -> None:
        for number in range(20):
            post(client, large(number), session="a")
        assert client.delete("/__admin/sessions/a").status_code == 204
        gc.collect()
        for number in range(20):
            post(client, large(number), session="b")
        assert len(journal(client, "b")) == 20


REQUESTS = {
    "a list": lambda client, n: client.get(f"{DC_LIST}?limit=2&offset={n % 3}", headers=AUTH),
    "a list with a warning": lambda client, n: client.get(f"{DC_LIST}?user_id={n}", headers=AUTH),
    "a FullFabric post": lambda client, n: ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}),
    "a large body": lambda client, n: client.post(DC_LIST, data=large(n), headers=TEXT),
    "an unknown path": lambda client, n: client.get(f"/nowhere/{n}"),
}


@pytest.mark.parametrize("send", REQUESTS.values(), ids=REQUESTS.keys())
def test_the_bytes_counted_are_no_fewer_than_the_entries_hold(
    send: Callable[[FlaskClient, int], Any],
) -> None:
    """In memory (Redis counts the bytes of each entry's JSON, exactly)."""
    app = create_app({"TESTING": True})
    client = app.test_client()
    budget = app.extensions["mockserver"].journal_budget
    for number in range(20):  # caches filled, modules imported
        send(client, number)
    gc.collect()
    tracemalloc.start()
    try:
        before, counted = tracemalloc.get_traced_memory()[0], budget.bytes
        for number in range(200):
            send(client, number)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    counted = budget.bytes - counted
    assert held <= counted <= 3 * held, f"{held / 200:.0f} bytes an entry, {counted / 200:.0f} counted"


def rss_kib(pid: int) -> int:
    """The resident memory of a process and its descendants (the server's worker is forked), in KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        status = Path(f"/proc/{current}/status").read_text()
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        for task in os.listdir(f"/proc/{current}/task"):
            children = Path(f"/proc/{current}/task/{task}/children").read_text().split()
            pending.extend(int(child) for child in children)
    return total


def test_forty_posts_of_ten_megabytes_raise_rss_by_less_than_the_journal_bound(live_server: Any) -> None:
    server = live_server()
    body = b"x" * BIG
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for _ in range(3):  # the server's buffers for a large body, made once
            assert http.post(DC_LIST, content=body, headers=TEXT).status_code == 401
        before = rss_kib(server.process.pid)
        for _ in range(40):
            assert http.post(DC_LIST, content=body, headers=TEXT).status_code == 401
        after = rss_kib(server.process.pid)
        assert len(http.get("/__admin/requests").json()) == 43
    grown = (after - before) * 1024
    assert grown < DEFAULTS["JOURNAL_BYTES"], f"RSS {before} KiB → {after} KiB"
