"""DigitalChalk's neighbouring endpoints: read one registration, create one, grade or eject one; on the
same state as the list, per session, with the vendor's error bodies."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, DC_NEW, DC_OPEN_OFFERING, DC_USER, add_dc_records, race

CLOCK = "2024-03-05T09:28:10Z"
EJECTED_WITH_END = "21439a7db2891cde5d2eb27751ca7c7a"  # the vendor example's ejected one
ACTIVE = "65ade781cc98d136543678191005431a"  # active, no endDate
ONLY_EJECTED = "must be ejected (the only status an update sets)"
NOTHING = 'Nothing to update: give "grade" (0 to 100) or "status": "ejected"'


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def create(client: FlaskClient, body: Any = None, prefix: str = "", **kwargs: Any) -> Any:
    if body is None:
        body = DC_NEW
    return client.post(f"{prefix}{DC_LIST}", json=body, headers=AUTH, **kwargs)


def listed(client: FlaskClient, query: str = "", prefix: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{prefix}{DC_LIST}?limit=100&{query}", headers=AUTH)
    assert response.status_code == 200
    return response.get_json()["results"]


def test_a_created_registration_is_found_by_a_filtered_list(client: FlaskClient) -> None:
    before = listed(client, "status=active")
    response = create(client)
    assert response.status_code == 201
    assert response.data == b""
    new_id = response.headers["Location"].removeprefix(f"{DC_LIST}/")
    created = client.get(response.headers["Location"], headers=AUTH).get_json()
    assert created == {
        "id": new_id,
        "userId": DC_USER,
        "offeringId": DC_OPEN_OFFERING,
        "title": "Workplace Safety - Section 1",
        "status": "active",
        "createdDate": CLOCK,
    }
    assert len(new_id) == 32 and int(new_id, 16) >= 0
    assert listed(client, "status=active") == [*before, created]
    assert listed(client, f"userId={DC_USER}&createdDate=2024-03") == [created]


def test_a_registration_is_read_by_id(client: FlaskClient) -> None:
    response = client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == next(r for r in listed(client) if r["id"] == EJECTED_WITH_END)


def test_an_unknown_id_is_404_in_the_vendors_shape(client: FlaskClient) -> None:
    for response in (
        client.get(f"{DC_LIST}/nope", headers=AUTH),
        client.put(f"{DC_LIST}/nope", json={"grade": 50}, headers=AUTH),
    ):
        assert response.status_code == 404
        assert response.get_json() == {"errors": ["No resource exists with the given id."]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"userId": "is required", "offeringId": "is required"}),
        ({"userId": "", "offeringId": DC_OPEN_OFFERING}, {"userId": "must be a non-empty string"}),
        ({"userId": DC_USER, "offeringId": 5}, {"offeringId": "must be a non-empty string"}),
    ],
)
def test_a_create_without_user_or_offering_is_400_field_errors(
    client: FlaskClient, body: dict[str, Any], errors: dict[str, str]
) -> None:
    before = listed(client)
    response = create(client, body)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": errors}
    assert listed(client) == before


@pytest.mark.parametrize(
    ("data", "content_type", "status", "message"),
    [
        ("{", "application/json", 400, "The body is not valid JSON"),
        ('{"userId": NaN}', "application/json", 400, "The body is not valid JSON"),
        ("[]", "application/json", 400, "The body must be a JSON object"),
        ('{"userId": "u", "offeringId": "o"}', "text/plain", 415, "Content-Type must be application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_with_errors(
    client: FlaskClient, data: str, content_type: str, status: int, message: str
) -> None:
    before = listed(client)
    response = client.post(DC_LIST, data=data, content_type=content_type, headers=AUTH)
    assert response.status_code == status
    assert response.get_json()["errors"][0].startswith(message)
    assert listed(client) == before


def test_a_grade_is_set_and_kept_as_given(client: FlaskClient) -> None:
    response = client.put(f"{DC_LIST}/{ACTIVE}", json={"grade": 0}, headers=AUTH)
    assert response.status_code == 204 and response.data == b""
    registration = client.get(f"{DC_LIST}/{ACTIVE}", headers=AUTH).get_json()
    assert registration["grade"] == 0 and registration["status"] == "failed"
    client.put(f"{DC_LIST}/{ACTIVE}", json={"grade": 97.15}, headers=AUTH)
    assert client.get(f"{DC_LIST}/{ACTIVE}", headers=AUTH).get_json()["grade"] == 97.15


@pytest.mark.parametrize(
    ("grade", "status"), [(70, "passed"), (100, "passed"), (69.99, "failed"), (0, "failed")]
)
def test_grading_an_active_registration_completes_it_by_the_pass_mark(
    client: FlaskClient, grade: float, status: str
) -> None:
    """The vendor: grading halts progress and sets passed or failed using the course's pass mark (70 when
    the fixture gives the offering none)."""
    assert client.put(f"{DC_LIST}/{ACTIVE}", json={"grade": grade}, headers=AUTH).status_code == 204
    graded = client.get(f"{DC_LIST}/{ACTIVE}", headers=AUTH).get_json()
    assert (graded["status"], graded["grade"], graded["endDate"]) == (status, grade, CLOCK)
    assert ACTIVE in [r["id"] for r in listed(client, f"status={status}")]
    assert ACTIVE not in [r["id"] for r in listed(client, "status=active")]


def test_grading_again_recalculates_and_clears_an_ejection_keeping_the_end(client: FlaskClient) -> None:
    ended = client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH).get_json()["endDate"]
    client.put(f"{DC_LIST}/{EJECTED_WITH_END}", json={"grade": 88}, headers=AUTH)
    regraded = client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH).get_json()
    assert (regraded["status"], regraded["endDate"]) == ("passed", ended)
    client.put(f"{DC_LIST}/{EJECTED_WITH_END}", json={"grade": 12}, headers=AUTH)
    assert client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH).get_json()["status"] == "failed"


def test_an_offerings_pass_mark_decides(client: FlaskClient) -> None:
    offering = {"id": "aa" * 16, "title": "Lenient", "passMark": 40}
    assert client.post("/__admin/state/digitalchalk/offerings", json=offering).status_code == 201
    registration = {"id": "bb" * 16, "userId": DC_USER, "offeringId": "aa" * 16, "status": "active"} | {
        "title": "Lenient",
        "createdDate": "2024-01-01T00:00:00Z",
    }
    assert client.post("/__admin/state/digitalchalk/registrations", json=registration).status_code == 201
    client.put(f"{DC_LIST}/{'bb' * 16}", json={"grade": 45}, headers=AUTH)
    assert client.get(f"{DC_LIST}/{'bb' * 16}", headers=AUTH).get_json()["status"] == "passed"
    served = client.get(f"/dc/api/v5/offerings/{'aa' * 16}", headers=AUTH).get_json()
    assert "passMark" not in served  # the mock's, never served


def test_an_ejection_ends_the_registration_now_unless_it_had_ended(client: FlaskClient) -> None:
    assert client.put(f"{DC_LIST}/{ACTIVE}", json={"status": "ejected"}, headers=AUTH).status_code == 204
    ejected = client.get(f"{DC_LIST}/{ACTIVE}", headers=AUTH).get_json()
    assert (ejected["status"], ejected["endDate"]) == ("ejected", CLOCK)
    assert ACTIVE in [r["id"] for r in listed(client, "status=ejected&endDate=2024-03-05")]
    assert ACTIVE not in [r["id"] for r in listed(client, "status=active")]

    ended = client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH).get_json()["endDate"]
    client.put(f"{DC_LIST}/{EJECTED_WITH_END}", json={"status": "ejected", "grade": 10}, headers=AUTH)
    again = client.get(f"{DC_LIST}/{EJECTED_WITH_END}", headers=AUTH).get_json()
    assert (again["endDate"], again["grade"]) == (ended, 10)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"grade": 101}, {"fieldErrors": {"grade": "must be a number from 0 to 100"}}),
        ({"grade": -0.5}, {"fieldErrors": {"grade": "must be a number from 0 to 100"}}),
        ({"grade": "90"}, {"fieldErrors": {"grade": "must be a number from 0 to 100"}}),
        ({"grade": True}, {"fieldErrors": {"grade": "must be a number from 0 to 100"}}),
        (
            {"status": "passed"},
            {"fieldErrors": {"status": "must be ejected (the only status an update sets)"}},
        ),
        (
            {"grade": 50, "status": "x"},
            {"fieldErrors": {"status": "must be ejected (the only status an update sets)"}},
        ),
        ({}, {"errors": ['Nothing to update: give "grade" (0 to 100) or "status": "ejected"']}),
        ({"title": "x"}, {"errors": ['Nothing to update: give "grade" (0 to 100) or "status": "ejected"']}),
    ],
)
def test_a_bad_update_is_400_and_changes_nothing(
    client: FlaskClient, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    before = listed(client)
    response = client.put(f"{DC_LIST}/{ACTIVE}", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == expected
    assert listed(client) == before


def test_unknown_fields_and_parameters_are_warnings_and_strict_mode_refuses_them(app: Flask) -> None:
    client = app.test_client()
    response = client.post(f"{DC_LIST}?x=1", json={**DC_NEW, "usrId": "u"}, headers=AUTH)
    assert response.status_code == 201
    [entry] = client.get("/__admin/requests?method=POST").get_json()
    assert [w["parameter"] for w in entry["warnings"]] == ["x", "usrId"]
    app.config["STRICT"] = True
    before = listed(client)
    refused = client.put(f"{DC_LIST}/{ACTIVE}", json={"grade": 5, "grader": "g"}, headers=AUTH)
    assert refused.status_code == 400
    message = "strict mode: unknown field, which DigitalChalk ignores (did you mean grade?)"
    assert refused.get_json() == {"fieldErrors": {"grader": message}}
    assert listed(client) == before


def test_every_write_needs_a_token(client: FlaskClient) -> None:
    assert client.post(DC_LIST, json=DC_NEW).status_code == 401
    assert client.put(f"{DC_LIST}/{ACTIVE}", json={"grade": 1}).status_code == 401
    assert client.get(f"{DC_LIST}/{ACTIVE}").status_code == 401


def test_writes_stay_in_their_session_and_a_reset_undoes_them(client: FlaskClient) -> None:
    default_before = listed(client)
    location = create(client, prefix="/__session/a").headers["Location"]
    created = client.get(location, headers=AUTH).get_json()
    client.put(f"/__session/a{DC_LIST}/{ACTIVE}", json={"grade": 1}, headers=AUTH)
    assert created in listed(client, prefix="/__session/a")
    assert listed(client) == default_before
    assert listed(client, prefix="/__session/b") == default_before
    assert client.post("/__session/a/__admin/reset").status_code in (200, 204)
    assert listed(client, prefix="/__session/a") == default_before


def test_with_a_seed_the_same_requests_make_the_same_ids(config: dict[str, Any]) -> None:
    from mockserver.app import create_app

    made = [
        [create(create_app(config).test_client()).headers["Location"] for _ in range(1)] for _ in range(2)
    ]
    assert made[0] == made[1]


def test_a_request_rule_fails_a_create_which_then_changes_nothing(client: FlaskClient) -> None:
    rule = {"name": "down", "api": "digitalchalk", "match": {"method": "POST"}, "respond": {"status": 503}}
    assert client.post("/__admin/failures", json=rule).status_code == 201
    before = listed(client)
    assert create(client).status_code == 503
    assert listed(client) == before


def test_concurrent_creates_and_grades_lose_nothing(app: Flask) -> None:
    start = threading.Barrier(8)
    add_dc_records(app.test_client(), [f"u-{w}" for w in range(8)], [f"o-{n}" for n in range(25)])
    before = len(listed(app.test_client()))

    def work(worker: int) -> None:
        client = app.test_client()
        start.wait()
        for number in range(25):
            created = create(client, {"userId": f"u-{worker}", "offeringId": f"o-{number}"})
            assert created.status_code == 201
            graded = client.put(created.headers["Location"], json={"grade": number}, headers=AUTH)
            assert graded.status_code == 204

    race([threading.Thread(target=work, args=(worker,)) for worker in range(8)])

    client = app.test_client()
    everything = [r for offset in range(0, 300, 100) for r in listed(client, f"offset={offset}")]
    made = everything[before:]
    assert len(made) == 200 and len({r["id"] for r in made}) == 200
    for worker in range(8):
        mine = listed(client, f"userId=u-{worker}")
        assert sorted(r["grade"] for r in mine) == list(range(25))
    assert len(client.get("/__admin/requests?method=POST").get_json()) == 200
    assert len(client.get("/__admin/requests?method=PUT").get_json()) == 200


def test_records_added_while_registrations_are_created_lose_nothing(app: Flask) -> None:
    start = threading.Barrier(6)
    add_dc_records(app.test_client(), ["u-api", "u-admin"], ["o", *(f"o-{n}" for n in range(90))])
    before = len(listed(app.test_client()))

    def creates(worker: int) -> None:
        client = app.test_client()
        start.wait()
        for number in range(30):
            offering = f"o-{worker * 30 + number}"
            assert create(client, {"userId": "u-api", "offeringId": offering}).status_code == 201

    def adds(worker: int) -> None:
        client = app.test_client()
        start.wait()
        for number in range(10):
            record = {
                "id": f"r-{worker}-{number}",
                "userId": "u-admin",
                "offeringId": "o",
                "status": "active",
            }
            added = client.post(
                "/__admin/state/digitalchalk/registrations", json={**record, "createdDate": CLOCK}
            )
            assert added.status_code == 201

    race(
        [threading.Thread(target=creates, args=(worker,)) for worker in range(3)]
        + [threading.Thread(target=adds, args=(worker,)) for worker in range(3)]
    )
    client = app.test_client()
    assert len(listed(client, "userId=u-api")) == 90
    assert len(listed(client, "userId=u-admin")) == 30
    assert client.get("/__admin/health").get_json()["registrations"]["digitalchalk"] == before + 120
