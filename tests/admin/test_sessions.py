"""Sessions: a request with X-Mockserver-Session sees its own state, rules and journal."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import AUTH, COURSE, DC_LIST, OTHER_PROFILE, UNIT_ONE_GRADE, ff_path, ff_post

ITEM = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}


def session(name: str) -> dict[str, str]:
    return {"X-Mockserver-Session": name}


def test_a_session_starts_from_the_fixtures_and_keeps_its_own_state(client: FlaskClient, world: Any) -> None:
    headers = {"FF-Auth": "t"} | session("a")
    first = ff_post(client, ITEM, profile_id=OTHER_PROFILE, headers=headers).get_json()[0]["json"]
    again = ff_post(client, ITEM, profile_id=OTHER_PROFILE, headers=headers).get_json()[0]["json"]
    assert again["id"] == first["id"]  # the session remembers its registration
    assert len(world.state("fullfabric").transcripts.registrations()) == 1  # the default world is untouched
    elsewhere = ff_post(client, ITEM, profile_id=OTHER_PROFILE, headers={"FF-Auth": "t"} | session("b"))
    assert elsewhere.get_json()[0]["json"]["id"] != first["id"]


def test_rules_and_journal_are_per_session(client: FlaskClient) -> None:
    assert (
        client.post("/__admin/failures", json={"respond": {"status": 503}}, headers=session("a")).status_code
        == 201
    )
    assert client.get(DC_LIST, headers=AUTH | session("a")).status_code == 503
    assert client.get(DC_LIST, headers=AUTH | session("b")).status_code == 200
    assert client.get(DC_LIST, headers=AUTH).status_code == 200
    assert [
        entry["status"] for entry in client.get("/__admin/requests", headers=session("a")).get_json()
    ] == [503]
    assert [
        entry["session"] for entry in client.get("/__admin/requests", headers=session("b")).get_json()
    ] == ["b"]
    assert client.get("/__admin/failures", headers=session("b")).get_json() == []


def test_reset_of_a_session_leaves_the_others(client: FlaskClient) -> None:
    for name in ("a", "b"):
        client.get(DC_LIST, headers=AUTH | session(name))
    client.post("/__admin/reset", headers=session("a"))
    assert client.get("/__admin/requests", headers=session("a")).get_json() == []
    assert len(client.get("/__admin/requests", headers=session("b")).get_json()) == 1


def test_sessions_are_listed_and_ended(client: FlaskClient) -> None:
    client.get(DC_LIST, headers=AUTH | session("a"))
    client.get(DC_LIST, headers=AUTH | session("b"))
    assert client.get("/__admin/sessions").get_json() == ["a", "b"]
    assert client.delete("/__admin/sessions/a").status_code == 204
    assert client.get("/__admin/sessions").get_json() == ["b"]
    assert client.delete("/__admin/sessions/a").status_code == 404
    # Coming back starts afresh from the fixtures.
    assert client.get("/__admin/requests", headers=session("a")).get_json() == []


def test_a_path_prefix_names_the_session_instead_of_the_header(client: FlaskClient, world: Any) -> None:
    prefix = "/__session/run-1"
    posted = ff_post(client, ITEM, profile_id=OTHER_PROFILE, headers={"FF-Auth": "t"}, prefix=prefix)
    assert posted.status_code == 200
    assert len(world.state("fullfabric").transcripts.registrations()) == 1  # not in the default world
    journal = client.get("/__admin/requests", headers=session("run-1")).get_json()
    assert [(entry["session"], entry["path"]) for entry in journal] == [("run-1", ff_path(OTHER_PROFILE))]
    assert client.get(f"{prefix}/__admin/requests").get_json() == journal


def test_links_keep_the_session_prefix(client: FlaskClient) -> None:
    body = client.get(f"/__session/run-1{DC_LIST}?limit=2", headers=AUTH).get_json()
    assert body["next"] == f"http://localhost/__session/run-1{DC_LIST}?limit=2&offset=2"
    following = client.get(body["next"], headers=AUTH).get_json()
    assert following["prev"] == f"http://localhost/__session/run-1{DC_LIST}?limit=2&offset=0"


class TestBounded:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "SESSIONS_MAX": 2}

    def test_the_least_recently_used_session_is_ended(self, client: FlaskClient) -> None:
        for name in ("a", "b", "a", "c"):
            client.get(DC_LIST, headers=AUTH | session(name))
        assert client.get("/__admin/sessions").get_json() == ["a", "c"]


class SteppedClock:
    """A monotonic clock that moves only when the test moves it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestExpiry:
    TTL = 3

    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "SESSION_TTL": self.TTL}

    @pytest.mark.parametrize("store_config", ["memory"], indirect=True)
    def test_a_session_unused_for_its_time_to_live_ends(self, app: Flask, client: FlaskClient) -> None:
        start = 1000.0
        clock = SteppedClock(start)
        app.extensions["mockserver"].monotonic = clock
        rule = {"name": "down", "respond": {"status": 503}}
        for name in ("a", "b"):
            assert client.post("/__admin/failures", json=rule, headers=session(name)).status_code == 201
        clock.now = start + 1.5
        assert client.get(DC_LIST, headers=AUTH | session("a")).status_code == 503  # used: it lives on
        clock.now = start + 2.999  # b unused for just under its time to live, a for 1.499 s
        assert client.get("/__admin/sessions").get_json() == ["b", "a"]
        clock.now = start + 3  # b unused for its time to live, a for 1.5 s
        assert client.get("/__admin/sessions").get_json() == ["a"]
        self.check_a_lives_on_and_b_comes_back_afresh(client)

    @pytest.mark.parametrize("store_config", ["redis"], indirect=True)
    def test_a_session_unused_for_its_time_to_live_ends_in_redis(self, client: FlaskClient) -> None:
        """Redis expires keys by its wall clock: wait until it has ended b, using a all the while, so that
        a is never near its time to live (and, made before b, would end first if using it did not count)."""
        rule = {"name": "down", "respond": {"status": 503}}
        assert client.post("/__admin/failures", json=rule, headers=session("a")).status_code == 201
        b_unused_since = time.monotonic()
        assert client.post("/__admin/failures", json=rule, headers=session("b")).status_code == 201
        assert client.get(DC_LIST, headers=AUTH | session("a")).status_code == 503
        deadline = b_unused_since + self.TTL + 30
        while True:
            assert client.get("/__admin/failures", headers=session("a")).status_code == 200  # a use of a
            listed = client.get("/__admin/sessions").get_json()
            if listed == ["a"]:
                break
            assert listed == ["b", "a"]
            assert time.monotonic() < deadline, "b did not end"
            time.sleep(0.05)
        assert time.monotonic() - b_unused_since >= self.TTL  # not before its time
        self.check_a_lives_on_and_b_comes_back_afresh(client)

    @staticmethod
    def check_a_lives_on_and_b_comes_back_afresh(client: FlaskClient) -> None:
        assert [
            rule["hits"] for rule in client.get("/__admin/failures", headers=session("a")).get_json()
        ] == [1]
        # b comes back made afresh from the fixtures: no rule, an empty journal
        assert client.get(DC_LIST, headers=AUTH | session("b")).status_code == 200
        assert [
            entry["status"] for entry in client.get("/__admin/requests", headers=session("b")).get_json()
        ] == [200]


def test_parallel_workers_on_one_server_do_not_see_each_other(live_server: Any) -> None:
    server = live_server()

    def worker(number: int) -> tuple[list[str], list[int], int]:
        name = f"worker-{number}"
        with httpx.Client(base_url=server.url, headers=session(name)) as client:
            if number % 2:  # odd workers make unit …05dc fail; even ones must never see that rule
                client.post(
                    "/__admin/failures",
                    json={
                        "api": "fullfabric",
                        "scope": "item",
                        "match": {"unit_id": UNIT_ONE_GRADE},
                        "respond": {"status": 422},
                    },
                )
            ids, statuses = [], []
            for _ in range(10):
                response = client.post(
                    ff_path(OTHER_PROFILE), json={"registrations": [ITEM]}, headers={"FF-Auth": "t"}
                )
                statuses.append(response.status_code)
                ids.append(response.json()[0]["json"].get("id"))
            return ids, statuses, len(client.get("/__admin/requests").json())

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))

    for number, (ids, statuses, journaled) in enumerate(results):
        assert journaled == 10
        if number % 2:
            assert statuses == [207] * 10
        else:
            assert statuses == [200] * 10
            assert len(set(ids)) == 1  # one registration, updated in place, in this session only
    even_ids = {results[number][0][0] for number in range(0, 8, 2)}
    assert len(even_ids) == 4  # each session registered its own
    assert httpx.get(f"{server.url}/__admin/requests").json() == []  # nothing in the default world
