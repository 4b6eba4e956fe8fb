"""FullFabric's profiles: one in seconds, the list in milliseconds, filtered and paged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import VENDORS
from mockserver.fixtures.generate import Sizes
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.fullfabric.generate import generate

from ..conftest import CLASS, FF_AUTH, OTHER_PROFILE, PROFILE, default_fixture

PROFILES = "/apis/profiles/profiles"
ADA_ROLE = {
    "id": "65e6e4f1f398a642a7022a01",
    "last_updated_at": 1709630890,
    "withdrawn": False,
    "withdrew_at": None,
    "withdrawn_reasons": [],
    "withdrawn_detail": None,
    "state": "student",
    "substate": "enrolled",
    "potential": None,
    "context_id": CLASS,
    "context_type": "Institutions::ClassOf",
    "campus_id": None,
    "owner_id": None,
}
ADA = {
    "id": PROFILE,
    "first_name": "Ada",
    "middle_name": None,
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "roles": [ADA_ROLE],
    "created_at": 1709630000,
    "updated_at": 1709630890,
    "updated_data_at": 1709630890,
    "source_category": "Website",
    "source_method": "form",
    "photo": None,
    "original_photo": None,
    "contracts": [],
    "diplomas": [],
    "tags": ["scholarship"],
    "activated_at": 1709630100,
    "last_seen": 1709630890,
    "__date_of_birth": "1815-12-10",
}
ALAN_CREATED = 0x6385BDD4  # 2022-11-29: his id's time, the fixture giving none


def listed(client: FlaskClient, query: dict[str, str]) -> list[str]:
    response = client.get(PROFILES, query_string=query, headers=FF_AUTH)
    assert response.status_code == 200, response.get_json()
    return [profile["id"] for profile in response.get_json()]


def test_a_profile_in_seconds_with_its_roles_and_custom_fields(client: FlaskClient) -> None:
    response = client.get(f"{PROFILES}/{PROFILE}", headers=FF_AUTH)
    assert response.status_code == 200
    assert response.get_json() == ADA
    assert response.headers["X-Request-Id"]


def test_what_the_fixture_leaves_out_has_defaults(client: FlaskClient) -> None:
    alan = client.get(f"{PROFILES}/{OTHER_PROFILE}", headers=FF_AUTH).get_json()
    assert alan["middle_name"] == "Mathison"
    assert alan["created_at"] == alan["updated_at"] == alan["updated_data_at"] == ALAN_CREATED
    assert alan["tags"] == alan["contracts"] == alan["diplomas"] == []
    assert alan["photo"] is alan["source_category"] is alan["activated_at"] is alan["last_seen"] is None
    [role] = alan["roles"]
    assert (role["state"], role["substate"], role["last_updated_at"]) == (
        "applicant",
        "submitted",
        ALAN_CREATED,
    )


def test_the_list_is_in_milliseconds(client: FlaskClient) -> None:
    response = client.get(PROFILES, headers=FF_AUTH)
    assert response.status_code == 200
    ada, alan = response.get_json()
    assert ada == ADA | {
        "created_at": 1709630000000,
        "updated_at": 1709630890000,
        "updated_data_at": 1709630890000,
        "activated_at": 1709630100000,
        "last_seen": 1709630890000,
        "roles": [ADA_ROLE | {"last_updated_at": 1709630890000}],
    }
    assert alan["id"] == OTHER_PROFILE
    assert alan["created_at"] == ALAN_CREATED * 1000


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [PROFILE, OTHER_PROFILE]),
        ({"limit": "1"}, [PROFILE]),
        ({"limit": "1000"}, [PROFILE, OTHER_PROFILE]),
        ({"skip": "1"}, [OTHER_PROFILE]),
        ({"skip": "2"}, []),
        ({"skip": "9" * 100}, []),
        ({"filter[field]": "emails.email", "filter[value]": "ada.lovelace@example.com"}, [PROFILE]),
        ({"filter[field]": "email", "filter[value]": "alan.turing@example.com"}, [OTHER_PROFILE]),
        ({"filter[field]": "middle_name"}, [PROFILE]),  # no value: the field is empty
        ({"filter[field]": "middle_name", "filter[value]": "Mathison"}, [OTHER_PROFILE]),
        ({"filter[field]": "tags", "filter[value]": "scholarship"}, [PROFILE]),
        ({"filter[field]": "tags"}, [OTHER_PROFILE]),
        ({"filter[field]": "__date_of_birth", "filter[value]": "1815-12-10"}, [PROFILE]),
        ({"filter[context][id]": CLASS}, [PROFILE, OTHER_PROFILE]),
        ({"filter[context][id]": "6385baad976a77191200ffff"}, []),
        ({"filter[context][state]": "student"}, [PROFILE]),
        ({"filter[context][state]": "applicant::submitted"}, [OTHER_PROFILE]),
        ({"filter[context][state]": "applicant::enrolled"}, []),
        ({"filter[context][id]": CLASS, "filter[context][state]": "student::enrolled"}, [PROFILE]),
        ({"updated_after": "2024-03-05"}, [PROFILE]),
        ({"updated_before": "2024-03-05"}, [OTHER_PROFILE]),
        ({"updated_after": "1709630890000"}, [PROFILE]),  # at or after
        ({"updated_after": "1709630890001"}, []),
        ({"updated_before": "1709630890000"}, [OTHER_PROFILE]),  # strictly before
        ({"updated_before": "1709630890001"}, [PROFILE, OTHER_PROFILE]),
        ({"updated_data_after": "2024-03-05"}, [PROFILE]),
        ({"updated_data_after": "2024-03-06"}, []),
        ({"updated_data_before": "2024-03-06"}, [PROFILE, OTHER_PROFILE]),
        ({"updated_data_before": "2022-11-29"}, []),
        ({"updated_after": "2024-01-01", "filter[context][state]": "applicant"}, []),  # ANDed
    ],
)
def test_filters_and_paging(client: FlaskClient, query: dict[str, str], expected: list[str]) -> None:
    assert listed(client, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "limit: must be between 1 and 1000"),
        ({"limit": "1001"}, "limit: must be between 1 and 1000"),
        ({"limit": "ten"}, "limit: must be an integer"),
        ({"skip": "-1"}, "skip: must be 0 or more"),
        ({"updated_data_after": "2024-3-5"}, "updated_data_after: must be a date, yyyy-mm-dd"),
        ({"updated_data_before": "2024-02-30"}, "updated_data_before: must be a date, yyyy-mm-dd"),
        (
            {"updated_after": "yesterday"},
            "updated_after: must be a date (yyyy-mm-dd) or a unix timestamp in milliseconds",
        ),
        ({"updated_before": "1" * 17}, "updated_before: must be at most 9999999999999999 (milliseconds)"),
        ({"filter[field]": ""}, "filter[field]: must not be empty"),
    ],
)
def test_an_invalid_parameter_is_refused_naming_it(
    client: FlaskClient, query: dict[str, str], message: str
) -> None:
    response = client.get(PROFILES, query_string=query, headers=FF_AUTH)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_parameter", "message": message}
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize("path", ["6385baad976a77191200ffff", "not-an-object-id", CLASS])
def test_an_unknown_or_malformed_profile_is_not_found(client: FlaskClient, path: str) -> None:
    response = client.get(f"{PROFILES}/{path}", headers=FF_AUTH)
    assert response.status_code == 404
    assert response.get_json() == {"error": "profile_not_found", "message": f"profile {path} not found"}


IGNORED = [
    (PROFILES, {"email": "ada.lovelace@example.com"}, "email", "unknown parameter, which FullFabric ignores"),
    (PROFILES, {"filter[value]": "Ada"}, "filter[value]", "ignored without filter[field]"),
    (f"{PROFILES}/{PROFILE}", {"include": "roles"}, "include", "unknown parameter, which FullFabric ignores"),
]


@pytest.mark.parametrize(("path", "query", "parameter", "message"), IGNORED)
def test_what_fullfabric_ignores_is_a_warning(
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    path: str,
    query: dict[str, str],
    parameter: str,
    message: str,
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.get(path, query_string=query, headers=FF_AUTH)
    assert response.status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": parameter, "message": message}
    ]


def test_a_missing_version_is_served_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.get(PROFILES, headers={"FF-Auth": "t"})
    assert response.status_code == 200
    [warning] = caplog.records[-1].__dict__["request"]["warnings"]
    assert warning["parameter"] == "version"


def test_the_client_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get(PROFILES, headers={**FF_AUTH, "X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


def test_a_missing_token_is_unauthorized(client: FlaskClient) -> None:
    response = client.get(PROFILES, headers={"X-API-Version": "2025-05-07"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize(("path", "query", "parameter", "message"), IGNORED)
    def test_strict_mode_refuses_it_naming_it(
        self, client: FlaskClient, path: str, query: dict[str, str], parameter: str, message: str
    ) -> None:
        response = client.get(path, query_string=query, headers=FF_AUTH)
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": f"strict mode: {parameter}: {message}",
        }

    def test_strict_mode_refuses_a_missing_version(self, client: FlaskClient) -> None:
        response = client.get(PROFILES, headers={"FF-Auth": "t"})
        assert response.status_code == 400
        assert response.get_json()["error"] == "strict_mode"


# --- the fixture ---------------------------------------------------------------------------------------


def with_profile_change(**change: Any) -> dict[str, Any]:
    fixture = default_fixture("fullfabric")
    fixture["profiles"][0] |= change
    return fixture


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"roles": [{"id": "65e6e4f1f398a642a7022a01", "context_id": "6385baad976a77191200ffff"}]},
            "profiles.0.roles.0.context_id: Unknown class 6385baad976a77191200ffff.",
        ),
        (
            {"roles": [{"id": "6385bdd4976a7719120108ea", "context_id": CLASS}]},  # Alan's role's id
            "profiles.1.roles.0.id: Duplicate role id, already used by profiles.0.roles.0.",
        ),
        ({"roles": [{"id": "65e6e4f1f398a642a7022a01"}]}, "profiles.0.roles.0.context_id: Missing data for"),
        ({"nickname": "Ada"}, "profiles.0.nickname: Unknown field."),
        ({"created_at": "2024-03-05"}, "profiles.0.created_at: Not a unix timestamp (whole seconds)."),
    ],
)
def test_a_fixture_with_a_bad_profile_is_refused(
    write_fixtures: Any, change: dict[str, Any], problem: str
) -> None:
    folder = write_fixtures(fullfabric=with_profile_change(**change))
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    assert any(
        text.startswith(f"{folder / 'fullfabric.yaml'}: {problem}") for text in raised.value.problems
    ), raised.value.problems


def test_a_fixture_without_the_new_fields_still_loads(write_fixtures: Any) -> None:
    fixture = default_fixture("fullfabric")
    for name in ("programmes", "study_plans", "role_transcripts"):
        del fixture[name]
    for entry in fixture["transcripts"]:
        del entry["transcript_id"]
    for profile in fixture["profiles"]:
        for name in ("roles", "tags", "created_at", "updated_at", "updated_data_at", "__date_of_birth"):
            profile.pop(name, None)
    for cls in fixture["classes"]:
        for name in list(cls):
            if name not in ("id", "course_id", "name"):
                del cls[name]
    loaded = load_fixtures(write_fixtures(fullfabric=fixture), VENDORS).data["fullfabric"]
    assert loaded["programmes"] == []
    assert loaded["profiles"] == fixture["profiles"]


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_fixtures_have_consistent_roles_classes_and_programmes(
    write_fixtures: Any, seed: int
) -> None:
    sizes = Sizes(profiles=40, courses=3, units=2, classes=2, registrations=0, users=0, offerings=0)
    fixture = generate(seed, sizes)
    loaded = load_fixtures(write_fixtures(fullfabric=fixture), VENDORS).data["fullfabric"]
    classes = {cls["id"]: cls for cls in loaded["classes"]}
    programmes = {programme["id"] for programme in loaded["programmes"]}
    assert len(programmes) == 3
    assert all(cls["programme_id"] in programmes for cls in classes.values())
    for profile in loaded["profiles"]:
        assert profile["roles"], profile
        assert all(role["context_id"] in classes for role in profile["roles"])
        assert profile["created_at"] <= profile["updated_at"] == profile["updated_data_at"]
    # each role is in a class of a course the profile has on its transcript
    courses: dict[str, set[str]] = {}
    for entry in loaded["transcripts"]:
        courses.setdefault(entry["profile_id"], set()).add(entry["course_id"])
    for profile in loaded["profiles"]:
        assert {classes[role["context_id"]]["course_id"] for role in profile["roles"]} <= courses[
            profile["id"]
        ]


# --- the institution ------------------------------------------------------------------------------------

INSTITUTION = "/apis/institutions/institution"


def test_the_institution_is_the_fixtures(client: FlaskClient) -> None:
    """The vendor's own auth example, verbatim: FF-Auth alone, no version (served as the newest)."""
    response = client.get(INSTITUTION, headers={"FF-Auth": "YOUR_SECRET_TOKEN"})
    assert response.status_code == 200
    assert response.get_json() == {
        "id": "6385ba00976a771912000000",
        "name": "FF Business School",
        "subdomain": "ff-business-school",
    }
    assert response.headers["X-Request-Id"]
    assert client.get(INSTITUTION).status_code == 401


def test_an_institution_is_served_with_its_own_fields_or_none(client: FlaskClient) -> None:
    dumped = client.get("/__admin/state").get_json()
    dumped["fullfabric"]["institution"] |= {"country": "PT"}
    assert client.put("/__admin/state", json=dumped).status_code == 204
    assert client.get(INSTITUTION, headers=FF_AUTH).get_json()["country"] == "PT"
    del dumped["fullfabric"]["institution"]
    assert client.put("/__admin/state", json=dumped).status_code == 204
    assert client.get(INSTITUTION, headers=FF_AUTH).get_json() == {
        "id": None,
        "name": None,
        "subdomain": None,
    }
    assert "institution" not in client.get("/__admin/state").get_json()["fullfabric"]


def test_an_institution_needs_an_object_id(write_fixtures: Any) -> None:
    fixture = default_fixture("fullfabric") | {"institution": {"name": "No id"}}
    with pytest.raises(FixtureError) as raised:
        load_fixtures(write_fixtures(fullfabric=fixture), VENDORS)
    assert str(raised.value).endswith("fullfabric.yaml: institution.id: Missing data for required field.")


def test_the_institution_warns_of_parameters(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert client.get(f"{INSTITUTION}?expand=all", headers=FF_AUTH).status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "expand", "message": "unknown parameter, which FullFabric ignores"}
    ]
