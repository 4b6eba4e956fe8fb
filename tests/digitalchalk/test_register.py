"""`POST /registrations`: both ids must exist, and the offering be available to the user now (the rule of
`GET /offerings?userId=`); `201`, no body, a relative `Location`; a refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockserver.digitalchalk.commands import CreateRegistration
from mockserver.digitalchalk.domain import OfferingUnavailable, UnknownReferences
from mockserver.store import World

from ..conftest import AUTH, DC_LIST

CLOCK = "2024-03-05T09:28:10Z"
# The default fixtures' offerings: open since 2011, no retakes (every example registration is for it);
# open since February 2012, retakes allowed; open January to June 2012 only.
COURSE = "89cd2eada89133acedfad6d766a2d931"
SAFETY = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"
LEADERSHIP = "5e8b1d7c3a9f4e2b6d0c8a7f1e3b5d9c"
# The default fixtures' users, by what they hold for COURSE.
MARIA = "6629aeada89133acedfad6d7d110123d"  # active
JAMES = "4893212a29887dcaedf0084472869c3d"  # passed
SOPHIE = "82acedecafed2ac93ac877dea9921412"  # failed
DANIEL = "8792decaa79914345364861afed8a21d"  # passed, and ejected
UNKNOWN = "ffffffffffffffffffffffffffffffff"
NOT_AVAILABLE = {"errors": ["This offering is not available for registration for the given user."]}
NO_USER = "No user exists with the given id."
NO_OFFERING = "No offering exists with the given id."


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def register(client: FlaskClient, user: str, offering: str, prefix: str = "") -> Any:
    return client.post(f"{prefix}{DC_LIST}", json={"userId": user, "offeringId": offering}, headers=AUTH)


def registrations(client: FlaskClient) -> list[dict[str, Any]]:
    state = client.get("/__admin/state").get_json()
    registrations: list[dict[str, Any]] = state["digitalchalk"]["registrations"]
    return registrations


def add_registration(client: FlaskClient, user: str, offering: str, status: str) -> None:
    record = {"id": f"r-{user}-{status}", "userId": user, "offeringId": offering, "status": status}
    added = client.post("/__admin/state/digitalchalk/registrations", json={**record, "createdDate": CLOCK})
    assert added.status_code == 201, added.get_json()


def set_clock(client: FlaskClient, now: str) -> None:
    assert client.put("/__admin/clock", json={"now": now}).status_code == 200


def available_ids(client: FlaskClient, user: str) -> list[str]:
    response = client.get(f"/dc/api/v5/offerings?userId={user}", headers=AUTH)
    assert response.status_code == 200
    return [offering["id"] for offering in response.get_json()["results"]]


@pytest.mark.parametrize("prefix", ["/dc/api/v5", "/api/v5"])
def test_a_registration_is_201_with_no_body_and_a_relative_location(client: FlaskClient, prefix: str) -> None:
    response = client.post(
        f"{prefix}/registrations", json={"userId": MARIA, "offeringId": SAFETY}, headers=AUTH
    )
    assert response.status_code == 201
    assert response.data == b"" and response.headers["Content-Length"] == "0"
    location = response.headers["Location"]
    assert location.startswith(f"{prefix}/registrations/")
    new_id = location.rsplit("/", 1)[1]
    assert len(new_id) == 32 and int(new_id, 16) >= 0
    assert client.get(location, headers=AUTH).get_json() == {
        "id": new_id,
        "userId": MARIA,
        "offeringId": SAFETY,
        "title": "Workplace Safety - Section 1",  # its offering's title
        "status": "active",
        "createdDate": CLOCK,
    }


def test_the_location_keeps_a_sessions_prefix(client: FlaskClient) -> None:
    response = register(client, MARIA, SAFETY, prefix="/__session/a")
    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"/__session/a{DC_LIST}/")
    assert client.get(response.headers["Location"], headers=AUTH).status_code == 200


def test_a_registered_offering_is_no_longer_available_to_the_user(client: FlaskClient) -> None:
    assert SAFETY in available_ids(client, MARIA)
    assert register(client, MARIA, SAFETY).status_code == 201
    assert SAFETY not in available_ids(client, MARIA)
    assert register(client, MARIA, SAFETY).get_json() == NOT_AVAILABLE
    assert SAFETY in available_ids(client, JAMES)  # another user's registration blocks nobody else


@pytest.mark.parametrize(
    ("user", "offering", "errors"),
    [
        (UNKNOWN, SAFETY, {"userId": NO_USER}),
        (MARIA, UNKNOWN, {"offeringId": NO_OFFERING}),
        (UNKNOWN, UNKNOWN, {"userId": NO_USER, "offeringId": NO_OFFERING}),
        (MARIA, "", {"offeringId": "must be a non-empty string"}),
        ("", UNKNOWN, {"userId": "must be a non-empty string", "offeringId": NO_OFFERING}),
    ],
)
def test_an_unknown_user_or_offering_is_400_field_errors_naming_each(
    client: FlaskClient, user: str, offering: str, errors: dict[str, str]
) -> None:
    before = registrations(client)
    response = register(client, user, offering)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": errors}
    assert registrations(client) == before


@pytest.mark.parametrize(
    ("user", "offering", "now"),
    [
        pytest.param(MARIA, LEADERSHIP, CLOCK, id="window-closed"),
        pytest.param(MARIA, LEADERSHIP, "2012-07-01T00:00:00Z", id="a-second-after-it-closed"),
        pytest.param(MARIA, SAFETY, "2012-01-15T00:00:00Z", id="window-not-yet-open"),
        pytest.param(MARIA, SAFETY, "2012-02-01T08:59:59Z", id="a-second-before-it-opens"),
        pytest.param(MARIA, COURSE, CLOCK, id="already-active"),
        pytest.param(JAMES, COURSE, CLOCK, id="passed-without-retakes"),
        pytest.param(SOPHIE, COURSE, CLOCK, id="failed-without-retakes"),
        pytest.param(DANIEL, COURSE, CLOCK, id="passed-and-ejected"),
    ],
)
def test_an_offering_not_available_to_the_user_is_400_errors(
    client: FlaskClient, user: str, offering: str, now: str
) -> None:
    set_clock(client, now)
    before = registrations(client)
    assert offering not in available_ids(client, user)  # the same rule as the offerings filter
    response = register(client, user, offering)
    assert response.status_code == 400
    assert response.get_json() == NOT_AVAILABLE
    assert registrations(client) == before


@pytest.mark.parametrize(
    ("offering", "now"),
    [
        pytest.param(LEADERSHIP, "2012-01-10T09:00:00Z", id="the-second-it-opens"),
        pytest.param(LEADERSHIP, "2012-06-30T23:59:59Z", id="the-second-it-closes"),
        pytest.param(SAFETY, "2099-12-31T23:59:59Z", id="no-end-never-closes"),
    ],
)
def test_a_window_is_open_from_its_begin_to_its_end_inclusive(
    client: FlaskClient, offering: str, now: str
) -> None:
    set_clock(client, now)
    assert offering in available_ids(client, MARIA)
    assert register(client, MARIA, offering).status_code == 201


@pytest.mark.parametrize("status", ["passed", "failed"])
def test_a_completed_registration_allows_a_retake_when_the_offering_does(
    client: FlaskClient, status: str
) -> None:
    add_registration(client, JAMES, SAFETY, status)  # SAFETY allows retakes
    assert SAFETY in available_ids(client, JAMES)
    assert register(client, JAMES, SAFETY).status_code == 201
    assert [r["status"] for r in registrations(client) if r["offeringId"] == SAFETY] == [status, "active"]


def test_an_ejection_does_not_block(client: FlaskClient) -> None:
    user = {"id": "u-ejected", "firstName": "Eve", "lastName": "Jones", "email": "eve@example.org"}
    assert (
        client.post("/__admin/state/digitalchalk/users", json={**user, "createdDate": CLOCK}).status_code
        == 201
    )
    add_registration(client, "u-ejected", COURSE, "ejected")  # COURSE allows no retakes
    assert COURSE in available_ids(client, "u-ejected")
    assert register(client, "u-ejected", COURSE).status_code == 201


def test_a_deleted_user_cannot_register(client: FlaskClient) -> None:
    assert client.delete(f"/dc/api/v5/users/{MARIA}", headers=AUTH).status_code == 204
    before = registrations(client)
    response = register(client, MARIA, SAFETY)
    assert (response.status_code, response.get_json()) == (400, {"fieldErrors": {"userId": NO_USER}})
    assert registrations(client) == before


def test_the_command_checks_again_when_applied(world: World) -> None:
    """Another process may have registered the user, or deleted them, between the view's look and the
    write: the command itself refuses, and changes nothing."""
    now = world.clock.now()
    world.write(CreateRegistration(MARIA, SAFETY, now))
    before = world.dump_state()
    with pytest.raises(OfferingUnavailable):
        world.write(CreateRegistration(MARIA, SAFETY, now))
    with pytest.raises(UnknownReferences) as raised:
        world.write(CreateRegistration(UNKNOWN, UNKNOWN, now))
    assert raised.value.field_errors == {"userId": NO_USER, "offeringId": NO_OFFERING}
    assert world.dump_state() == before


def test_unknown_fields_and_parameters_warn_and_strict_mode_refuses_them(app: Flask) -> None:
    client = app.test_client()
    body = {"userId": MARIA, "offeringId": SAFETY, "usrId": MARIA}
    assert client.post(f"{DC_LIST}?x=1", json=body, headers=AUTH).status_code == 201
    [entry] = client.get("/__admin/requests?method=POST").get_json()
    assert [w["parameter"] for w in entry["warnings"]] == ["x", "usrId"]
    app.config["STRICT"] = True
    before = registrations(client)
    refused = client.post(DC_LIST, json={"userId": JAMES, "offeringId": SAFETY, "usrId": JAMES}, headers=AUTH)
    assert refused.status_code == 400
    message = "strict mode: unknown field, which DigitalChalk ignores (did you mean userId?)"
    assert refused.get_json() == {"fieldErrors": {"usrId": message}}
    assert registrations(client) == before
