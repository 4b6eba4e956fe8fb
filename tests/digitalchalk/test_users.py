"""DigitalChalk users: list with filters and paging, read, create, update and delete, on the vendor's
state, per session, with the vendor's error bodies; the password never shown or journaled."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from mockserver.app import VENDORS
from mockserver.digitalchalk.users import EMAIL_PATTERN, INVALID_EMAIL, INVALID_PASSWORD, LOCALE_PATTERN
from mockserver.digitalchalk.views import SECOND_QUESTION_MARK
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.resources import data_dir
from mockserver.store import World
from mockserver.vendor import WriteContext

from ..conftest import AUTH, DC_LIST

USERS = "/dc/api/v5/users"
CLOCK = "2024-03-05T09:28:10Z"
MARIA = "6629aeada89133acedfad6d7d110123d"
DANIEL = "8792decaa79914345364861afed8a21d"  # two registrations in the default fixtures
FIXTURE_IDS = [MARIA, "4893212a29887dcaedf0084472869c3d", "82acedecafed2ac93ac877dea9921412", DANIEL]
NOT_FOUND = {"errors": ["No resource exists with the given id."]}
NEW = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.net", "password": "analytical1"}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def ids(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"{USERS}?limit=100&{query}", headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return [user["id"] for user in response.get_json()["results"]]


def create(client: FlaskClient, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    return client.post(USERS, json=NEW if body is None else body, headers=headers or AUTH)


def created_id(response: Any) -> str:
    assert response.status_code == 201, response.get_json()
    assert response.data == b""
    location = response.headers["Location"]
    assert re.fullmatch(rf"{USERS}/[0-9a-f]{{32}}", location), location
    return str(location.rsplit("/", 1)[1])


# --- list --------------------------------------------------------------------------------------------


def test_the_default_fixtures_hold_the_seed_registrations_users(client: FlaskClient) -> None:
    response = client.get(USERS, headers=AUTH)
    assert response.status_code == 200
    body = response.get_json()
    assert body.keys() == {"results"}
    assert [user["id"] for user in body["results"]] == FIXTURE_IDS
    assert body["results"][0] == {
        "id": MARIA,
        "firstName": "Maria",
        "lastName": "Alvarez",
        "username": "maria.alvarez@example.org",
        "email": "maria.alvarez@example.org",
        "locale": "en",
        "tags": ["staff"],
        "createdDate": "2012-02-27T15:41:09Z",
        "lastLoginDate": "2012-03-20T19:02:47Z",
    }
    registrations = client.get(DC_LIST, headers=AUTH).get_json()["results"]
    registered = {registration["userId"] for registration in registrations}
    assert registered == set(FIXTURE_IDS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("email=@EXAMPLE.org", [MARIA, FIXTURE_IDS[1], DANIEL]),
        ("email=sophie.martin@example.com", [FIXTURE_IDS[2]]),
        ("firstName=an", [DANIEL]),  # Daniel; case ignored
        ("firstName=AN&lastName=kim", [DANIEL]),
        ("lastName=A", FIXTURE_IDS[:3]),
        ("username=SMART", [FIXTURE_IDS[2]]),
        ("email=nobody", []),
        ("createdDate=2011", [DANIEL]),
        ("createdDate=[2012-02-28,2012-02]", [FIXTURE_IDS[1], FIXTURE_IDS[2]]),
        ("lastLoginDate=2012-03-20T19", [MARIA, FIXTURE_IDS[2]]),
        ("lastLoginDate=[,2012-02]&email=example.org", [DANIEL]),
    ],
)
def test_filters_are_anded_substrings_and_dates(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert ids(client, query) == expected


def test_pages_have_next_and_prev_like_the_registrations_list(client: FlaskClient) -> None:
    first = client.get(f"{USERS}?email=example&limit=2", headers=AUTH).get_json()
    assert [user["id"] for user in first["results"]] == FIXTURE_IDS[:2]
    assert first["next"] == f"http://localhost{USERS}?email=example&limit=2&offset=2"
    assert "prev" not in first
    second = client.get(first["next"], headers=AUTH).get_json()
    assert [user["id"] for user in second["results"]] == FIXTURE_IDS[2:]
    assert "next" not in second
    assert second["prev"] == f"http://localhost{USERS}?email=example&limit=2&offset=0"


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=0", {"limit": "must be between 1 and 100"}),
        ("limit=100?email=x", {"limit": SECOND_QUESTION_MARK}),
        ("offset=-1&email=", {"offset": "must be 0 or more", "email": "must not be empty"}),
        (
            "lastLoginDate=[2012-03,2012-01]",
            {"lastLoginDate": "the range starts after it ends: 2012-03 is later than 2012-01"},
        ),
    ],
)
def test_invalid_parameters_are_named(client: FlaskClient, query: str, errors: dict[str, str]) -> None:
    response = client.get(f"{USERS}?{query}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": errors}


def test_a_text_filter_may_hold_a_question_mark(client: FlaskClient) -> None:
    """Not the second-`?` bug: a `?` in a substring searched for is meant."""
    response = client.get(f"{USERS}?email=who%3F", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == {"results": []}


def test_an_unknown_parameter_warns_and_strict_mode_refuses_it(client: FlaskClient, app: Any) -> None:
    assert ids(client, "mail=x") == FIXTURE_IDS
    entry = client.get("/__admin/requests?limit=1").get_json()[0]
    assert entry["warnings"] == [
        {
            "parameter": "mail",
            "message": "unknown parameter, which DigitalChalk ignores (did you mean email?)",
        }
    ]
    app.config["STRICT"] = True
    response = client.get(f"{USERS}?mail=x", headers=AUTH)
    assert response.status_code == 400
    message = "strict mode: unknown parameter, which DigitalChalk ignores (did you mean email?)"
    assert response.get_json() == {"fieldErrors": {"mail": message}}


# --- one user ----------------------------------------------------------------------------------------


def test_a_user_is_read_by_id_and_an_unknown_id_is_the_vendors_404(client: FlaskClient) -> None:
    response = client.get(f"{USERS}/{MARIA}", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "maria.alvarez@example.org"
    for unknown in ("0" * 32, "not-an-id"):
        response = client.get(f"{USERS}/{unknown}", headers=AUTH)
        assert response.status_code == 404
        assert response.get_json() == NOT_FOUND


def test_a_created_user_is_found_by_location_and_by_email(client: FlaskClient) -> None:
    body = {**NEW, "username": "ada", "locale": "en-GB", "tags": ["math, poetry", "engine"]}
    response = create(client, body, headers={**AUTH, "Accept": "application/json"})
    user_id = created_id(response)
    user = client.get(response.headers["Location"], headers=AUTH).get_json()
    assert user == {
        "id": user_id,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "username": "ada",
        "email": "ada@example.net",
        "locale": "en-GB",
        "tags": ["math", "poetry", "engine"],
        "createdDate": CLOCK,
    }
    assert ids(client, "email=ADA@example") == [user_id]
    assert ids(client) == [*FIXTURE_IDS, user_id]
    assert ids(client, "createdDate=2024-03-05") == [user_id]


def test_ids_come_from_the_seed_and_the_write(client: FlaskClient) -> None:
    """The same seed and writes give the same ids on either store (and 32 lowercase hex digits)."""
    first = created_id(create(client))
    second = created_id(create(client, {**NEW, "email": "ada2@example.net"}))
    expected = [
        f"{WriteContext(position, 7).rng('digitalchalk').getrandbits(128):032x}" for position in (1, 2)
    ]
    assert [first, second] == expected


def test_a_session_keeps_its_users_and_a_reset_brings_the_fixtures_back(client: FlaskClient) -> None:
    session = {**AUTH, "X-Mockserver-Session": "s1"}
    user_id = created_id(client.post(USERS, json=NEW, headers=session))
    assert client.get(f"{USERS}/{user_id}", headers=session).status_code == 200
    assert client.get(f"{USERS}/{user_id}", headers=AUTH).status_code == 404
    assert client.delete(f"{USERS}/{MARIA}", headers=session).status_code == 204
    assert ids(client) == FIXTURE_IDS
    user_id = created_id(create(client))
    assert client.post("/__admin/reset").status_code == 204
    assert client.get(f"{USERS}/{user_id}", headers=AUTH).status_code == 404
    assert ids(client) == FIXTURE_IDS


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"firstName": "is required", "lastName": "is required", "email": "is required"}),
        ({**NEW, "email": "ada.example.net"}, {"email": INVALID_EMAIL}),
        ({**NEW, "password": "short1"[:5]}, {"password": INVALID_PASSWORD}),
        ({**NEW, "password": "nodigits"}, {"password": INVALID_PASSWORD}),
        ({**NEW, "password": "12345678"}, {"password": INVALID_PASSWORD}),
        ({**NEW, "password": "a1" * 33}, {"password": INVALID_PASSWORD}),
        ({**NEW, "password": 123456}, {"password": "must be a string"}),
        (
            {**NEW, "firstName": "", "username": None},
            {"firstName": "must be a non-empty string", "username": "must be a non-empty string"},
        ),
        ({**NEW, "tags": "a"}, {"tags": "must be an array of strings"}),
        ({**NEW, "tags": [1]}, {"tags": "must be an array of strings"}),
        ({**NEW, "locale": "english"}, {"locale": "must be an ISO 639-1 language code, such as en or en-US"}),
        ({**NEW, "email": "MARIA.alvarez@example.org"}, {"email": "This email address is already in use"}),
        ({**NEW, "username": "SMartin"}, {"username": "This username is already in use"}),
        (
            {**NEW, "email": "daniel.kim@example.org", "username": "smartin", "password": "x"},
            {
                "email": "This email address is already in use",
                "username": "This username is already in use",
                "password": INVALID_PASSWORD,
            },
        ),
    ],
)
def test_invalid_users_are_refused_and_change_nothing(
    client: FlaskClient, world: World, body: dict[str, Any], errors: dict[str, str]
) -> None:
    before = world.dump_state()["digitalchalk"]["users"]
    response = create(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": errors}
    assert world.dump_state()["digitalchalk"]["users"] == before


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [(b"{", "application/json", 400), (b"[]", "application/json", 400), (b"{}", "text/plain", 415)],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    response = client.post(USERS, data=data, headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == status
    assert "errors" in response.get_json()


def test_the_password_is_never_shown_kept_or_journaled(client: FlaskClient, world: World) -> None:
    user_id = created_id(create(client, {**NEW, "notes": {"password": "hunter22"}}))
    assert client.put(f"{USERS}/{user_id}", json={"password": "changed99"}, headers=AUTH).status_code == 204
    client.post(USERS, data='{"password": "plain1x"}', headers={**AUTH, "Content-Type": "text/plain"})
    assert "password" not in client.get(f"{USERS}/{user_id}", headers=AUTH).get_json()
    journal = client.get("/__admin/requests").get_data(as_text=True)
    dumped = str(world.dump_state()) + client.get("/__admin/state").get_data(as_text=True)
    for secret in ("analytical1", "hunter22", "changed99", "plain1x"):
        assert secret not in journal and secret not in dumped
    posted = client.get("/__admin/requests?method=POST&limit=3").get_json()
    assert posted[0]["body"] == {**NEW, "password": "****", "notes": {"password": "****"}}
    assert posted[-1]["body"] == '{"password": "****"}'


# --- update and delete ---------------------------------------------------------------------------------


def test_an_update_is_partial_and_tags_replace(client: FlaskClient) -> None:
    response = client.put(
        f"{USERS}/{DANIEL}", json={"lastName": "Kim-Park", "tags": ["remote"]}, headers=AUTH
    )
    assert response.status_code == 204
    assert response.data == b""
    user = client.get(f"{USERS}/{DANIEL}", headers=AUTH).get_json()
    assert (user["firstName"], user["lastName"], user["tags"]) == ("Daniel", "Kim-Park", ["remote"])
    assert ids(client, "lastName=park") == [DANIEL]
    assert ids(client, "lastName=kim-") == [DANIEL]


def test_an_update_may_keep_its_own_email_but_not_take_anothers(client: FlaskClient) -> None:
    own = client.put(f"{USERS}/{MARIA}", json={"email": "Maria.Alvarez@example.org"}, headers=AUTH)
    assert own.status_code == 204
    taken = client.put(f"{USERS}/{MARIA}", json={"email": "daniel.kim@EXAMPLE.org"}, headers=AUTH)
    assert taken.status_code == 400
    assert taken.get_json() == {"fieldErrors": {"email": "This email address is already in use"}}
    assert client.get(f"{USERS}/{MARIA}", headers=AUTH).get_json()["email"] == "Maria.Alvarez@example.org"
    moved = client.put(f"{USERS}/{MARIA}", json={"email": "maria@example.net"}, headers=AUTH)
    assert moved.status_code == 204
    created_id(create(client, {**NEW, "email": "maria.alvarez@example.org"}))  # free again


def test_an_update_of_an_unknown_user_is_404_and_a_bad_one_400(client: FlaskClient) -> None:
    missing = client.put(f"{USERS}/{'0' * 32}", json={"email": "bad"}, headers=AUTH)
    assert (missing.status_code, missing.get_json()) == (404, NOT_FOUND)
    bad = client.put(f"{USERS}/{MARIA}", json={"email": "bad", "password": "x"}, headers=AUTH)
    assert bad.status_code == 400
    assert bad.get_json() == {"fieldErrors": {"email": INVALID_EMAIL, "password": INVALID_PASSWORD}}


def test_a_deleted_user_is_gone_and_their_registrations_stay(client: FlaskClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json", "Accept": "application/json"}
    response = client.delete(f"{USERS}/{DANIEL}", headers=headers)
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(f"{USERS}/{DANIEL}", headers=AUTH).get_json() == NOT_FOUND
    again = client.delete(f"{USERS}/{DANIEL}", headers=headers)
    assert (again.status_code, again.get_json()) == (404, NOT_FOUND)
    assert ids(client) == FIXTURE_IDS[:3]
    registrations = client.get(f"{DC_LIST}?userId={DANIEL}", headers=AUTH).get_json()["results"]
    assert len(registrations) == 2


def test_unknown_body_fields_warn_and_strict_mode_refuses_them(client: FlaskClient, app: Any) -> None:
    user_id = created_id(create(client, {**NEW, "phone": "555"}))
    entry = client.get("/__admin/requests?limit=1&method=POST").get_json()[0]
    assert entry["warnings"] == [
        {"parameter": "phone", "message": "unknown field, which DigitalChalk ignores"}
    ]
    app.config["STRICT"] = True
    response = client.put(f"{USERS}/{user_id}", json={"phone": "555"}, headers=AUTH)
    assert response.status_code == 400
    message = "strict mode: unknown field, which DigitalChalk ignores"
    assert response.get_json() == {"fieldErrors": {"phone": message}}


# --- fixtures, admin API and contract ----------------------------------------------------------------


def test_the_admin_api_dumps_adds_and_checks_users(client: FlaskClient) -> None:
    state = client.get("/__admin/state").get_json()
    assert [user["id"] for user in state["digitalchalk"]["users"]] == FIXTURE_IDS
    record = {
        "id": "u-1",
        "firstName": "Bo",
        "lastName": "Ng",
        "email": "bo@example.org",
        "createdDate": "2020-01-01T00:00:00Z",
        "password": "secret12",
    }
    added = client.post("/__admin/state/digitalchalk/users", json=record)
    assert (added.status_code, added.get_json()) == (201, {"added": 1, "total": 5})
    assert client.get(f"{USERS}/u-1", headers=AUTH).get_json() == {
        key: value for key, value in record.items() if key != "password"
    }
    add = "/__admin/state/digitalchalk/users"
    duplicate = client.post(add, json={**record, "id": "u-2", "email": "BO@example.org"})
    assert duplicate.status_code == 409
    invalid = client.post(add, json={**record, "id": "u-3", "email": "bo", "password": "x"})
    assert invalid.status_code == 422
    assert ids(client) == [*FIXTURE_IDS, "u-1"]


def test_a_fixture_user_error_names_its_path(write_fixtures: Any) -> None:
    named = {"firstName": "A", "lastName": "B", "createdDate": "2020-01-01T00:00:00Z"}
    users = [
        {**named, "id": "a", "email": "a@x.org"},
        {**named, "id": "b", "email": "A@x.org"},
        {**named, "id": "c", "email": "c@x.org", "firstName": "", "createdDate": "2020-02-30T00:00:00Z"},
    ]
    folder = write_fixtures(digitalchalk={"users": users})
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    text = str(raised.value)
    assert "users.2.firstName" in text and "users.2.createdDate" in text
    del users[2]
    folder = write_fixtures(digitalchalk={"users": users})
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    text = str(raised.value)
    assert "users.1.email" in text and "Duplicate email, already used by users.0." in text


def test_the_contract_repeats_the_patterns_the_mock_checks() -> None:
    contract = yaml.safe_load((data_dir("contracts") / "digitalchalk.yaml").read_text())
    user = contract["components"]["schemas"]["UserInput"]["properties"]
    assert user["email"]["pattern"] == EMAIL_PATTERN
    assert user["locale"]["pattern"] == LOCALE_PATTERN
    admin = yaml.safe_load((data_dir("contracts") / "admin.yaml").read_text())
    record = admin["components"]["schemas"]["DigitalChalkUserInput"]["properties"]
    assert record["email"]["pattern"] == EMAIL_PATTERN
    assert record["locale"]["pattern"] == LOCALE_PATTERN
    assert record["password"]["pattern"] == user["password"]["pattern"]
