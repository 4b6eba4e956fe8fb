"""DigitalChalk user field categories and user fields: list with filters and paging, read, create, update
and delete, on the vendor's state, per session, with the vendor's three error bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import VENDORS
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.store import World
from mockserver.vendor import WriteContext

from ..conftest import AUTH, default_fixture

BASE = "/dc/api/v5"
CATEGORIES = f"{BASE}/userfieldcategories"
FIELDS = f"{BASE}/userfields"
CLOCK = "2024-03-05T09:28:10Z"
CONTACT = "cedb6ca9f8331ea9b89a9be74c0d17ec"  # public: the built-in fields
BIO = "abfb646ab1ea1c46f0c9c6240a604df1"  # private: the custom fields
EMERGENCY = "cb2bda2add8016b1a7f8efff5ff10bb9"  # private, empty
PHONE = "99b5396fc23ebd422cdc751d457ede83"
BUILT_IN = [
    PHONE,
    "ee11283c01fc62b4ed0598bfdb18399a",
    "f1bff48aac32847a06837577acfd30b6",
    "a0b339f3cee02fd12f47c9871de983c9",
    "d46d8a7e17dc10e091f8a55e1405df63",
    "230a319aa90e9fcffed4ed636a443c78",
]
NEWSLETTER = "816e9ceb2a880757dec5ba66f54f766f"
DEPARTMENT = "2f430c0865ded3a507cb41280acca500"
HOURS = "3223ac7baa0ddd78c907932e4e404429"
INTERESTS = "510325c85b5b58155f590a345423196a"
CUSTOM = [NEWSLETTER, DEPARTMENT, HOURS, INTERESTS]
MARIA = "6629aeada89133acedfad6d7d110123d"
NOT_FOUND = {"errors": ["No resource exists with the given id."]}
NEW = {"type": "checkbox", "name": "Opt in", "categoryId": BIO}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def listed(client: FlaskClient, path: str, query: str = "") -> list[str]:
    response = client.get(f"{path}?limit=100&{query}", headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return [record["id"] for record in response.get_json()["results"]]


def created_id(response: Any, prefix: str = "http://localhost/dc/api/v5") -> str:
    assert response.status_code == 201, response.get_json()
    assert response.data == b""
    location = response.headers["Location"]
    assert re.fullmatch(rf"{prefix}/userfields/[0-9a-f]{{32}}", location), location
    return str(location.rsplit("/", 1)[1])


# --- categories ----------------------------------------------------------------------------------------


def test_categories_list_public_first_then_by_order_index(client: FlaskClient) -> None:
    response = client.get(CATEGORIES, headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {
        "results": [
            {
                "id": CONTACT,
                "type": "public",
                "name": "Contact Information",
                "orderIndex": 0,
                "createdDate": "2011-11-01T00:00:00Z",
            },
            {
                "id": BIO,
                "type": "private",
                "name": "Biographical Information",
                "orderIndex": 1,
                "createdDate": "2012-01-15T10:00:00Z",
            },
            {
                "id": EMERGENCY,
                "type": "private",
                "name": "Emergency Contact",
                "orderIndex": 2,
                "createdDate": "2012-02-01T10:00:00Z",
            },
        ]
    }
    private_first = {"id": "p0", "type": "private", "name": "Early", "orderIndex": 0}
    public_last = {"id": "p9", "type": "public", "name": "Late", "orderIndex": 9}
    added = client.post("/__admin/state/digitalchalk/userFieldCategories", json=[private_first, public_last])
    assert added.status_code == 201, added.get_json()
    assert listed(client, CATEGORIES) == [CONTACT, "p9", "p0", BIO, EMERGENCY]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=INFORMATION", [CONTACT, BIO]),
        ("name=bio", [BIO]),
        ("type=private", [BIO, EMERGENCY]),
        ("type=public&name=bio", []),
        ("createdDate=2012", [BIO, EMERGENCY]),
        ("createdDate=[,2012-01]", [CONTACT, BIO]),
    ],
)
def test_category_filters_are_anded(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert listed(client, CATEGORIES, query) == expected


@pytest.mark.parametrize(
    ("path", "query", "errors"),
    [
        (CATEGORIES, "type=secret", {"type": "must be public or private"}),
        (CATEGORIES, "limit=101&name=", {"limit": "must be between 1 and 100", "name": "must not be empty"}),
        (
            CATEGORIES,
            "createdDate=2012-13",
            {"createdDate": "expected a timestamp like 2012-03-01T06:03:10Z"},
        ),
        (FIELDS, "categoryType=all", {"categoryType": "must be public or private"}),
        (FIELDS, "offset=-1", {"offset": "must be 0 or more"}),
    ],
)
def test_invalid_parameters_are_named(
    client: FlaskClient, path: str, query: str, errors: dict[str, str]
) -> None:
    response = client.get(f"{path}?{query}", headers=AUTH)
    assert response.status_code == 400
    body = response.get_json()
    assert body.keys() == {"fieldErrors"} and body["fieldErrors"].keys() == errors.keys()
    for name, message in errors.items():
        assert body["fieldErrors"][name].startswith(message)  # a date filter's message goes on


def test_a_category_is_read_by_id_and_an_unknown_id_is_the_vendors_404(client: FlaskClient) -> None:
    response = client.get(f"{CATEGORIES}/{BIO}", headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status_code, response.get_json()["name"]) == (200, "Biographical Information")
    for path in (f"{CATEGORIES}/{'0' * 32}", f"{FIELDS}/nope"):
        response = client.get(path, headers=AUTH)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND)


def test_a_category_holding_fields_is_not_deleted_and_an_empty_one_is(client: FlaskClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    refused = client.delete(f"{CATEGORIES}/{BIO}", headers=headers)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "errors": ["This user field category still holds user fields: delete them or move them first."]
    }
    assert listed(client, CATEGORIES) == [CONTACT, BIO, EMERGENCY]
    for field_id in CUSTOM:
        assert client.delete(f"{FIELDS}/{field_id}", headers=headers).status_code == 204
    deleted = client.delete(f"{CATEGORIES}/{BIO}", headers=headers)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert client.get(f"{CATEGORIES}/{BIO}", headers=AUTH).get_json() == NOT_FOUND
    again = client.delete(f"{CATEGORIES}/{BIO}", headers=AUTH)
    assert (again.status_code, again.get_json()) == (404, NOT_FOUND)


# --- fields --------------------------------------------------------------------------------------------


def test_fields_list_in_form_order_and_filter_by_category_type(client: FlaskClient) -> None:
    assert listed(client, FIELDS) == [*BUILT_IN, *CUSTOM]
    assert listed(client, FIELDS, "categoryType=private") == CUSTOM
    assert listed(client, FIELDS, "categoryType=public") == BUILT_IN
    page = client.get(f"{FIELDS}?limit=4&offset=4", headers=AUTH).get_json()
    assert [field["id"] for field in page["results"]] == [*BUILT_IN[4:], *CUSTOM[:2]]
    assert page["prev"] == f"http://localhost{FIELDS}?limit=4&offset=0"
    assert page["next"] == f"http://localhost{FIELDS}?limit=4&offset=8"


def test_built_in_fields_are_read_only_text_in_the_public_category(client: FlaskClient) -> None:
    fields = client.get(f"{FIELDS}?categoryType=public", headers=AUTH).get_json()["results"]
    assert [field["name"] for field in fields] == [
        "Phone Number",
        "Street 1",
        "Street 2",
        "City",
        "State/Province",
        "Postal Code",
    ]
    assert {(f["type"], f["readOnly"], f["categoryName"], f["categoryType"]) for f in fields} == {
        ("text", True, "Contact Information", "public")
    }
    department = client.get(f"{FIELDS}/{DEPARTMENT}", headers=AUTH).get_json()
    assert department == {
        "id": DEPARTMENT,
        "type": "dropdown",
        "name": "Department",
        "orderIndex": 1,
        "size": "medium",
        "categoryId": BIO,
        "categoryName": "Biographical Information",
        "categoryType": "private",
        "required": True,
        "options": [
            {"name": "Engineering", "selected": False},
            {"name": "Sales", "selected": False},
            {"name": "Support", "selected": False},
        ],
        "readOnly": False,
        "createdDate": "2012-01-15T10:06:00Z",
    }


@pytest.mark.parametrize("base", ["/dc/api/v5", "/api/v5"])
def test_a_created_field_has_an_absolute_location_under_the_requests_base(
    client: FlaskClient, base: str
) -> None:
    body = {
        "type": "radiobuttons",
        "name": "Shirt size",
        "categoryName": "biographical INFORMATION",
        "localizedNames": {"en": "Shirt size", "fr": "Taille"},
        "orderIndex": 5,
        "orientation": "horizontal",
        "required": True,
        "options": [{"name": "S"}, {"name": "M", "selected": True}],
        "constraints": {"note": "any object, kept"},
        "message": "Pick one",
    }
    response = client.post(f"{base}/userfields", json=body, headers={**AUTH, "Accept": "application/json"})
    field_id = created_id(response, f"http://localhost{base}")
    field = client.get(response.headers["Location"], headers=AUTH).get_json()
    assert field == {
        "id": field_id,
        "type": "radiobuttons",
        "name": "Shirt size",
        "localizedNames": {"en": "Shirt size", "fr": "Taille"},
        "orderIndex": 5,
        "orientation": "horizontal",
        "categoryId": BIO,
        "categoryName": "Biographical Information",
        "categoryType": "private",
        "required": True,
        "options": [{"name": "S", "selected": False}, {"name": "M", "selected": True}],
        "constraints": {"note": "any object, kept"},
        "message": "Pick one",
        "readOnly": False,
        "createdDate": CLOCK,
    }
    assert listed(client, FIELDS) == [*BUILT_IN, *CUSTOM, field_id]


def test_ids_come_from_the_seed_and_the_write(client: FlaskClient) -> None:
    first = created_id(client.post(FIELDS, json=NEW, headers=AUTH))
    second = created_id(client.post(FIELDS, json=NEW, headers=AUTH))
    expected = [
        f"{WriteContext(position, 7).rng('digitalchalk').getrandbits(128):032x}" for position in (1, 2)
    ]
    assert [first, second] == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "type is required; name is required; categoryId or categoryName is required"),
        (
            {**NEW, "type": "radios"},
            "type must be one of text, email, dropdown, radiobuttons, number, decimal, checkbox, "
            "checkboxes, date, yesno (did you mean radiobuttons?)",
        ),
        ({**NEW, "name": ""}, "name must be a non-empty string"),
        ({**NEW, "categoryId": "x"}, "no user field category has the id x"),
        (
            {**NEW, "categoryName": "Contact Information"},
            "categoryId and categoryName name different categories",
        ),
        (
            {"type": "text", "name": "A", "categoryName": "None such"},
            "no user field category is named None such",
        ),
        (
            {**NEW, "options": [{"name": "a", "colour": "red"}]},
            "options must be an array of objects {name, selected}, each name a non-empty string",
        ),
        (
            {**NEW, "orderIndex": -1, "size": "huge"},
            "orderIndex must be a whole number, 0 or more; "
            "size must be one of small, medium, mediumlarge, large",
        ),
        (
            {**NEW, "required": "yes", "orientation": 1},
            "orientation must be one of horizontal, vertical; required must be true or false",
        ),
        (
            {**NEW, "localizedNames": {"en": ""}, "constraints": []},
            "localizedNames must map locales to non-empty names; constraints must be an object",
        ),
    ],
)
def test_an_invalid_definition_is_the_vendors_message_and_changes_nothing(
    client: FlaskClient, world: World, body: dict[str, Any], message: str
) -> None:
    before = world.dump_state()["digitalchalk"]
    response = client.post(FIELDS, json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == {"message": f"Invalid user field: {message}."}
    assert world.dump_state()["digitalchalk"] == before


def test_infinite_numbers_are_refused_not_served(client: FlaskClient) -> None:
    body = b'{"type": "text", "name": "A", "categoryId": "%s", "constraints": {"max": 1e999}}' % BIO.encode()
    response = client.post(FIELDS, data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.get_json() == {"message": "Invalid user field: constraints must be an object."}


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [(b"{", "application/json", 400), (b"[]", "application/json", 400), (b"{}", "text/plain", 415)],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    for method in (client.post, client.put):
        path = FIELDS if method == client.post else f"{FIELDS}/{NEWSLETTER}"
        response = method(path, data=data, headers={**AUTH, "Content-Type": content_type})
        assert response.status_code == status
        assert "errors" in response.get_json()


def test_an_update_is_partial_and_may_move_a_field(client: FlaskClient) -> None:
    changes = {"name": "Newsletter", "categoryId": CONTACT, "orderIndex": 9, "required": True}
    response = client.put(f"{FIELDS}/{NEWSLETTER}", json=changes, headers=AUTH)
    assert (response.status_code, response.data) == (204, b"")
    field = client.get(f"{FIELDS}/{NEWSLETTER}", headers=AUTH).get_json()
    assert field["localizedNames"] == {"en": "Receive newsletter", "es": "Recibir el boletín"}
    assert (field["name"], field["categoryName"], field["categoryType"], field["required"]) == (
        "Newsletter",
        "Contact Information",
        "public",
        True,
    )
    assert listed(client, FIELDS, "categoryType=public") == [*BUILT_IN, NEWSLETTER]
    empty = client.put(f"{FIELDS}/{NEWSLETTER}", json={}, headers=AUTH)
    assert empty.status_code == 204


@pytest.mark.parametrize(
    ("field_id", "body", "message"),
    [
        (NEWSLETTER, {"type": "text"}, "type cannot change (it is checkbox): make a new user field"),
        (PHONE, {"name": "Tel", "type": "number"}, "type cannot change (it is text): make a new user field"),
        (NEWSLETTER, {"categoryName": ""}, "categoryName must be a non-empty string"),
    ],
)
def test_an_invalid_update_is_the_vendors_message(
    client: FlaskClient, field_id: str, body: dict[str, Any], message: str
) -> None:
    response = client.put(f"{FIELDS}/{field_id}", json=body, headers=AUTH)
    assert (response.status_code, response.get_json()) == (
        400,
        {"message": f"Invalid user field: {message}."},
    )
    missing = client.put(f"{FIELDS}/{'0' * 32}", json=body, headers=AUTH)
    assert (missing.status_code, missing.get_json()) == (404, NOT_FOUND)


def test_a_built_in_field_may_move_and_be_renamed_and_stays_built_in(client: FlaskClient) -> None:
    changes = {"name": "Telephone", "type": "text", "categoryId": BIO, "size": "small"}
    assert client.put(f"{FIELDS}/{PHONE}", json=changes, headers=AUTH).status_code == 204
    phone = client.get(f"{FIELDS}/{PHONE}", headers=AUTH).get_json()
    assert (phone["name"], phone["categoryId"], phone["size"]) == ("Telephone", BIO, "small")
    assert phone["readOnly"] is True


def test_deleting_a_custom_field_removes_it_and_a_built_in_one_leaves_the_form(client: FlaskClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    assert client.delete(f"{FIELDS}/{NEWSLETTER}", headers=headers).status_code == 204
    assert client.get(f"{FIELDS}/{NEWSLETTER}", headers=AUTH).get_json() == NOT_FOUND
    again = client.delete(f"{FIELDS}/{NEWSLETTER}", headers=AUTH)
    assert (again.status_code, again.get_json()) == (404, NOT_FOUND)

    assert client.delete(f"{FIELDS}/{PHONE}", headers=headers).status_code == 204
    phone = client.get(f"{FIELDS}/{PHONE}", headers=AUTH).get_json()
    assert phone["readOnly"] is True and phone["name"] == "Phone Number"
    assert not phone.keys() & {"categoryId", "categoryName", "categoryType"}
    assert listed(client, FIELDS) == [*BUILT_IN[1:], *CUSTOM[1:], PHONE]  # off the form: last
    assert listed(client, FIELDS, "categoryType=public") == BUILT_IN[1:]
    assert client.delete(f"{FIELDS}/{PHONE}", headers=AUTH).status_code == 204  # off it already
    back = client.put(f"{FIELDS}/{PHONE}", json={"categoryName": "Contact Information"}, headers=AUTH)
    assert back.status_code == 204
    assert listed(client, FIELDS, "categoryType=public") == BUILT_IN


def test_a_session_keeps_its_fields_and_a_reset_brings_the_fixtures_back(client: FlaskClient) -> None:
    session = {**AUTH, "X-Mockserver-Session": "s1"}
    field_id = created_id(client.post(FIELDS, json=NEW, headers=session))
    assert client.delete(f"{FIELDS}/{DEPARTMENT}", headers=session).status_code == 204
    assert client.get(f"{FIELDS}/{field_id}", headers=AUTH).status_code == 404
    assert listed(client, FIELDS) == [*BUILT_IN, *CUSTOM]
    created_id(client.post(FIELDS, json=NEW, headers=AUTH))
    assert client.post("/__admin/reset").status_code == 204
    assert listed(client, FIELDS) == [*BUILT_IN, *CUSTOM]


def test_unknown_parameters_and_fields_warn_and_strict_mode_refuses_them(
    client: FlaskClient, app: Any
) -> None:
    assert listed(client, FIELDS, "type=public") == [*BUILT_IN, *CUSTOM]
    entry = client.get("/__admin/requests?limit=1").get_json()[0]
    assert entry["warnings"] == [
        {"parameter": "type", "message": "unknown parameter, which DigitalChalk ignores"}
    ]
    created_id(client.post(FIELDS, json={**NEW, "readOnly": True}, headers=AUTH))
    entry = client.get("/__admin/requests?limit=1&method=POST").get_json()[0]
    assert entry["warnings"] == [
        {"parameter": "readOnly", "message": "unknown field, which DigitalChalk ignores"}
    ]
    app.config["STRICT"] = True
    response = client.post(FIELDS, json={**NEW, "readOnly": True}, headers=AUTH)
    message = "strict mode: unknown field, which DigitalChalk ignores"
    assert (response.status_code, response.get_json()) == (400, {"fieldErrors": {"readOnly": message}})
    response = client.get(f"{CATEGORIES}?kind=public", headers=AUTH)
    assert response.status_code == 400 and "kind" in response.get_json()["fieldErrors"]


# --- fixtures and the admin API ------------------------------------------------------------------------


def test_the_admin_api_dumps_adds_and_checks_fields(client: FlaskClient) -> None:
    state = client.get("/__admin/state").get_json()["digitalchalk"]
    assert [field["id"] for field in state["userFields"]] == [*BUILT_IN, *CUSTOM]
    assert not any("categoryName" in field for field in state["userFields"])  # the category's, not kept
    add = "/__admin/state/digitalchalk/userFields"
    record = {"id": "f-1", "type": "yesno", "name": "Veteran", "categoryId": BIO, "categoryType": "private"}
    added = client.post(add, json=record)
    assert (added.status_code, added.get_json()) == (201, {"added": 1, "total": 11})
    assert client.get(f"{FIELDS}/f-1", headers=AUTH).get_json()["categoryName"] == "Biographical Information"
    conflicts = [
        {**record, "id": "f-2", "categoryId": "nowhere"},
        {**record, "id": "f-3", "categoryType": "public"},
        {**record, "id": "f-1"},
    ]
    for conflict in conflicts:
        assert client.post(add, json=conflict).status_code == 409
    invalid = client.post(add, json={**record, "id": "f-4", "type": "radios"})
    assert invalid.status_code == 422
    replaced = client.put("/__admin/state", json=client.get("/__admin/state").get_json())
    assert replaced.status_code == 204
    assert listed(client, FIELDS)[-1] == "f-1"


def test_a_fixture_field_error_names_its_path(write_fixtures: Any) -> None:
    fixture = default_fixture("digitalchalk")
    fixture["userFields"][1]["categoryId"] = "nowhere"
    del fixture["userFields"][7]["categoryId"]  # Department: custom, so it needs one
    fixture["userFields"][6]["options"] = [{"name": ""}]
    fixture["userFieldCategories"][1]["type"] = "hidden"
    folder = write_fixtures(digitalchalk=fixture)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    text = str(raised.value)
    assert "userFieldCategories.1.type: must be public or private" in text
    assert "userFields.6.options.0.name: Shorter than minimum length 1." in text
    del fixture["userFields"][6]["options"]
    fixture["userFieldCategories"][1]["type"] = "private"
    folder = write_fixtures(digitalchalk=fixture)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    text = str(raised.value)
    assert "userFields.1.categoryId: No user field category has the id nowhere." in text
    assert "userFields.7.categoryId: Missing data for required field" in text
    assert "userFields.6" not in text
