"""A deleted DigitalChalk user is gone from the vendor API but kept in the state, flagged `deleted: true`,
for the registrations that name them (which stay, as history): so a dump of the state loads back."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, DC_OPEN_OFFERING

USERS = "/dc/api/v5/users"
CLOCK = "2024-03-05T09:28:10Z"
DANIEL = "8792decaa79914345364861afed8a21d"  # two registrations in the default fixtures
DANIELS_EMAIL = "daniel.kim@example.org"
NOT_FOUND = {"errors": ["No resource exists with the given id."]}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


@pytest.fixture
def deleted(client: FlaskClient) -> dict[str, Any]:
    """Daniel, as the fixtures have him, deleted through the API."""
    users = client.get("/__admin/state").get_json()["digitalchalk"]["users"]
    (daniel,) = [user for user in users if user["id"] == DANIEL]
    assert daniel["email"] == DANIELS_EMAIL
    assert client.delete(f"{USERS}/{DANIEL}", headers=AUTH).status_code == 204
    return dict(daniel)


def user_ids(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"{USERS}?limit=100&{query}", headers=AUTH)
    assert response.status_code == 200
    return [user["id"] for user in response.get_json()["results"]]


def dumped_users(client: FlaskClient) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = client.get("/__admin/state").get_json()["digitalchalk"]["users"]
    return users


def test_a_deleted_user_is_not_found_listed_or_changed(client: FlaskClient, deleted: dict[str, Any]) -> None:
    assert client.get(f"{USERS}/{DANIEL}", headers=AUTH).get_json() == NOT_FOUND
    assert client.put(f"{USERS}/{DANIEL}", json={"firstName": "D"}, headers=AUTH).status_code == 404
    assert client.delete(f"{USERS}/{DANIEL}", headers=AUTH).status_code == 404
    assert DANIEL not in user_ids(client)
    assert user_ids(client, "email=daniel") == []
    assert user_ids(client, "lastName=kim&createdDate=2012") == []


def test_their_registrations_stay(client: FlaskClient, deleted: dict[str, Any]) -> None:
    registrations = client.get(f"{DC_LIST}?userId={DANIEL}", headers=AUTH).get_json()["results"]
    assert [registration["status"] for registration in registrations] == ["passed", "ejected"]


def test_the_state_keeps_them_flagged_and_the_vendor_api_never_shows_the_flag(
    client: FlaskClient, deleted: dict[str, Any]
) -> None:
    assert dumped_users(client)[-1] == {**deleted, "deleted": True}
    assert all("deleted" not in user for user in client.get(USERS, headers=AUTH).get_json()["results"])


def test_their_email_and_username_are_free_for_a_new_user(
    client: FlaskClient, deleted: dict[str, Any]
) -> None:
    body = {
        "firstName": "Dana",
        "lastName": "Kim",
        "email": DANIELS_EMAIL.upper(),
        "username": deleted["username"],
    }
    created = client.post(USERS, json=body, headers=AUTH)
    assert created.status_code == 201, created.get_json()
    assert user_ids(client, "email=daniel") == [created.headers["Location"].rsplit("/", 1)[1]]


def test_the_state_round_trips_after_a_deletion(client: FlaskClient, deleted: dict[str, Any]) -> None:
    body = {"firstName": "Dana", "lastName": "Kim", "email": DANIELS_EMAIL}  # the deleted user's email
    assert client.post(USERS, json=body, headers=AUTH).status_code == 201
    dump = client.get("/__admin/state").get_json()
    replaced = client.put("/__admin/state", json=dump)
    assert replaced.status_code == 204, replaced.get_json()
    assert client.get("/__admin/state").get_json() == dump
    assert client.get(f"{USERS}/{DANIEL}", headers=AUTH).get_json() == NOT_FOUND
    assert len(client.get(f"{DC_LIST}?userId={DANIEL}", headers=AUTH).get_json()["results"]) == 2


def test_the_admin_api_takes_deleted_users_and_registrations_naming_them(client: FlaskClient) -> None:
    user = {"id": "u-gone", "firstName": "Al", "lastName": "Gone", "email": "al@example.org"}
    added = client.post(
        "/__admin/state/digitalchalk/users", json={**user, "createdDate": CLOCK, "deleted": True}
    )
    assert added.status_code == 201, added.get_json()
    assert client.get(f"{USERS}/u-gone", headers=AUTH).get_json() == NOT_FOUND
    record = {"id": "r-gone", "userId": "u-gone", "offeringId": DC_OPEN_OFFERING, "status": "passed"}
    added = client.post("/__admin/state/digitalchalk/registrations", json={**record, "createdDate": CLOCK})
    assert added.status_code == 201, added.get_json()
    assert client.get(f"{DC_LIST}/r-gone", headers=AUTH).get_json()["userId"] == "u-gone"
    refused = client.post(DC_LIST, json={"userId": "u-gone", "offeringId": DC_OPEN_OFFERING}, headers=AUTH)
    assert refused.get_json() == {"fieldErrors": {"userId": "No user exists with the given id."}}
