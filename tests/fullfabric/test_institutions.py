"""FullFabric's classes and programmes: read-only, from the fixtures, in seconds."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import CLASS, COURSE, FF_AUTH

PROGRAMME = "6385ba7c976a77191200000a"
OTHER_PROGRAMME = "6385ba7c976a77191200000b"
CLASS_JSON = {
    "id": CLASS,
    "external_id": "MSCF-2024-09",
    "programme_id": PROGRAMME,
    "name_with_programme": "MSc Finance - September 2024",
    "name": "September 2024",
    "custom_name": None,
    "owner_id": None,
    "price_currency": "EUR",
    "price_amount": 24500,
    "opens_on": 1698796800,
    "closes_on": 1722470400,
    "starts_on": 1725148800,
    "ends_on": 1756684800,
    "state": "open",
    "state_auto_mode": False,
    "minimum_capacity": None,
    "maximum_capacity": 60,
    "target_capacity": 45,
    "campuses": [{"id": "6385ba40976a771912000001", "name": "Lisbon"}],
}
PROGRAMME_JSON = {
    "id": PROGRAMME,
    "external_id": "MSCF",
    "name": "MSc Finance",
    "created_at": 1669708412,
    "updated_at": 1669708412,
    "theme": {"id": "6385ba5e976a771912000003", "external_id": "BUS", "name": "Business"},
    "classes": [CLASS_JSON],
}
BARE_PROGRAMME = {"id": OTHER_PROGRAMME, "name": "BSc"}  # added through the admin API


def get(client: FlaskClient, path: str, **query: str) -> Any:
    return client.get(f"/apis/institutions/{path}", query_string=query, headers=FF_AUTH)


def test_a_class(client: FlaskClient) -> None:
    response = get(client, f"classes/{CLASS}")
    assert response.status_code == 200
    assert response.get_json() == CLASS_JSON
    assert response.headers["X-Request-Id"]


def test_programmes_with_their_classes(client: FlaskClient) -> None:
    response = get(client, "programmes")
    assert response.status_code == 200
    assert response.get_json() == [PROGRAMME_JSON]


def test_a_programmes_classes(client: FlaskClient) -> None:
    response = get(client, f"programmes/{PROGRAMME}/classes")
    assert response.status_code == 200
    assert response.get_json() == [CLASS_JSON]


def test_records_added_through_the_admin_api_are_served_with_defaults(client: FlaskClient) -> None:
    assert client.post("/__admin/state/fullfabric/programmes", json=BARE_PROGRAMME).status_code == 201
    new_class = {"id": "6385baad976a7719120008cb", "course_id": COURSE, "programme_id": OTHER_PROGRAMME}
    assert client.post("/__admin/state/fullfabric/classes", json=new_class).status_code == 201
    [_, programme] = get(client, "programmes").get_json()
    assert programme == {
        "id": OTHER_PROGRAMME,
        "external_id": None,
        "name": "BSc",
        "created_at": 0x6385BA7C,  # the id's time
        "updated_at": 0x6385BA7C,
        "theme": None,
        "classes": [
            {name: None for name in CLASS_JSON}
            | {
                "id": new_class["id"],
                "programme_id": OTHER_PROGRAMME,
                "name_with_programme": "BSc",
                "state": "open",
                "state_auto_mode": False,
                "campuses": [],
            }
        ],
    }


def test_a_class_of_an_unknown_programme_is_refused_by_the_admin_api(client: FlaskClient) -> None:
    new_class = {"id": "6385baad976a7719120008cb", "course_id": COURSE, "programme_id": OTHER_PROGRAMME}
    response = client.post("/__admin/state/fullfabric/classes", json=new_class)
    assert response.status_code == 409  # a reference to what the state lacks: a conflict
    assert response.get_json()["errors"] == [f"0.programme_id: Unknown programme {OTHER_PROGRAMME}."]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [PROGRAMME, OTHER_PROGRAMME]),
        ({"limit": "1"}, [PROGRAMME]),
        ({"limit": "1000"}, [PROGRAMME, OTHER_PROGRAMME]),
        ({"skip": "1"}, [OTHER_PROGRAMME]),
        ({"skip": "2"}, []),
        ({"skip": "9" * 100}, []),
    ],
)
def test_programmes_are_paged(client: FlaskClient, query: dict[str, str], expected: list[str]) -> None:
    assert client.post("/__admin/state/fullfabric/programmes", json=BARE_PROGRAMME).status_code == 201
    response = get(client, "programmes", **query)
    assert response.status_code == 200
    assert [programme["id"] for programme in response.get_json()] == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "limit: must be between 1 and 1000"),
        ({"limit": "1001"}, "limit: must be between 1 and 1000"),
        ({"skip": "-1"}, "skip: must be 0 or more"),
        ({"skip": "x"}, "skip: must be an integer"),
    ],
)
def test_an_invalid_page_is_refused_naming_it(
    client: FlaskClient, query: dict[str, str], message: str
) -> None:
    response = get(client, "programmes", **query)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_parameter", "message": message}


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("classes/6385baad976a77191200ffff", "class_not_found", "class 6385baad976a77191200ffff not found"),
        (f"classes/{COURSE}", "class_not_found", f"class {COURSE} not found"),  # a course is no class
        ("classes/nonsense", "class_not_found", "class nonsense not found"),
        (
            f"programmes/{OTHER_PROGRAMME}/classes",
            "programme_not_found",
            f"programme {OTHER_PROGRAMME} not found",
        ),
    ],
)
def test_unknown_is_not_found(client: FlaskClient, path: str, code: str, message: str) -> None:
    response = get(client, path)
    assert response.status_code == 404
    assert response.get_json() == {"error": code, "message": message}
    assert response.headers["X-Request-Id"]


PATHS = ["programmes", f"programmes/{PROGRAMME}/classes", f"classes/{CLASS}"]


@pytest.mark.parametrize("path", PATHS)
def test_an_unknown_parameter_is_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert get(client, path, page="2").status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "page", "message": "unknown parameter, which FullFabric ignores"}
    ]


@pytest.mark.parametrize("path", PATHS)
def test_a_missing_version_is_served_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.get(f"/apis/institutions/{path}", headers={"FF-Auth": "t"})
    assert response.status_code == 200
    [warning] = caplog.records[-1].__dict__["request"]["warnings"]
    assert warning["parameter"] == "version"


def test_an_unknown_version_is_refused(client: FlaskClient) -> None:
    response = client.get(
        "/apis/institutions/programmes", headers={"FF-Auth": "t", "X-API-Version": "2020-01-01"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_version"


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize("path", PATHS)
    def test_strict_mode_refuses_an_unknown_parameter(self, client: FlaskClient, path: str) -> None:
        response = get(client, path, page="2")
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": "strict mode: page: unknown parameter, which FullFabric ignores",
        }
