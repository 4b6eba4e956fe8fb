"""Repeated DigitalChalk list requests: answered from the table's kept answer, before Flask, exactly as the
view answers them — same status, headers, body, warnings and journal entry — and never when something
could change the answer (a failure rule, a refused token, a new state)."""

from __future__ import annotations

from typing import Any

import httpx
from flask import Flask, request_started
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from mockserver.app import create_app

from ..conftest import AUTH, DC_LIST, DC_OPEN_OFFERING, DC_USER

VOLATILE = ("id", "time", "duration_ms")
CREATED = "2024-03-05T09:28:10Z"


def _answer(client: Client, url: str, headers: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
    response = client.get(url, headers=headers)
    return response.status, list(response.headers.items()), response.get_data()


def _dispatched(app: Flask) -> list[object]:
    """Requests that reach Flask from now on (the repeated ones do not)."""
    seen: list[object] = []
    request_started.connect(lambda sender, **extra: seen.append(sender), app, weak=False)
    return seen


def _journal(client: Client, prefix: str = "") -> list[dict[str, Any]]:
    entries = client.get(f"{prefix}/__admin/requests").get_json()
    return [{name: value for name, value in entry.items() if name not in VOLATILE} for entry in entries]


QUERIES = st.lists(
    st.sampled_from(
        [
            "status=passed",
            "status=active",
            "status=nope",
            "limit=2",
            "limit=0",
            "offset=1",
            "offset=3",
            "user_id=x",
            "userId=2f5c5e9a1e7f4c2b8d3a6b9c0e1f2a3b",
            "createdDate=2012",
            "endDate=[2012-01,]",
            "beginDate=[,]",
            "limit=1&limit=2",
            "title=a%20b",
            "x=%FF",
        ]
    ),
    max_size=3,
).map("&".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=QUERIES,
    prefix=st.sampled_from(["", "/__session/s1"]),
    host=st.sampled_from(["localhost", "mock.example:9000"]),
    strict=st.booleans(),
)
def test_a_repeated_request_gets_the_views_answer_without_flask(
    query: str, prefix: str, host: str, strict: bool
) -> None:
    app = create_app({"TESTING": True, "STRICT": strict})
    client = Client(app)
    url = f"{prefix}{DC_LIST}?{query}"
    headers = {**AUTH, "Host": host}
    dispatched = _dispatched(app)

    first = _answer(client, url, headers)
    assert len(dispatched) == 1
    second = _answer(client, url, headers)

    assert second == first
    succeeded = first[0] == "200 OK"
    assert len(dispatched) == (1 if succeeded else 2), "only an answered list is repeated without Flask"
    first_entry, second_entry = _journal(client, prefix)
    assert second_entry == first_entry  # warnings, query, masked headers, response: all the same


def test_a_new_state_is_seen_by_the_same_request(client: Any) -> None:
    before = client.get(f"{DC_LIST}?status=passed", headers=AUTH).get_json()["results"]
    added = {
        "id": "r-new",
        "userId": DC_USER,
        "offeringId": DC_OPEN_OFFERING,
        "status": "passed",
        "createdDate": CREATED,
    }
    assert client.post("/__admin/state/digitalchalk/registrations", json=added).status_code == 201
    after = client.get(f"{DC_LIST}?status=passed", headers=AUTH).get_json()["results"]
    assert after == [*before, added]


def test_a_failure_rule_is_applied_to_a_request_answered_before(client: Any) -> None:
    assert client.get(DC_LIST, headers=AUTH).status_code == 200
    rule = {"name": "down", "api": "digitalchalk", "respond": {"status": 503}}
    assert client.post("/__admin/failures", json=rule).status_code == 201
    response = client.get(DC_LIST, headers=AUTH)
    assert response.status_code == 503
    assert client.get("/__admin/failures").get_json()[0]["hits"] == 1


def test_tokens_are_checked_on_every_request(write_fixtures: Any) -> None:
    token = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"
    folder = write_fixtures(
        digitalchalk={"tokens": [{"token": token, "state": "active"}], "registrations": []}
    )
    client = create_app({"TESTING": True, "FIXTURES": str(folder)}).test_client()
    assert client.get(DC_LIST, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(DC_LIST, headers={"Authorization": "Bearer someone-else"}).status_code == 401
    assert client.get(DC_LIST).status_code == 401


def test_sessions_keep_their_own_answers(client: Any) -> None:
    def failed(session: str) -> list[dict[str, Any]]:
        return client.get(f"/__session/{session}{DC_LIST}?status=failed", headers=AUTH).get_json()["results"]

    before = failed("b")
    added = {"id": "r7", "userId": DC_USER, "offeringId": DC_OPEN_OFFERING, "status": "failed"}
    added["createdDate"] = CREATED
    client.post("/__session/a/__admin/state/digitalchalk/registrations", json=added)
    assert failed("a") == [*before, added]
    assert failed("b") == before
    assert failed("a") == [*before, added]


def test_the_kept_answers_are_bounded(client: Any, world: Any) -> None:
    for offset in range(300):
        assert client.get(f"{DC_LIST}?offset={offset}", headers=AUTH).status_code == 200
    assert len(world.state("digitalchalk").answers) == 128


def test_over_http_the_repeat_is_byte_for_byte_the_first_answer(live_server: Any) -> None:
    server = live_server()
    url = f"{server.url}{DC_LIST}?status=passed&limit=1&user_id=x"
    with httpx.Client() as http:
        first, second = http.get(url, headers=AUTH), http.get(url, headers=AUTH)
        journal = http.get(f"{server.url}/__admin/requests").json()
    assert second.content == first.content
    drop = {"date"}
    assert [(k, v) for k, v in second.headers.items() if k not in drop] == [
        (k, v) for k, v in first.headers.items() if k not in drop
    ]
    assert [entry["warnings"][0]["parameter"] for entry in journal] == ["user_id", "user_id"]
