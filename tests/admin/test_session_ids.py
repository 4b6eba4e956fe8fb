"""Session ids are data: any id a client may send names its own world, ends by its own id, and never
touches another session's; an id the mock cannot take is refused rather than served by the default world."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, DC_NEW

CREATE = DC_NEW  # succeeds once in each world


def session(name: str) -> dict[str, str]:
    return {"X-Mockserver-Session": name}


def created_in(client: FlaskClient, name: str | None) -> list[str]:
    """The ids of the registrations CREATE makes, in the session `name` (None: the default world)."""
    headers = AUTH if name is None else AUTH | session(name)
    query = f"userId={CREATE['userId']}&offeringId={CREATE['offeringId']}"
    response = client.get(f"{DC_LIST}?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [registration["id"] for registration in response.get_json()["results"]]


def test_ending_a_session_leaves_the_sessions_whose_ids_start_with_its_id(client: FlaskClient) -> None:
    assert client.post(DC_LIST, json=CREATE, headers=AUTH | session("w:x")).status_code == 201
    assert client.post(DC_LIST, json=CREATE, headers=AUTH | session("w*")).status_code == 201
    assert client.delete("/__admin/sessions/w").status_code == 404  # never was
    assert client.get(DC_LIST, headers=AUTH | session("w")).status_code == 200
    assert client.delete("/__admin/sessions/w").status_code == 204
    assert len(created_in(client, "w:x")) == 1
    assert len(created_in(client, "w*")) == 1
    assert sorted(client.get("/__admin/sessions").get_json()) == ["w*", "w:x"]


@pytest.mark.parametrize("rule_id", ["made", "log", "clock", "rules", "journal"])
def test_a_rule_id_in_one_session_is_no_key_of_another(client: FlaskClient, rule_id: str) -> None:
    rule = {"id": rule_id, "api": "admin", "match": {"path": "/__admin/clock"}, "respond": {"status": 418}}
    assert client.post("/__admin/failures", json=rule, headers=session("a")).status_code == 201
    # the session whose id is a's followed by ":rule" is a world of its own
    assert client.post(DC_LIST, json=CREATE, headers=AUTH | session("a:rule")).status_code == 201
    assert client.get("/__admin/failures", headers=session("a:rule")).get_json() == []
    assert client.get("/__admin/clock", headers=session("a:rule")).status_code == 200
    assert client.get("/__admin/clock", headers=session("a")).status_code == 418
    assert len(created_in(client, "a:rule")) == 1
    assert created_in(client, "a") == []


@pytest.mark.parametrize(
    "name", ["a/b", "tests/test_x.py::test_y[1-2]", "a%2Fb", "100% sure", "a\tb", "x" * 128]
)
def test_a_session_of_any_printable_id_is_its_own_and_can_be_ended(client: FlaskClient, name: str) -> None:
    assert client.post(DC_LIST, json=CREATE, headers=AUTH | session(name)).status_code == 201
    assert len(created_in(client, name)) == 1
    assert created_in(client, None) == []
    assert client.get("/__admin/sessions").get_json() == [name]
    journal = client.get("/__admin/requests", headers=session(name)).get_json()
    assert [entry["session"] for entry in journal] == [name, name]
    quoted = "".join(char if char.isalnum() else f"%{ord(char):02X}" for char in name)
    assert client.delete(f"/__admin/sessions/{quoted}").status_code == 204
    assert client.get("/__admin/sessions").get_json() == []
    assert created_in(client, name) == []  # afresh


MALFORMED = {
    "an escape": "a\x1b[31mb",
    "a NUL": "a\x00b",
    "a DEL": "a\x7fb",
    "too long": "x" * 129,
}


@pytest.mark.parametrize("name", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize(
    ("method", "path", "shape"),
    [
        ("POST", DC_LIST, "errors"),
        ("GET", DC_LIST, "errors"),
        ("POST", "/apis/registrations/profiles/507f1f77bcf86cd799439011/registrations", "error"),
        ("POST", "/__admin/reset", "detail"),
    ],
)
def test_a_malformed_session_header_is_refused(
    client: FlaskClient, name: str, method: str, path: str, shape: str
) -> None:
    """Refused in the API's own error shape, before any world is used: nothing is written, made or
    journaled anywhere, and the default world's rules do not fire for it."""
    down = {"api": "any", "respond": {"status": 503}}
    assert client.post("/__admin/failures", json=down).status_code == 201
    headers = AUTH | {"FF-Auth": "t", "X-API-Version": "2025-05-07"} | session(name)
    response = client.open(path, method=method, json={"registrations": []} | CREATE, headers=headers)
    assert response.status_code == 400
    body: Any = response.get_json()
    assert shape in body
    assert "X-Mockserver-Session" in str(body)
    assert name not in str(body)  # the id itself is not echoed
    assert client.get("/__admin/sessions").get_json() == []
    assert client.get("/__admin/requests").get_json() == []
    assert [rule["hits"] for rule in client.get("/__admin/failures").get_json()] == [0]


@pytest.mark.parametrize(
    "path", ["/__session/", "/__session/a b/dc/api/v5/registrations", f"/__session/{'x' * 129}/__admin/clock"]
)
def test_a_malformed_session_prefix_is_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 400
    assert "/__session/" in response.get_json()["detail"]
    assert client.get("/__admin/sessions").get_json() == []


def test_a_prefix_without_a_path_is_an_unknown_path(client: FlaskClient) -> None:
    assert client.get("/__session/x", headers=AUTH).status_code == 404
