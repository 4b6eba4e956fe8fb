"""Two mocks (as two processes would be) on one Redis: what one is told, the other knows. Rules set through
one fire on the other with one count of hits; writes through either are seen by both; one journal; a reset
through one is the other's too."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app

from .conftest import AUTH, COURSE, DC_LIST, FF_AUTH, PROFILE, UNIT_ONE_GRADE, RedisServer, ff_path, ff_post


@pytest.fixture
def pair(redis_server: RedisServer, redis_prefix: str) -> tuple[FlaskClient, FlaskClient]:
    config = {"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix, "SEED": 5}
    first, second = create_app(config), create_app(config)
    return first.test_client(), second.test_client()


def ids(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"{DC_LIST}?limit=100&{query}", headers=AUTH)
    assert response.status_code == 200
    return [registration["id"] for registration in response.get_json()["results"]]


def test_a_rule_set_through_one_fires_on_the_other(pair: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = pair
    rule = {"name": "down", "api": "digitalchalk", "respond": {"status": 503}, "times": 2}
    assert first.post("/__admin/failures", json=rule).status_code == 201
    assert [second.get(DC_LIST, headers=AUTH).status_code for _ in range(3)] == [503, 503, 200]
    assert first.get("/__admin/failures").get_json()[0]["hits"] == 2
    journal = first.get("/__admin/requests").get_json()
    assert [entry["status"] for entry in journal] == [503, 503, 200]


def test_writes_through_either_are_seen_by_both(pair: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = pair
    created = first.post(DC_LIST, json={"userId": "u-x", "offeringId": "o-x"}, headers=AUTH).get_json()
    assert ids(second, "userId=u-x") == [created["id"]]
    assert (
        second.put(f"{DC_LIST}/{created['id']}", json={"status": "ejected"}, headers=AUTH).status_code == 204
    )
    assert ids(first, "status=ejected&userId=u-x") == [created["id"]]

    posted = ff_post(second, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}).get_json()[0]["json"]
    listed = first.get(ff_path(PROFILE), headers=FF_AUTH).get_json()
    assert posted in listed

    record = {
        "id": "r-added",
        "userId": "u-added",
        "offeringId": "o",
        "status": "passed",
        "createdDate": "2024-01-01T00:00:00Z",
    }
    assert second.post("/__admin/state/digitalchalk/registrations", json=record).status_code == 201
    assert ids(first, "userId=u-added") == ["r-added"]
    assert second.post("/__admin/state/digitalchalk/registrations", json=record).status_code == 409


def test_a_reset_through_one_is_the_others_too(pair: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = pair
    before = ids(second)
    first.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH)
    first.post("/__admin/failures", json={"name": "r", "api": "fullfabric", "respond": {"status": 500}})
    assert second.post("/__admin/reset").status_code in (200, 204)
    assert ids(first) == before
    assert first.get("/__admin/failures").get_json() == []
    assert [e["id"] for e in second.get("/__admin/requests").get_json()] == [1]  # the list just asked


def test_concurrent_writers_on_both_lose_nothing(pair: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = pair
    before = len(ids(first))
    start = threading.Barrier(8)

    def create(client: FlaskClient, worker: int) -> None:
        start.wait()
        for number in range(10):
            body = {"userId": f"u-{worker}", "offeringId": f"o-{number}"}
            assert client.post(DC_LIST, json=body, headers=AUTH).status_code == 201

    threads = [
        threading.Thread(target=create, args=((first, second)[worker % 2].application.test_client(), worker))
        for worker in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [i for offset in (0, 100) for i in ids(second, f"offset={offset}")]
    assert len(everything) == before + 80 == len(set(everything))
    assert ids(first) + ids(first, "offset=100") == everything
    assert len(first.get("/__admin/requests?method=POST").get_json()) == 80


def test_two_servers_on_one_redis_share_rules_hits_and_journal(
    live_server: Any, redis_server: RedisServer, redis_prefix: str
) -> None:
    env = {"MOCKSERVER_STORE_PREFIX": redis_prefix.replace("[", "(").replace("]", ")")}
    first = live_server("--store", redis_server.url, env=env)
    second = live_server("--store", redis_server.url, "--workers", "2", env=env)
    assert "Store         redis://" in second.stdout
    rule = {"name": "once", "api": "digitalchalk", "respond": {"status": 503}, "times": 1}
    with httpx.Client() as http:
        assert http.post(f"{first.url}/__admin/failures", json=rule).status_code == 201
        statuses = [http.get(f"{second.url}{DC_LIST}", headers=AUTH).status_code for _ in range(3)]
        created = http.post(f"{second.url}{DC_LIST}", json={"userId": "u", "offeringId": "o"}, headers=AUTH)
        found = http.get(f"{first.url}{DC_LIST}?userId=u", headers=AUTH).json()["results"]
        journals = [http.get(f"{server.url}/__admin/requests").json() for server in (first, second)]
        hits = http.get(f"{first.url}/__admin/failures").json()[0]["hits"]
    assert statuses == [503, 200, 200] and hits == 1
    assert found == [created.json()]
    assert journals[0] == journals[1]
    assert [(entry["method"], entry["status"]) for entry in journals[0]] == [
        ("GET", 503),
        ("GET", 200),
        ("GET", 200),
        ("POST", 201),
        ("GET", 200),
    ]


def test_several_workers_need_the_redis_store() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mockserver", "run", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--workers 2 needs --store redis://host:port/db" in done.stderr


def test_while_redis_is_gone_requests_get_503_and_then_it_recovers(redis_prefix: str) -> None:
    server = RedisServer()
    server.start()
    try:
        app = create_app({"TESTING": True, "STORE": server.url, "STORE_PREFIX": redis_prefix})
        client = app.test_client()
        assert client.get(DC_LIST, headers=AUTH).status_code == 200
        client.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH)
        server.stop()
        gone = client.get(DC_LIST, headers=AUTH)
        assert gone.status_code == 503
        assert gone.get_json()["errors"][0].startswith("mockserver's store is unreachable")
        failed = ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
        assert (failed.status_code, failed.get_json()["error"]) == (503, "service_unavailable")
        server.start()  # back, and empty: the world is made again from the fixtures
        assert client.get(DC_LIST, headers=AUTH).status_code == 200
        assert ids(client, "userId=u") == []
        assert [entry["status"] for entry in client.get("/__admin/requests").get_json()] == [200, 200]
    finally:
        server.stop()
