"""Webhooks on the Redis store, with processes played by apps in one test: subscriptions travel through
the log (and its snapshots); only the process that served a write sends its events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app

from ..conftest import AUTH, RedisServer
from .conftest import CLOCK, RETRIES, TIMEOUT
from .receiver import Receiver
from .test_delivery import flush, subscribe


@pytest.fixture
def mock(redis_server: RedisServer, redis_prefix: str) -> Callable[..., FlaskClient]:
    """A mock (as one process would be) on the test's Redis and prefix."""

    def make(**config: Any) -> FlaskClient:
        settings = {"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix, "SEED": 5}
        settings |= {"CLOCK": CLOCK, "WEBHOOK_RETRIES": RETRIES, "WEBHOOK_TIMEOUT": TIMEOUT}
        return create_app(settings | config).test_client()

    return make


def test_the_writer_sends_and_snapshots_keep_subscriptions(
    mock: Callable[..., FlaskClient], receiver: Receiver
) -> None:
    first, second = mock(LOG_SNAPSHOT_EVERY=2), mock(LOG_SNAPSHOT_EVERY=2)
    subscribe(first, receiver.url, ["user_created"])
    created = [create_user_as(second, n) for n in range(3)]  # compacted into a snapshot on the way
    assert [len(flush(app)["deliveries"]) for app in (first, second)] == [0, 3]
    assert sorted(entry["json"]["user"]["id"] for entry in receiver.received) == sorted(created)

    late = mock(LOG_SNAPSHOT_EVERY=2)  # joins from the snapshot
    assert [sub["url"] for sub in late.get("/__admin/webhooks").get_json()] == [receiver.url]
    create_user_as(late, 3)
    assert len(flush(late)["deliveries"]) == 1
    assert len(receiver.received) == 4

    assert second.post("/__admin/reset").status_code == 204
    assert first.get("/__admin/webhooks").get_json() == []


def create_user_as(client: FlaskClient, number: int) -> str:
    """A user of its own email, made through `client`; their id."""
    body = {
        "firstName": "Ada",
        "lastName": "L",
        "email": f"ada{number}@example.net",
        "password": "analytical1",
    }
    answer = client.post("/dc/api/v5/users", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.headers["Location"]).rsplit("/", 1)[-1]
