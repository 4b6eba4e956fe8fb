"""Webhooks from real server processes: one on the memory store, and two sharing a Redis, where each
event is delivered once, by the process that made the write."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from ..conftest import AUTH, DC_LIST, RedisServer
from .conftest import CLOCK, RETRIES, TIMEOUT
from .receiver import Receiver
from .test_delivery import ADA, OFFERING

ENV = {
    "MOCKSERVER_WEBHOOK_RETRIES": json.dumps(RETRIES),
    "MOCKSERVER_WEBHOOK_TIMEOUT": str(TIMEOUT),
}
ARGS = ("--seed", "7", "--clock", CLOCK)


def subscribe(http: httpx.Client, url: str, events: list[str]) -> None:
    body = {"api": "digitalchalk", "events": events, "url": url}
    assert http.post(f"{url_of(http)}/__admin/webhooks", json=body).status_code == 201


def url_of(http: httpx.Client) -> str:
    return str(http.base_url).rstrip("/")


def flow(first: httpx.Client, second: httpx.Client) -> str:
    """Create a user through `first`, register them through `second`, grade the registration through
    `first`; the registration's id."""
    created = first.post("/dc/api/v5/users", json=ADA, headers=AUTH)
    assert created.status_code == 201
    user_id = created.headers["Location"].rsplit("/", 1)[-1]
    registered = second.post(DC_LIST, json={"userId": user_id, "offeringId": OFFERING}, headers=AUTH)
    assert registered.status_code == 201
    registration_id = registered.headers["Location"].rsplit("/", 1)[-1]
    state = first.get("/__admin/state").json()
    for record in state["digitalchalk"]["registrations"]:
        if record["id"] == registration_id:
            record.update(status="passed", grade=80)
    assert first.put("/__admin/state", json=state).status_code == 204
    return registration_id


def flushed(http: httpx.Client) -> list[dict[str, Any]]:
    answer = http.post("/__admin/webhooks/flush").json()
    assert answer["pending"] == 0
    deliveries: list[dict[str, Any]] = answer["deliveries"]
    return deliveries


def test_one_process(live_server: Any, receiver: Receiver) -> None:
    server = live_server(*ARGS, env=ENV)
    with httpx.Client(base_url=server.url) as http:
        subscribe(http, receiver.url, ["user_created", "offering_registered", "offering_completed"])
        receiver.slow_times, receiver.delay = 1, TIMEOUT + 1  # the first delivery times out
        started = time.monotonic()
        registration_id = flow(http, http)
        assert time.monotonic() - started < TIMEOUT + 1  # no call waited for the slow subscriber
        deliveries = flushed(http)
    attempts = {
        name: [(entry["attempt"], entry["ok"]) for entry in deliveries if entry["event"] == name]
        for name in ("user_created", "offering_registered", "offering_completed")
    }
    assert attempts == {
        "user_created": [(1, False), (2, True)],
        "offering_registered": [(1, True)],
        "offering_completed": [(1, True)],
    }
    events = receiver.events()
    assert events.index("offering_registered") < events.index("offering_completed")
    (completed,) = [
        entry["json"] for entry in receiver.received if entry["json"]["event"] == "offering_completed"
    ]
    assert completed["registration"]["id"] == registration_id
    assert completed["registration"]["passed"] is True and completed["registration"]["grade"] == 80


def test_two_processes_on_redis_deliver_each_event_once(
    live_server: Any, redis_server: RedisServer, redis_prefix: str, receiver: Receiver
) -> None:
    env = {**ENV, "MOCKSERVER_STORE_PREFIX": redis_prefix.replace("[", "(").replace("]", ")")}
    servers = [live_server(*ARGS, "--store", redis_server.url, env=env) for _ in range(2)]
    with httpx.Client(base_url=servers[0].url) as first, httpx.Client(base_url=servers[1].url) as second:
        subscribe(first, receiver.url, ["user_created", "offering_registered", "offering_completed"])
        assert len(second.get("/__admin/webhooks").json()) == 1  # seen by the other process too
        flow(first, second)
        delivered = [entry["event"] for http in (first, second) for entry in flushed(http)]
    assert sorted(delivered) == ["offering_completed", "offering_registered", "user_created"]
    time.sleep(0.2)  # nothing more arrives
    assert sorted(receiver.events()) == ["offering_completed", "offering_registered", "user_created"]
