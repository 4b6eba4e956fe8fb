"""`/__admin/webhooks`: subscriptions of the caller's world, checked, listed, removed, and gone at reset."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from .receiver import Receiver
from .test_delivery import create_user, flush, subscribe

SESSION = {"X-Mockserver-Session": "a"}


def test_listed_and_removed(client: FlaskClient) -> None:
    added = subscribe(client, "https://hooks.example.org/dc", ["offering_completed"])
    assert added == {
        "id": added["id"],
        "api": "digitalchalk",
        "events": ["offering_completed"],
        "url": "https://hooks.example.org/dc",
        "method": "POST",
    }
    assert client.get("/__admin/webhooks").get_json() == [added]
    assert client.delete(f"/__admin/webhooks/{added['id']}").status_code == 204
    assert client.get("/__admin/webhooks").get_json() == []
    gone = client.delete(f"/__admin/webhooks/{added['id']}")
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"api": "digitalchalk", "events": ["grade_synced"], "url": "http://h/x"}, "events"),
        ({"api": "digitalchalk", "events": [], "url": "http://h/x"}, "events"),
        ({"api": "digitalchalk", "events": ["user_created"], "url": "ftp://h/x"}, "url"),
        ({"api": "digitalchalk", "events": ["user_created"], "url": "not a url"}, "url"),
        ({"api": "digitalchalk", "events": ["user_created"], "url": "http://h/x", "method": "GET"}, "method"),
        ({"api": "fullfabric", "events": ["user_created"], "url": "http://h/x"}, "api"),
    ],
)
def test_refused(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    answer = client.post("/__admin/webhooks", json=body)
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert field in answer.get_json()["errors"]
    assert client.get("/__admin/webhooks").get_json() == []


def test_sessions_keep_apart(client: FlaskClient, receiver: Receiver) -> None:
    client.post(
        "/__admin/webhooks",
        json={"api": "digitalchalk", "events": ["user_created"], "url": receiver.url},
        headers=SESSION,
    )
    assert client.get("/__admin/webhooks").get_json() == []
    create_user(client)  # in the default world: no subscriber there
    assert flush(client)["deliveries"] == []
    assert len(client.get("/__admin/webhooks", headers=SESSION).get_json()) == 1
    assert receiver.received == []


def test_reset_clears_subscriptions_and_deliveries(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    create_user(client)
    assert len(flush(client)["deliveries"]) == 1
    assert client.post("/__admin/reset").status_code == 204
    assert client.get("/__admin/webhooks").get_json() == []
    assert client.get("/__admin/webhooks/deliveries").get_json() == []


def test_flush_wait_is_bounded(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    receiver.slow_times, receiver.delay = 1, 0.3
    create_user(client)
    answer = client.post("/__admin/webhooks/flush?wait=0").get_json()
    assert answer["pending"] == 1
    assert client.post("/__admin/webhooks/flush?wait=-1").status_code == 422
