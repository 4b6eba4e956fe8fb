"""DigitalChalk's webhooks, delivered from the app in-process: the documented payloads, in order, each
attempt journaled, a failed attempt retried, a slow subscriber given up on without the client waiting."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST
from .conftest import TIMEOUT
from .receiver import Receiver

OFFERING = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"  # the default fixtures' offering open to new users
TITLE = "Workplace Safety - Section 1"
ADA = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.net",
    "password": "analytical1",
    "username": "ada",
    "locale": "en",
}
EVENTS = ["user_created", "offering_registered", "offering_completed"]


def subscribe(client: FlaskClient, url: str, events: list[str] = EVENTS, **extra: Any) -> dict[str, Any]:
    answer = client.post(
        "/__admin/webhooks", json={"api": "digitalchalk", "events": events, "url": url, **extra}
    )
    assert answer.status_code == 201, answer.get_json()
    body: dict[str, Any] = answer.get_json()
    return body


def create_user(client: FlaskClient) -> str:
    answer = client.post("/dc/api/v5/users", json=ADA, headers=AUTH)
    assert answer.status_code == 201, answer.get_json()
    return answer.headers["Location"].rsplit("/", 1)[-1]


def register(client: FlaskClient, user_id: str) -> str:
    answer = client.post(DC_LIST, json={"userId": user_id, "offeringId": OFFERING}, headers=AUTH)
    assert answer.status_code == 201, answer.get_json()
    return answer.headers["Location"].rsplit("/", 1)[-1]


def complete(client: FlaskClient, registration_id: str, status: str, grade: float) -> None:
    """Grade a registration as the vendor's screens would: here, through the admin API's state."""
    state = client.get("/__admin/state").get_json()
    for record in state["digitalchalk"]["registrations"]:
        if record["id"] == registration_id:
            record.update(
                status=status, grade=grade, beginDate="2024-03-05T09:30:00Z", endDate="2024-03-06T10:00:00Z"
            )
    assert client.put("/__admin/state", json=state).status_code == 204


def flush(client: FlaskClient) -> dict[str, Any]:
    answer = client.post("/__admin/webhooks/flush")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.get_json()
    assert body["pending"] == 0
    return body


def test_registered_then_completed(client: FlaskClient, receiver: Receiver) -> None:
    subscription = subscribe(
        client, receiver.url, ["offering_registered", "offering_completed"], method="PUT"
    )
    user_id = create_user(client)
    registration_id = register(client, user_id)
    complete(client, registration_id, "passed", 91.5)
    delivered = flush(client)["deliveries"]

    user = {
        "id": user_id,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "username": "ada",
        "email": "ada@example.net",
        "locale": "en",
    }
    offering = {"id": OFFERING, "title": TITLE}
    registered = {
        "event": "offering_registered",
        "date": "2024-03-05T09:28:10Z",
        "source": "ADMIN",
        "user": user,
        "registration": {"id": registration_id},
        "offering": offering,
    }
    completed = {
        "event": "offering_completed",
        "date": "2024-03-05T09:28:10Z",
        "source": "ADMIN",
        "user": user,
        "registration": {
            "id": registration_id,
            "beginDate": "2024-03-05T09:30:00Z",
            "endDate": "2024-03-06T10:00:00Z",
            "grade": 91.5,
            "passed": True,
        },
        "offering": offering,
    }
    assert [entry["json"] for entry in receiver.received] == [registered, completed]
    assert {(entry["method"], entry["content_type"]) for entry in receiver.received} == {
        ("PUT", "application/json")
    }
    assert [(entry["event"], entry["attempt"], entry["status"], entry["ok"]) for entry in delivered] == [
        ("offering_registered", 1, 204, True),
        ("offering_completed", 1, 204, True),
    ]
    assert delivered[0]["payload"] == registered and delivered[0]["subscription"] == subscription["id"]
    assert delivered[0]["url"] == receiver.url and delivered[0]["method"] == "PUT"
    assert client.get("/__admin/webhooks/deliveries").get_json() == delivered


def test_user_created(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    user_id = create_user(client)
    register(client, user_id)  # not subscribed to
    flush(client)
    assert [entry["json"] for entry in receiver.received] == [
        {
            "event": "user_created",
            "date": "2024-03-05T09:28:10Z",
            "source": "ADMIN",
            "user": {
                "id": user_id,
                "firstName": "Ada",
                "lastName": "Lovelace",
                "username": "ada",
                "email": "ada@example.net",
                "locale": "en",
            },
        }
    ]


def test_failed_attempt_is_retried(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    receiver.fail_times = 1
    create_user(client)
    delivered = flush(client)["deliveries"]
    assert [(entry["attempt"], entry["status"], entry["ok"]) for entry in delivered] == [
        (1, 500, False),
        (2, 204, True),
    ]
    assert delivered[0]["error"] == "answered 500, not a 2xx"
    assert delivered[0]["event_id"] == delivered[1]["event_id"]
    assert receiver.events() == ["user_created", "user_created"]


def test_gives_up_after_the_schedule(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    receiver.fail_times = 10
    create_user(client)
    delivered = flush(client)["deliveries"]
    assert [(entry["attempt"], entry["ok"]) for entry in delivered] == [(1, False), (2, False), (3, False)]


def test_slow_subscriber_fails_and_client_does_not_wait(client: FlaskClient, receiver: Receiver) -> None:
    subscribe(client, receiver.url, ["user_created"])
    receiver.slow_times, receiver.delay = 1, TIMEOUT + 0.5
    started = time.monotonic()
    create_user(client)
    assert time.monotonic() - started < TIMEOUT
    delivered = flush(client)["deliveries"]
    assert delivered[0]["ok"] is False and delivered[0]["status"] is None
    assert delivered[0]["error"] == f"no answer within {TIMEOUT:g} s"
    assert delivered[0]["duration_ms"] >= TIMEOUT * 1000
    assert delivered[-1]["ok"] is True


@pytest.mark.parametrize("status", ["passed", "failed"])
def test_graded_fixture_registration(client: FlaskClient, receiver: Receiver, status: str) -> None:
    subscribe(client, receiver.url, ["offering_completed"])
    complete(client, "65ade781cc98d136543678191005431a", status, 40)
    flush(client)
    (event,) = [entry["json"] for entry in receiver.received]
    assert event["registration"]["passed"] is (status == "passed")
    assert event["user"]["id"] == "6629aeada89133acedfad6d7d110123d"


def test_nothing_sent_without_subscription(client: FlaskClient, receiver: Receiver) -> None:
    create_user(client)
    assert flush(client) == {"pending": 0, "deliveries": []}
    assert receiver.received == []


@pytest.mark.parametrize(("grade", "passed"), [(92, True), (41.5, False)])
def test_grading_through_the_vendor_api_sends_offering_completed(
    client: FlaskClient, receiver: Receiver, grade: float, passed: bool
) -> None:
    """The vendor's own way to complete a registration: `PUT /registrations/{id}` with a grade, passed or
    failed by the pass mark (70 in the default fixtures)."""
    subscribe(client, receiver.url, ["offering_completed"])
    registration_id = register(client, create_user(client))
    assert client.put(f"{DC_LIST}/{registration_id}", json={"grade": grade}, headers=AUTH).status_code == 204
    flush(client)
    (completed,) = [entry["json"] for entry in receiver.received]
    assert completed["registration"] | {"beginDate": None} == {
        "id": registration_id,
        "beginDate": None,
        "endDate": "2024-03-05T09:28:10Z",
        "grade": grade,
        "passed": passed,
    }
    # An ejection is no grading: nothing more is sent.
    assert (
        client.put(f"{DC_LIST}/{registration_id}", json={"status": "ejected"}, headers=AUTH).status_code
        == 204
    )
    flush(client)
    assert len(receiver.received) == 1
