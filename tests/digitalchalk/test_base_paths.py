"""Both base paths, `/dc/api/v5` (every client) and `/api/v5` (the vendor's newer pages), serve one API on
one state; links and `Location` keep the prefix the request came by."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH

BASES = ("/dc/api/v5", "/api/v5")
# What public clients send on every call, GET and body-less DELETE included.
CLIENT_HEADERS = {**AUTH, "Content-Type": "application/json", "Accept": "application/json"}
USER = "6629aeada89133acedfad6d7d110123d"
OFFERING = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"  # open to USER: the seed offering is not (USER is active in it)


def _calls(client: FlaskClient, base: str) -> list[tuple[int, Any, str | None]]:
    """One pass of what a client does: status, body (links without their base) and `Location`."""

    def seen(response: Any) -> tuple[int, Any, str | None]:
        body = response.get_json() if response.data else None
        text = response.headers.get("Location")
        return response.status_code, _unbased(body, base), _unbased(text, base)

    created = client.post(
        f"{base}/registrations", headers=CLIENT_HEADERS, json={"userId": USER, "offeringId": OFFERING}
    )
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    return [
        seen(client.get(f"{base}/registrations?limit=2&offset=2", headers=CLIENT_HEADERS)),
        seen(client.get(f"{base}/registrations?status=nope", headers=CLIENT_HEADERS)),
        seen(client.get(f"{base}/registrations")),  # no token
        seen(client.get(f"{base}/registrations/65ade781cc98d136543678191005431a", headers=CLIENT_HEADERS)),
        seen(client.get(f"{base}/registrations/{'0' * 32}", headers=CLIENT_HEADERS)),
        (created.status_code, None, _unbased(created.headers["Location"], base).replace(new_id, "NEW")),
        seen(client.put(f"{base}/registrations/{new_id}", headers=CLIENT_HEADERS, json={"grade": 90})),
        seen(client.get(f"{base}/no-such-thing", headers=CLIENT_HEADERS)),
    ]


def _unbased(value: Any, base: str) -> Any:
    """`value` with `http://localhost<base>`, or a path's leading `<base>`, written as `BASE`, wherever it
    is a string."""
    if isinstance(value, str):
        value = value.replace(f"http://localhost{base}/", "BASE/")
        return f"BASE/{value.removeprefix(base + '/')}" if value.startswith(f"{base}/") else value
    if isinstance(value, dict):
        return {key: _unbased(item, base) for key, item in value.items() if key != "id"}
    if isinstance(value, list):
        return [_unbased(item, base) for item in value]
    return value


def test_both_base_paths_answer_alike(client: FlaskClient) -> None:
    first = _calls(client, BASES[0])
    assert client.post("/__admin/reset").status_code in (200, 204)  # USER may register for OFFERING again
    second = _calls(client, BASES[1])
    assert first == second
    statuses = [status for status, _, _ in first]
    assert statuses == [200, 400, 401, 200, 404, 201, 204, 404]


@pytest.mark.parametrize("base", BASES)
def test_links_and_location_keep_the_prefix_of_the_request(client: FlaskClient, base: str) -> None:
    listed = client.get(f"{base}/registrations?limit=2&offset=2", headers=CLIENT_HEADERS).get_json()
    assert listed["next"] == f"http://localhost{base}/registrations?limit=2&offset=4"
    assert listed["prev"] == f"http://localhost{base}/registrations?limit=2&offset=0"
    created = client.post(
        f"{base}/registrations", headers=CLIENT_HEADERS, json={"userId": USER, "offeringId": OFFERING}
    )
    assert created.status_code == 201
    assert created.headers["Location"].startswith(f"{base}/registrations/")  # relative


def test_one_state_under_both(client: FlaskClient) -> None:
    created = client.post(
        f"{BASES[1]}/registrations", headers=CLIENT_HEADERS, json={"userId": USER, "offeringId": OFFERING}
    )
    new_id = created.headers["Location"].rsplit("/", 1)[1]
    read = client.get(f"{BASES[0]}/registrations/{new_id}", headers=CLIENT_HEADERS)
    assert (read.status_code, read.get_json()["userId"]) == (200, USER)


def test_a_repeated_list_keeps_its_own_base_in_its_links(client: FlaskClient) -> None:
    """The answer kept for a repeated list (answered before Flask) is kept per base path."""
    for base in (*BASES, *BASES):  # each twice, the second time from the kept answer
        listed = client.get(f"{base}/registrations?limit=2", headers=AUTH).get_json()
        assert listed["next"] == f"http://localhost{base}/registrations?limit=2&offset=2"


def test_the_journal_names_the_path_the_client_used(client: FlaskClient) -> None:
    client.delete("/__admin/requests")
    for base in BASES:
        client.get(f"{base}/registrations", headers=AUTH)
        client.get(f"{base}/registrations", headers=AUTH)
    entries = client.get("/__admin/requests").get_json()
    assert [(entry["api"], entry["path"]) for entry in entries] == [
        ("digitalchalk", f"{base}/registrations") for base in BASES for _ in range(2)
    ]


def test_a_rule_on_one_base_path_fires_only_there(client: FlaskClient) -> None:
    rule = {"api": "digitalchalk", "match": {"path": "/api/v5/*"}, "respond": {"status": 503}}
    assert client.post("/__admin/failures", json=rule).status_code == 201
    assert client.get(f"{BASES[1]}/registrations", headers=AUTH).status_code == 503
    assert client.get(f"{BASES[0]}/registrations", headers=AUTH).status_code == 200


def test_the_headers_clients_always_send_earn_no_warning(client: FlaskClient) -> None:
    client.delete("/__admin/requests")
    for base in BASES:
        assert client.get(f"{base}/registrations", headers=CLIENT_HEADERS).status_code == 200
        one = client.get(f"{base}/registrations/65ade781cc98d136543678191005431a", headers=CLIENT_HEADERS)
        assert one.status_code == 200
    assert [entry["warnings"] for entry in client.get("/__admin/requests").get_json()] == [[]] * 4
