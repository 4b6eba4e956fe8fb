"""DigitalChalk user field values: a user's values read as one flat object and set several at once, each
checked by its field's type, all or nothing; gone with their field or their user."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import VENDORS
from mockserver.digitalchalk.userfields import TYPES
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.store import World

from ..conftest import AUTH, default_fixture
from .test_userfields import BIO, DEPARTMENT, FIELDS, MARIA, NEWSLETTER, NOT_FOUND, PHONE, created_id

SOPHIE = "82acedecafed2ac93ac877dea9921412"
JAMES = "4893212a29887dcaedf0084472869c3d"
CITY = "a0b339f3cee02fd12f47c9871de983c9"
MARIAS = {
    PHONE: "+1 555 0100",
    "ee11283c01fc62b4ed0598bfdb18399a": "12 Harbour Street",
    CITY: "Portland",
    "d46d8a7e17dc10e091f8a55e1405df63": "OR",
    "230a319aa90e9fcffed4ed636a443c78": "97201",
    NEWSLETTER: True,
    DEPARTMENT: "Engineering",
}


def values_path(user_id: str) -> str:
    return f"/dc/api/v5/users/{user_id}/userfieldvalues"


def values_of(client: FlaskClient, user_id: str) -> Any:
    response = client.get(values_path(user_id), headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def put(client: FlaskClient, user_id: str, values: Any) -> Any:
    return client.put(values_path(user_id), json=values, headers=AUTH)


def field_of(client: FlaskClient, field_type: str, **extra: Any) -> str:
    """A new field of `field_type` in the private category."""
    body = {"type": field_type, "name": f"A {field_type}", "categoryId": BIO, **extra}
    return created_id(client.post(FIELDS, json=body, headers=AUTH))


def test_values_are_one_flat_object_of_the_fields_with_a_value(client: FlaskClient) -> None:
    assert values_of(client, MARIA) == MARIAS
    assert list(values_of(client, MARIA)) == list(MARIAS)  # in the fields' order
    assert values_of(client, SOPHIE) == {CITY: "Lyon"}
    assert values_of(client, JAMES) == {}
    for unknown in ("0" * 32, "nobody"):
        response = client.get(values_path(unknown), headers=AUTH)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


def test_a_put_sets_several_keeps_the_rest_and_null_clears(client: FlaskClient) -> None:
    response = put(client, MARIA, {CITY: "Salem", NEWSLETTER: None, DEPARTMENT: "Sales"})
    assert (response.status_code, response.data) == (204, b"")
    assert values_of(client, MARIA) == {
        **{k: v for k, v in MARIAS.items() if k != NEWSLETTER},
        CITY: "Salem",
        DEPARTMENT: "Sales",
    }
    assert put(client, SOPHIE, {CITY: None}).status_code == 204
    assert values_of(client, SOPHIE) == {}
    assert put(client, SOPHIE, {CITY: None}).status_code == 204  # nothing to clear: still fine
    assert put(client, JAMES, {}).status_code == 204
    assert put(client, JAMES, {NEWSLETTER: False, PHONE: ""}).status_code == 204
    assert values_of(client, JAMES) == {PHONE: "", NEWSLETTER: False}  # false and "" are values


GOOD_AND_BAD: dict[str, tuple[list[Any], list[tuple[Any, str]]]] = {
    "text": (["x", ""], [(1, "must be a string"), (["x"], "must be a string")]),
    "email": (["a@example.org"], [("a.example.org", "Invalid email address"), (True, "must be a string")]),
    "number": (
        [3, -2, 4.0],
        [(3.5, "must be a whole number"), ("3", "must be a number"), (True, "must be a number")],
    ),
    "decimal": ([3, 97.15], [("1.5", "must be a number"), (False, "must be a number")]),
    "checkbox": ([True, False], [("true", "must be true or false"), (1, "must be true or false")]),
    "checkboxes": (
        [[], ["a", "b"]],
        [("a", "must be an array of strings"), (["a", "a"], "must not name an option twice")],
    ),
    "date": (
        ["03/01/2012", "02/29/2024"],
        [
            ("2012-03-01", "must be a date written MM/dd/yyyy"),
            ("02/30/2024", "must be a date written MM/dd/yyyy"),
            ("3/1/2012", "must be a date written MM/dd/yyyy"),
            (20120301, "must be a date written MM/dd/yyyy"),
        ],
    ),
    "yesno": (["yes", "no"], [("Yes", "must be yes or no"), (True, "must be yes or no")]),
    "dropdown": (["anything"], [(2, "must be a string")]),  # no options: any string
    "radiobuttons": (["anything"], [(None, "")]),  # null clears: no error
}


def test_every_type_has_a_case() -> None:
    assert sorted(GOOD_AND_BAD) == sorted(TYPES)


@pytest.mark.parametrize("field_type", sorted(GOOD_AND_BAD))
def test_values_are_checked_by_the_fields_type(client: FlaskClient, field_type: str) -> None:
    field_id = field_of(client, field_type)
    good, bad = GOOD_AND_BAD[field_type]
    for value in good:
        assert put(client, JAMES, {field_id: value}).status_code == 204, value
        assert values_of(client, JAMES) == {field_id: value}
    for value, message in bad:
        response = put(client, JAMES, {field_id: value})
        if not message:
            assert response.status_code == 204
            continue
        assert (response.status_code, response.get_json()) == (400, {"fieldErrors": {field_id: message}}), (
            value
        )


def test_a_choice_is_among_the_fields_options(client: FlaskClient) -> None:
    options = [{"name": "red"}, {"name": "blue"}]
    radio = field_of(client, "radiobuttons", options=options)
    boxes = field_of(client, "checkboxes", options=options)
    assert put(client, JAMES, {radio: "blue", boxes: ["red", "blue"]}).status_code == 204
    response = put(client, JAMES, {radio: "green", boxes: ["red", "green"]})
    assert response.status_code == 400
    assert response.get_json() == {
        "fieldErrors": {
            radio: "must be one of the field's options: red, blue",
            boxes: "must hold only the field's options: red, blue",
        }
    }


def test_one_wrong_value_or_unknown_field_changes_nothing(client: FlaskClient, world: World) -> None:
    before = world.dump_state()["digitalchalk"]
    response = put(client, MARIA, {CITY: "Salem", NEWSLETTER: "yes", "nope": 1, DEPARTMENT: None})
    assert response.status_code == 400
    assert response.get_json() == {
        "fieldErrors": {NEWSLETTER: "must be true or false", "nope": "No user field exists with this id"}
    }
    assert world.dump_state()["digitalchalk"] == before
    assert values_of(client, MARIA) == MARIAS


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [(b"{", "application/json", 400), (b'["a"]', "application/json", 400), (b"{}", "text/plain", 415)],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    response = client.put(values_path(MARIA), data=data, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == status
    assert "errors" in response.get_json()
    missing = client.put(values_path("0" * 32), json={CITY: "x"}, headers=AUTH)
    assert (missing.status_code, missing.get_json()) == (404, NOT_FOUND)


def test_deleting_a_field_removes_its_values_and_a_built_in_off_the_form_still_takes_some(
    client: FlaskClient,
) -> None:
    assert client.delete(f"{FIELDS}/{DEPARTMENT}", headers=AUTH).status_code == 204
    assert client.delete(f"{FIELDS}/{CITY}", headers=AUTH).status_code == 204  # built in: off the form
    assert values_of(client, MARIA) == {k: v for k, v in MARIAS.items() if k not in (DEPARTMENT, CITY)}
    assert values_of(client, SOPHIE) == {}
    response = put(client, SOPHIE, {CITY: "Lyon", DEPARTMENT: "Sales"})
    assert response.get_json() == {"fieldErrors": {DEPARTMENT: "No user field exists with this id"}}
    dumped = client.get("/__admin/state").get_json()["digitalchalk"]["userFieldValues"]
    assert [entry["userId"] for entry in dumped] == [MARIA]
    assert put(client, SOPHIE, {CITY: "Lyon"}).status_code == 204  # the field exists, off the form
    assert values_of(client, SOPHIE) == {CITY: "Lyon"}
    assert client.put("/__admin/state", json=client.get("/__admin/state").get_json()).status_code == 204


def test_a_deleted_users_values_are_out_of_reach_and_out_of_the_dump(client: FlaskClient) -> None:
    assert client.delete(f"/dc/api/v5/users/{SOPHIE}", headers=AUTH).status_code == 204
    response = client.get(values_path(SOPHIE), headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, NOT_FOUND)
    assert put(client, SOPHIE, {CITY: "Nice"}).status_code == 404
    state = client.get("/__admin/state").get_json()
    assert [entry["userId"] for entry in state["digitalchalk"]["userFieldValues"]] == [MARIA]
    assert client.put("/__admin/state", json=state).status_code == 204


def test_a_session_keeps_its_values(client: FlaskClient) -> None:
    session = {**AUTH, "X-Mockserver-Session": "s1"}
    assert client.put(values_path(JAMES), json={CITY: "Leeds"}, headers=session).status_code == 204
    assert client.get(values_path(JAMES), headers=session).get_json() == {CITY: "Leeds"}
    assert values_of(client, JAMES) == {}
    assert put(client, JAMES, {CITY: "York"}).status_code == 204
    assert client.post("/__admin/reset").status_code == 204
    assert values_of(client, JAMES) == {}


def test_the_admin_api_adds_values_checked_like_fixtures(client: FlaskClient) -> None:
    add = "/__admin/state/digitalchalk/userFieldValues"
    added = client.post(add, json={"userId": JAMES, "values": {CITY: "Leeds", NEWSLETTER: True}})
    assert (added.status_code, added.get_json()) == (201, {"added": 1, "total": 3})
    assert values_of(client, JAMES) == {CITY: "Leeds", NEWSLETTER: True}
    conflicts = [
        {"userId": JAMES, "values": {}},  # a user named twice
        {"userId": "nobody", "values": {}},
        {"userId": "8792decaa79914345364861afed8a21d", "values": {NEWSLETTER: "yes"}},
    ]
    for conflict in conflicts:
        assert client.post(add, json=conflict).status_code == 409, conflict
    assert client.post(add, json={"userId": JAMES}).status_code == 422


def test_a_fixture_value_error_names_its_path(write_fixtures: Any) -> None:
    fixture = default_fixture("digitalchalk")
    fixture["userFieldValues"][0]["values"][NEWSLETTER] = "yes"
    fixture["userFieldValues"][0]["values"]["nope"] = 1
    fixture["userFieldValues"][1]["values"][CITY] = None
    fixture["userFieldValues"].append({"userId": "nobody", "values": {}})
    folder = write_fixtures(digitalchalk=fixture)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    text = str(raised.value)
    assert f"userFieldValues.0.values.{NEWSLETTER}: must be true or false" in text
    assert "userFieldValues.0.values.nope: No user field has this id." in text
    assert f"userFieldValues.1.values.{CITY}: Must not be null: leave the field out." in text
    assert "userFieldValues.2.userId: No user has the id nobody." in text
