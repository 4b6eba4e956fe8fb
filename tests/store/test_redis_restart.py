"""A Redis that restarts from an older snapshot of its data (its default persistence, or a lagging replica
promoted): every process joins the world as Redis now holds it, and they agree from then on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from mockserver.app import create_app

from ..conftest import (
    AUTH,
    COURSE,
    DC_LIST,
    OTHER_PROFILE,
    UNIT_ONE_GRADE,
    NoServerErrorsClient,
    RedisServer,
    dc_offering,
    dc_user,
    default_fixture,
    ff_post,
)

# The users who register (for offering `o`; `next` for one `next-<n>` per process) and those offerings.
USERS = ("u1", "u2", "u3", "lost-1", "lost-2", "after-1", "after-2", "next")
OFFERINGS = ("o", "next-0", "next-1", "next-2")


class SnapshottedRedis(RedisServer):
    """A real `redis-server` that keeps its data in a dump file (saved when told) and can be killed and
    started again from it, as one that crashed and restarted would be."""

    def __init__(self, folder: Path) -> None:
        super().__init__("--dir", str(folder), "--dbfilename", "dump.rdb")

    def save(self) -> None:
        redis.Redis.from_url(self.url).save()

    def crash_and_restart(self) -> None:
        """Killed (nothing saved), then started again on the same port from the last dump."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        self.start()


@pytest.fixture
def snapshotted(tmp_path: Path) -> Iterator[SnapshottedRedis]:
    server = SnapshottedRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mock(snapshotted: SnapshottedRedis, write_fixtures: Callable[..., Path]) -> Callable[..., FlaskClient]:
    """A mock (as one process would be) on the snapshotted Redis, answering no 5xx unasked; the default
    fixtures, plus USERS and OFFERINGS."""
    digitalchalk = default_fixture("digitalchalk")
    digitalchalk["users"] += [dc_user(user_id) for user_id in USERS]
    digitalchalk["offerings"] += [dc_offering(offering_id) for offering_id in OFFERINGS]
    fixtures = str(write_fixtures(digitalchalk=digitalchalk, fullfabric=default_fixture("fullfabric")))

    def make() -> FlaskClient:
        app = create_app(
            {
                "TESTING": True,
                "STORE": snapshotted.url,
                "SEED": 5,
                "CLOCK": "2024-05-01T12:00:00Z",
                "FIXTURES": fixtures,
            }
        )
        app.test_client_class = NoServerErrorsClient
        return app.test_client()

    return make


def create(client: FlaskClient, user: str, offering: str = "o") -> str:
    response = client.post(DC_LIST, json={"userId": user, "offeringId": offering}, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    made: str = response.headers["Location"].rsplit("/", 1)[1]
    return made


def state(client: FlaskClient) -> Any:
    response = client.get("/__admin/state")
    assert response.status_code == 200
    return response.get_json()


def users(client: FlaskClient) -> list[str]:
    response = client.get(f"{DC_LIST}?limit=100&offeringId=o", headers=AUTH)
    assert response.status_code == 200
    return sorted(registration["userId"] for registration in response.get_json()["results"])


def agree(*clients: FlaskClient) -> None:
    """Every process holds the same state, and makes the same ids next."""
    states = [state(client) for client in clients]
    assert all(each == states[0] for each in states)
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
    for client in clients:
        assert ff_post(client, item, profile_id=OTHER_PROFILE).status_code == 200
    made = [create(client, "next", f"next-{index}") for index, client in enumerate(clients)]
    assert len(set(made)) == len(made)  # each a write of its own …
    final = [state(client) for client in clients]
    assert all(each == final[0] for each in final)  # … applied by every process in one order


def test_a_process_ahead_of_a_restarted_log_joins_it_again(
    mock: Callable[..., FlaskClient], snapshotted: SnapshottedRedis
) -> None:
    """The log is shorter than what one process applied: its writes after the dump are gone from Redis."""
    ahead, behind = mock(), mock()
    for user in ("u1", "u2", "u3"):
        create(ahead, user)
    assert users(behind) == ["u1", "u2", "u3"]
    snapshotted.save()
    create(ahead, "lost-1")
    create(ahead, "lost-2")
    snapshotted.crash_and_restart()

    create(behind, "after-1")  # the log's 4th write, again
    create(ahead, "after-2")  # a process that applied 5: its append lands 5th
    expected = ["after-1", "after-2", "u1", "u2", "u3"]
    assert users(ahead) == users(behind) == users(mock()) == expected
    agree(ahead, behind, mock())


def test_a_process_whose_writes_were_replaced_after_a_restart_joins_it_again(
    mock: Callable[..., FlaskClient], snapshotted: SnapshottedRedis
) -> None:
    """The log is as long again as what one process applied, but other writes: Redis' run_id changed.
    Rules too: their version counts again from the dump's, to the number one process already knows."""
    ahead, behind = mock(), mock()
    create(ahead, "u1")
    assert users(behind) == ["u1"]
    snapshotted.save()
    create(ahead, "lost-1")
    create(ahead, "lost-2")
    teapot = {"api": "admin", "match": {"path": "/__admin/clock"}, "respond": {"status": 418}}
    assert ahead.post("/__admin/failures", json=teapot | {"name": "lost"}).status_code == 201
    assert ahead.get("/__admin/clock").status_code == 418
    snapshotted.crash_and_restart()

    create(behind, "after-1")
    create(behind, "after-2")
    down = {"api": "digitalchalk", "match": {"method": "GET"}, "respond": {"status": 429}}
    assert behind.post("/__admin/failures", json=down | {"name": "kept"}).status_code == 201
    for client in (ahead, behind, mock()):
        assert client.get("/__admin/clock").status_code == 200
        assert client.get(DC_LIST, headers=AUTH).status_code == 429
        assert [rule["name"] for rule in client.get("/__admin/failures").get_json()] == ["kept"]
    assert behind.delete("/__admin/failures").status_code == 204
    expected = ["after-1", "after-2", "u1"]
    assert users(ahead) == users(behind) == users(mock()) == expected
    agree(ahead, behind, mock())


def test_a_log_shorter_than_applied_is_joined_again_on_the_same_server(
    mock: Callable[..., FlaskClient], snapshotted: SnapshottedRedis
) -> None:
    """A server that tells nothing of its past (a promoted replica behind a proxy, say): the log alone
    says that a process applied writes Redis no longer holds."""
    ahead, behind = mock(), mock()
    for user in ("u1", "lost-1", "lost-2"):
        create(ahead, user)
    assert users(behind) == ["lost-1", "lost-2", "u1"]
    redis.Redis.from_url(snapshotted.url).ltrim("mockserver:default:log", 0, 0)
    create(behind, "after-1")  # behind applied 3: the log is shorter
    create(ahead, "after-2")
    assert users(ahead) == users(behind) == users(mock()) == ["after-1", "after-2", "u1"]
    agree(ahead, behind, mock())
