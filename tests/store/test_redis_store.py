"""Two mocks (as two processes would be) on one Redis: what one is told, the other knows. Rules set through
one fire on the other with one count of hits; writes through either are seen by both; one journal; a reset
through one is the other's too."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import yaml
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.digitalchalk.commands import CreateRegistration

from ..conftest import (
    AUTH,
    COURSE,
    DC_LIST,
    FF_AUTH,
    OTHER_PROFILE,
    PROFILE,
    ROOT,
    UNIT_ONE_GRADE,
    LiveServer,
    RedisServer,
    dc_offering,
    dc_user,
    default_fixture,
    ff_path,
    ff_post,
    free_port,
)

# Who registers for what in these tests: each pair once per world (a second would be refused, as active).
USERS = ("u", "u-x", "u-a", "u-added", "u-late", "v", "w", *(f"u-{number}" for number in range(16)))
OFFERINGS = ("o", "o-x", "last", *(f"o-{number}" for number in range(10)))


@pytest.fixture
def fixtures(write_fixtures: Callable[..., Path]) -> Path:
    """The default fixtures, plus the users and offerings (always open) these tests register."""
    digitalchalk = default_fixture("digitalchalk")
    digitalchalk["users"] += [dc_user(user_id) for user_id in USERS]
    digitalchalk["offerings"] += [dc_offering(offering_id) for offering_id in OFFERINGS]
    return write_fixtures(digitalchalk=digitalchalk, fullfabric=default_fixture("fullfabric"))


@pytest.fixture
def mock(redis_server: RedisServer, redis_prefix: str, fixtures: Path) -> Callable[..., FlaskClient]:
    """A mock (as one process would be) on the test's Redis and prefix; settings as given."""

    def make(**config: Any) -> FlaskClient:
        defaults = {"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix, "SEED": 5}
        return create_app(defaults | {"FIXTURES": str(fixtures)} | config).test_client()

    return make


def new_id(response: Any) -> str:
    """The id of the registration a `201` made: the last segment of its `Location`."""
    assert response.status_code == 201
    return str(response.headers["Location"]).rsplit("/", 1)[1]


@pytest.fixture
def pair(mock: Callable[..., FlaskClient]) -> tuple[FlaskClient, FlaskClient]:
    return mock(), mock()


def ids(client: FlaskClient, query: str = "", session: str | None = None) -> list[str]:
    headers = AUTH if session is None else AUTH | {"X-Mockserver-Session": session}
    response = client.get(f"{DC_LIST}?limit=100&{query}", headers=headers)
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
    created = new_id(first.post(DC_LIST, json={"userId": "u-x", "offeringId": "o-x"}, headers=AUTH))
    assert ids(second, "userId=u-x") == [created]
    assert second.put(f"{DC_LIST}/{created}", json={"status": "ejected"}, headers=AUTH).status_code == 204
    assert ids(first, "status=ejected&userId=u-x") == [created]

    response = ff_post(second, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    assert response.status_code == 200
    posted = response.get_json()[0]["json"]
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
    assert first.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH).status_code == 201
    rule = {"name": "r", "api": "fullfabric", "respond": {"status": 500}}
    assert first.post("/__admin/failures", json=rule).status_code == 201
    assert second.post("/__admin/reset").status_code == 204
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
    live_server: Any, redis_server: RedisServer, redis_prefix: str, fixtures: Path
) -> None:
    env = {"MOCKSERVER_STORE_PREFIX": redis_prefix.replace("[", "(").replace("]", ")")}
    first = live_server("--store", redis_server.url, "--fixtures", str(fixtures), env=env)
    second = live_server("--store", redis_server.url, "--workers", "2", "--fixtures", str(fixtures), env=env)
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
    assert [registration["id"] for registration in found] == [new_id(created)]
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


def test_while_redis_is_gone_requests_get_503_and_then_it_recovers(redis_prefix: str, fixtures: Path) -> None:
    server = RedisServer()
    server.start()
    try:
        config = {
            "TESTING": True,
            "STORE": server.url,
            "STORE_PREFIX": redis_prefix,
            "FIXTURES": str(fixtures),
        }
        app = create_app(config)
        client = app.test_client()
        assert client.get(DC_LIST, headers=AUTH).status_code == 200
        assert client.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH).status_code == 201
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


def test_a_live_server_answers_503_while_redis_is_gone_and_recovers_when_it_returns() -> None:
    redis_server = RedisServer()
    redis_server.start()
    server = LiveServer("--store", redis_server.url, "--workers", "2")  # not the fixture: 503s are expected
    try:
        server.wait_healthy()
        with httpx.Client(base_url=server.url) as http:
            assert http.get(DC_LIST, headers=AUTH).status_code == 200
            redis_server.stop()
            assert [http.get(DC_LIST, headers=AUTH).status_code for _ in range(4)] == [503] * 4
            assert http.get("/__admin/health").status_code == 503  # a replica cut off is unhealthy
            redis_server.start()
            assert [http.get(DC_LIST, headers=AUTH).status_code for _ in range(4)] == [200] * 4
            assert [entry["status"] for entry in http.get("/__admin/requests").json()] == [200] * 4
    finally:
        assert server.stop() == 0
        server.close()
        redis_server.stop()


def session(name: str) -> dict[str, str]:
    return {"X-Mockserver-Session": name}


def write_a_little_of_everything(clients: list[FlaskClient]) -> None:
    """Writes of every kind, spread over `clients`, each answered as it should be."""
    for number in range(11):
        client = clients[number % len(clients)]
        body = {"userId": f"u-{number}", "offeringId": "o"}
        created = client.post(DC_LIST, json=body, headers=AUTH)
        assert created.status_code == 201
        if number % 3 == 0:
            put = client.put(created.headers["Location"], json={"grade": number}, headers=AUTH)
            assert put.status_code == 204
        if number == 4:
            item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grade_state_name": "pass"}
            assert ff_post(client, item).status_code == 200
            patch = client.patch(ff_path(PROFILE), json={"registrations": [item]}, headers=FF_AUTH)
            assert patch.status_code == 200
        if number == 7:
            record = {"id": "r-added", "userId": "u-added", "offeringId": "o", "status": "passed"}
            record["createdDate"] = "2024-01-01T00:00:00Z"
            added = client.post("/__admin/state/digitalchalk/registrations", json=record)
            assert added.status_code == 201
        assert client.put(f"{DC_LIST}/nope", json={"grade": 1}, headers=AUTH).status_code == 404


def test_a_compacted_log_gives_every_process_the_state_the_whole_log_gives(
    mock: Callable[..., FlaskClient], redis_server: RedisServer, redis_prefix: str
) -> None:
    """One world compacts its log every 4 writes, the other never; the same writes through two processes
    of each; then a process joining each late, and writes through it that make ids."""
    frozen = {"CLOCK": "2024-05-01T12:00:00Z"}
    compacted = [mock(LOG_SNAPSHOT_EVERY=4, **frozen) for _ in range(2)]
    whole = [mock(LOG_SNAPSHOT_EVERY=0, STORE_PREFIX=f"{redis_prefix}-whole", **frozen) for _ in range(2)]
    write_a_little_of_everything(compacted)
    write_a_little_of_everything(whole)

    client = redis.Redis.from_url(redis_server.url)
    base = int(client.get(f"{redis_prefix}:default:log:base") or 0)
    assert (base, client.llen(f"{redis_prefix}:default:log")) == (16, 2)  # 18 writes (a 404 writes nothing)
    assert client.exists(f"{redis_prefix}:default:snapshot")
    assert not client.exists(f"{redis_prefix}-whole:default:snapshot")

    late = (
        mock(LOG_SNAPSHOT_EVERY=4, **frozen),
        mock(LOG_SNAPSHOT_EVERY=0, STORE_PREFIX=f"{redis_prefix}-whole", **frozen),
    )
    states = [app.get("/__admin/state").get_json() for app in (*compacted, *whole, *late)]
    assert all(state == states[0] for state in states)
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
    posted = [ff_post(app, item, profile_id=OTHER_PROFILE) for app in late]
    assert [response.status_code for response in posted] == [200, 200]
    made = [response.get_json()[0]["json"]["id"] for response in posted]
    assert made[0] == made[1]  # the snapshot kept where the ObjectIds were
    created = [app.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH) for app in late]
    assert [response.status_code for response in created] == [201, 201]
    assert new_id(created[0]) == new_id(created[1])
    assert compacted[0].get("/__admin/state").get_json() == late[0].get("/__admin/state").get_json()

    # a process left behind by writes the log no longer holds goes on from the snapshot: writing …
    world = compacted[1].application.extensions["mockserver"].world()  # caught up, and then …
    for number in range(9):
        body = {"userId": "w", "offeringId": f"o-{number}"}
        assert late[0].post(DC_LIST, json=body, headers=AUTH).status_code == 201
    world.write(CreateRegistration("w", "last", 0))  # … its append finds it behind
    # … or reading
    for number in range(9):
        body = {"userId": "v", "offeringId": f"o-{number}"}
        assert late[0].post(DC_LIST, json=body, headers=AUTH).status_code == 201
    assert int(client.get(f"{redis_prefix}:default:log:base") or 0) >= 36
    expected = late[0].get("/__admin/state").get_json()
    assert compacted[0].get("/__admin/state").get_json() == expected
    assert compacted[1].get("/__admin/state").get_json() == expected


def test_sessions_are_listed_bounded_and_ended_across_processes(mock: Callable[..., FlaskClient]) -> None:
    first, second = mock(SESSIONS_MAX=2), mock(SESSIONS_MAX=2)
    created = first.post(DC_LIST, json={"userId": "u-a", "offeringId": "o"}, headers=AUTH | session("a"))
    assert created.status_code == 201
    assert ids(second, "userId=u-a") == []  # not in the default world
    assert len(ids(second, "userId=u-a", session="a")) == 1
    assert second.get(DC_LIST, headers=AUTH | session("b")).status_code == 200
    assert first.get("/__admin/sessions").get_json() == ["a", "b"]
    # a third: the least recently used, a, is ended
    assert first.get(DC_LIST, headers=AUTH | session("c")).status_code == 200
    assert second.get("/__admin/sessions").get_json() == ["b", "c"]
    assert ids(first, "userId=u-a", session="a") == []
    assert second.delete("/__admin/sessions/b").status_code == 204
    assert first.delete("/__admin/sessions/b").status_code == 404
    assert first.get("/__admin/requests", headers=session("b")).get_json() == []  # afresh


def test_every_key_of_a_session_expires_with_it(
    mock: Callable[..., FlaskClient], redis_server: RedisServer, redis_prefix: str
) -> None:
    client = mock(SESSION_TTL=600, LOG_SNAPSHOT_EVERY=2)
    store = redis.Redis.from_url(redis_server.url)
    headers = session("s")
    rule = {"name": "once", "respond": {"status": 503}, "times": 1}
    response = client.post("/__admin/failures", json=rule, headers=headers)
    assert response.status_code == 201
    created = response.get_json()
    assert client.get(DC_LIST, headers=AUTH | headers).status_code == 503
    assert client.delete(f"/__admin/failures/{created['id']}", headers=headers).status_code == 204
    assert client.post("/__admin/failures", json=rule | {"id": "chosen"}, headers=headers).status_code == 201
    assert client.get(DC_LIST, headers=AUTH | headers).status_code == 503  # it fires here, not on the write
    body = {"userId": "u", "offeringId": "o"}
    assert client.post(DC_LIST, json=body, headers=AUTH | headers).status_code == 201
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
    assert ff_post(client, item, headers=FF_AUTH | headers).status_code == 200
    frozen = client.put("/__admin/clock", json={"now": "2024-01-01T00:00:00Z"}, headers=headers)
    assert frozen.status_code == 200
    assert (frozen.get_json()["now"], frozen.get_json()["frozen"]) == ("2024-01-01T00:00:00Z", True)
    # Setting the clock writes its key afresh: it keeps a time to live (later requests would give it one
    # again, so look now).
    assert 0 < store.pttl(f"{redis_prefix}:session:s:clock") <= 600_000
    assert client.post("/__admin/reset", headers=headers).status_code == 204
    assert client.post("/__admin/failures", json=rule, headers=headers).status_code == 201
    assert client.delete("/__admin/failures", headers=headers).status_code == 204
    assert client.delete("/__admin/requests", headers=headers).status_code == 204
    for number in range(2):  # the last request compacts the log into a snapshot
        body = {"userId": "u", "offeringId": f"o-{number}"}
        assert client.post(DC_LIST, json=body, headers=AUTH | headers).status_code == 201
    keys = list(store.scan_iter(match=f"{_glob(redis_prefix)}:session:s:*"))
    assert {f"{redis_prefix}:session:s:{name}".encode() for name in ("made", "log:base", "snapshot")} <= set(
        keys
    )
    assert {key: 0 < store.pttl(key) <= 600_000 for key in keys} == dict.fromkeys(keys, True)
    assert store.pttl(f"{redis_prefix}:default:made") == -1  # the default world does not expire


def test_a_server_on_the_same_fixtures_keeps_the_world(mock: Callable[..., FlaskClient]) -> None:
    first = mock()
    created = new_id(first.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH))
    rule = {"name": "r", "api": "fullfabric", "respond": {"status": 500}}
    assert first.post("/__admin/failures", json=rule).status_code == 201
    joining = mock()
    assert ids(joining, "userId=u") == [created]
    assert len(joining.get("/__admin/failures").get_json()) == 1


def test_a_server_on_other_fixtures_makes_the_worlds_again(mock: Callable[..., FlaskClient]) -> None:
    first = mock()
    assert first.post(DC_LIST, json={"userId": "u", "offeringId": "o"}, headers=AUTH).status_code == 201
    body = {"userId": "u", "offeringId": "o"}
    assert first.post(DC_LIST, json=body, headers=AUTH | session("s")).status_code == 201
    other = mock(SEED=6)  # another seed: other ids, so another fixture set
    assert ids(other, "userId=u") == []
    assert other.get("/__admin/sessions").get_json() == []
    refused = first.get(DC_LIST, headers=AUTH)
    assert refused.status_code == 503
    assert "made from another fixture set" in refused.get_json()["errors"][0]


def test_a_write_racing_a_reset_lands_after_it(pair: tuple[FlaskClient, FlaskClient]) -> None:
    first, second = pair
    before = ids(first)
    world = second.application.extensions["mockserver"].world()  # caught up, and then …
    assert first.post("/__admin/reset").status_code == 204  # … made again through the other
    created = world.write(CreateRegistration("u-late", "o", 0))
    assert ids(first, "userId=u-late") == [created["id"]]
    assert ids(second) == [*before, created["id"]]


def test_eight_threads_on_each_of_two_servers_lose_nothing_and_a_reset_is_seen_by_both(
    live_server: Any, redis_server: RedisServer, redis_prefix: str, fixtures: Path
) -> None:
    env = {"MOCKSERVER_STORE_PREFIX": redis_prefix.replace("[", "(").replace("]", ")")}
    servers = [
        live_server("--store", redis_server.url, "--fixtures", str(fixtures), env=env) for _ in range(2)
    ]
    with httpx.Client() as http:
        before = listed(http, servers[0].url)
    start = threading.Barrier(16)
    created: list[str] = []

    def post(url: str, worker: int) -> None:
        with httpx.Client(base_url=url) as http:
            start.wait()
            for number in range(10):
                body = {"userId": f"u-{worker}", "offeringId": f"o-{number}"}
                created.append(new_id(http.post(DC_LIST, json=body, headers=AUTH)))

    threads = [threading.Thread(target=post, args=(servers[worker % 2].url, worker)) for worker in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == len(set(created)) == 160
    with httpx.Client() as http:
        for server in servers:
            everything = listed(http, server.url)
            assert everything[: len(before)] == before and sorted(everything[len(before) :]) == sorted(
                created
            )
            for worker in range(16):
                query = f"?userId=u-{worker}&limit=100"
                mine = http.get(f"{server.url}{DC_LIST}{query}", headers=AUTH).json()["results"]
                assert sorted(r["offeringId"] for r in mine) == sorted(f"o-{n}" for n in range(10))
            assert len(http.get(f"{server.url}/__admin/requests?method=POST").json()) == 160
        assert http.post(f"{servers[0].url}/__admin/reset").status_code == 204
        assert [listed(http, server.url) for server in servers] == [before, before]
        for server in servers:  # one journal, begun again: the two lists just asked
            journal = http.get(f"{server.url}/__admin/requests").json()
            assert [(entry["id"], entry["method"], entry["status"]) for entry in journal] == [
                (1, "GET", 200),
                (2, "GET", 200),
            ]


def test_the_compose_example_s_scaled_variant_shares_one_truth_between_its_replicas(
    live_server: Any, redis_server: RedisServer, redis_prefix: str
) -> None:
    """The compose file's two replicas, each with the environment the file gives it (Redis at this test's
    server), and its client run as the file runs it: it reads through one replica and writes through the
    other. (No docker engine here: the image itself is tested in test_wheel.py.)"""
    services = yaml.safe_load((ROOT / "docker-compose.example.yml").read_text())["services"]
    replicas = [services["mockserver-1"], services["mockserver-2"]]
    assert replicas[0] == replicas[1] and "redis" in replicas[0]["depends_on"]
    environment = dict(replicas[0]["environment"])
    assert (
        environment["MOCKSERVER_STORE"] == "redis://redis:6379/0"
        and int(environment["MOCKSERVER_WORKERS"]) > 1
    )
    environment["MOCKSERVER_STORE"] = redis_server.url
    # The file asks whoever runs it for a token of their own (`${MOCKSERVER_ADMIN_TOKEN:?…}`): this test's.
    environment["MOCKSERVER_ADMIN_TOKEN"] = "token-of-this-test"
    environment["MOCKSERVER_STORE_PREFIX"] = redis_prefix.replace("[", "(").replace("]", ")")
    servers = {name: live_server(env=environment) for name in ("mockserver-1", "mockserver-2")}

    client = services["client-scaled"]
    assert set(client["depends_on"]) == set(servers)
    env = dict(client["environment"])
    for name, server in servers.items():
        env = {key: value.replace(f"http://{name}:8080", server.url) for key, value in env.items()}
    reads, writes = servers["mockserver-2"].url, servers["mockserver-1"].url
    assert (env["DIGITALCHALK_URL"], env["FULLFABRIC_URL"]) == (f"{reads}/dc/api/v5", writes)
    command = [sys.executable if part == "python" else part for part in client["command"]]
    done = subprocess.run(
        command,
        cwd=ROOT / client["build"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT / client["build"])},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    synced = json.loads(done.stdout)["synced"]
    assert synced
    admin = {"Authorization": f"Bearer {environment['MOCKSERVER_ADMIN_TOKEN']}"}
    with httpx.Client() as http:  # the posts through one replica are in the other's state and journal
        posts = http.get(f"{reads}/__admin/requests?api=fullfabric&method=POST", headers=admin).json()
        state = http.get(f"{reads}/__admin/state", headers=admin).json()
    assert posts and all(entry["status"] in (200, 207) for entry in posts)
    registered = {entry["registration"]["id"] for entry in state["fullfabric"]["transcripts"]}
    assert set(synced.values()) <= registered


def test_the_readme_s_scaling_out_example_runs_as_shown(tmp_path: Path) -> None:
    """docs/running.md's commands, pasted into a shell (on free ports): the rule set through one server fires
    on the other, and the first server's journal has the request."""
    section = (ROOT / "docs" / "running.md").read_text().split("## Scaling out", 1)[1]
    commands = re.search(r"```sh\n(.*?)```", section, re.S)
    assert commands
    script = commands[1]
    for port in ("6379", "8080", "8081"):
        script = script.replace(port, str(free_port()))
    script = script.replace(".venv/bin/mockserver", f"{sys.executable} -m mockserver")
    output = tmp_path / "output"
    with output.open("w") as out:  # the servers write there too, and go on after the script
        shell = subprocess.Popen(
            ["bash", "-c", f"{script}\necho '~done~'"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while "~done~" not in output.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            os.killpg(shell.pid, signal.SIGTERM)
            shell.wait(timeout=10)
    printed = output.read_text().splitlines()
    assert "~done~" in printed
    lines = [line for line in printed if line.startswith(("{", "[")) or line.isdigit()]
    rule, status, journal = json.loads(lines[0]), lines[1].split()[0], json.loads(lines[2])
    assert (rule["times"], rule["hits"], status) == (1, 0, "503")
    assert [(entry["method"], entry["status"]) for entry in journal] == [("GET", 503)]


def listed(http: httpx.Client, url: str) -> list[str]:
    """The ids of every registration a live server lists, page by page."""
    found: list[str] = []
    while True:
        page = http.get(f"{url}{DC_LIST}?limit=100&offset={len(found)}", headers=AUTH).json()["results"]
        found += [registration["id"] for registration in page]
        if len(page) < 100:
            return found


def _glob(prefix: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", prefix)
