"""DigitalChalk's catalogue: offerings (filters, availability to a user, paging) and offering categories,
read-only through the vendor API, written through fixtures and the admin API."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST

CLOCK = "2024-03-05T09:28:10Z"
OFFERINGS = "/dc/api/v5/offerings"
CATEGORIES = "/dc/api/v5/offeringcategories"
SEED_OFFERING = "89cd2eada89133acedfad6d766a2d931"  # every seed registration's
SAFETY = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"  # open, allows retakes
LEADERSHIP = "5e8b1d7c3a9f4e2b6d0c8a7f1e3b5d9c"  # registration closed in 2012
COMPLIANCE = "7a41c1e4f8d2b3a6c5e9d0f1a2b3c4d5"
DEVELOPMENT = "2b6e9f0a1c3d4e5f6a7b8c9d0e1f2a3b"
ACTIVE_USER = "6629aeada89133acedfad6d7d110123d"  # active in SEED_OFFERING
PASSED_AND_EJECTED = "8792decaa79914345364861afed8a21d"  # passed, and ejected, in SEED_OFFERING
NOT_FOUND = {"errors": ["No resource exists with the given id."]}
JSON_HEADERS = {**AUTH, "Content-Type": "application/json", "Accept": "application/json"}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 7, "CLOCK": CLOCK}


def ids(client: FlaskClient, path: str, headers: dict[str, str] = AUTH) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [record["id"] for record in response.get_json()["results"]]


def offering(offering_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": offering_id, "title": f"Offering {offering_id}", **fields}


def add_offerings(client: FlaskClient, *records: dict[str, Any]) -> None:
    response = client.post("/__admin/state/digitalchalk/offerings", json=list(records))
    assert response.status_code == 201, response.get_json()


def add_user(client: FlaskClient, user: str) -> None:
    record = {"id": user, "firstName": "Ada", "lastName": user, "email": f"{user}@example.org"}
    response = client.post("/__admin/state/digitalchalk/users", json={**record, "createdDate": CLOCK})
    assert response.status_code == 201, response.get_json()


def register(client: FlaskClient, user: str, offering_id: str, status: str, number: int) -> None:
    record = {
        "id": f"r{number}",
        "userId": user,
        "offeringId": offering_id,
        "status": status,
        "createdDate": "2012-03-01T06:03:10Z",
    }
    response = client.post("/__admin/state/digitalchalk/registrations", json=record)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("base", ["/dc/api/v5", "/api/v5"])
def test_offerings_are_listed_in_fixture_order_in_the_vendor_fields(client: FlaskClient, base: str) -> None:
    response = client.get(f"{base}/offerings", headers=JSON_HEADERS)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [record["id"] for record in results] == [SEED_OFFERING, SAFETY, LEADERSHIP]
    assert results[1] == {
        "id": SAFETY,
        "title": "Workplace Safety - Section 1",
        "catalogDescription": "Safety at work, self-paced; may be taken again.",
        "price": 150.0,
        "tags": ["compliance", "safety", "online"],
        "offeringCategoryIds": [COMPLIANCE],
        "orderIndex": 1,
        "createdDate": "2012-02-01T09:00:00Z",
        "registrationBeginDate": "2012-02-01T09:00:00Z",
    }
    assert list(results[1]) == list(response.get_json()["results"][1])  # the vendor's order, kept
    assert all("allowRetakes" not in record for record in results)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title=section%201", [SEED_OFFERING, SAFETY, LEADERSHIP]),
        ("title=SAFETY", [SAFETY]),
        ("title=nothing", []),
        ("tag=compliance", [SEED_OFFERING, SAFETY]),
        ("tag=Compliance&tag=SAFETY", [SAFETY]),
        ("tag=compliance,online", [SEED_OFFERING, SAFETY]),
        ("tag=online%20safety", [SAFETY]),
        ("tag=online+,safety", [SAFETY]),
        ("tag=compliance&tag=leadership", []),
        (f"offeringCategoryId={COMPLIANCE}", [SEED_OFFERING, SAFETY]),
        (f"offeringCategoryId={DEVELOPMENT}", [LEADERSHIP]),
        (f"categoryId={DEVELOPMENT}", [LEADERSHIP]),
        ("createdDate=2012", [SAFETY, LEADERSHIP]),
        ("createdDate=[,2012-01-31]", [SEED_OFFERING, LEADERSHIP]),
        (f"createdDate=2012-02&offeringCategoryId={COMPLIANCE}&tag=safety", [SAFETY]),
    ],
)
def test_filters_are_anded(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert ids(client, f"{OFFERINGS}?{query}") == expected


def test_a_user_sees_the_open_offerings_that_none_of_their_registrations_blocks(client: FlaskClient) -> None:
    # The closed one never; the seed offering not for its active, passed or failed users; Safety, which
    # allows retakes, even for them.
    assert ids(client, f"{OFFERINGS}?userId=someone-new") == [SEED_OFFERING, SAFETY]
    for user in (ACTIVE_USER, PASSED_AND_EJECTED, "4893212a29887dcaedf0084472869c3d"):
        assert ids(client, f"{OFFERINGS}?userId={user}") == [SAFETY]
    assert ids(client, f"{OFFERINGS}?userId={ACTIVE_USER}&tag=compliance&limit=1") == [SAFETY]


@pytest.mark.parametrize(
    ("statuses", "retakes", "available"),
    [
        ((), False, True),
        (("ejected",), False, True),
        (("active",), False, False),
        (("active",), True, False),
        (("passed",), False, False),
        (("failed",), False, False),
        (("passed",), True, True),
        (("failed", "ejected"), True, True),
        (("failed", "active"), True, False),
    ],
)
def test_registrations_block_an_offering_unless_ejected_or_retakes_are_allowed(
    client: FlaskClient, statuses: tuple[str, ...], retakes: bool, available: bool
) -> None:
    add_offerings(client, offering("o-1", allowRetakes=retakes))
    add_user(client, "u-1")
    for number, status in enumerate(statuses):
        register(client, "u-1", "o-1", status, number)
    assert ("o-1" in ids(client, f"{OFFERINGS}?userId=u-1")) is available
    assert "o-1" in ids(client, f"{OFFERINGS}?userId=u-2")  # another user's registrations do not count
    # `POST /registrations` follows the same rule
    created = client.post(DC_LIST, json={"userId": "u-1", "offeringId": "o-1"}, headers=AUTH)
    assert created.status_code == (201 if available else 400)


@pytest.mark.parametrize(
    ("window", "available"),
    [
        ({}, True),
        ({"registrationBeginDate": CLOCK}, True),
        ({"registrationEndDate": CLOCK}, True),
        ({"registrationBeginDate": "2024-03-05T09:28:11Z"}, False),
        ({"registrationEndDate": "2024-03-05T09:28:09Z"}, False),
        (
            {"registrationBeginDate": "2024-01-01T00:00:00Z", "registrationEndDate": "2024-12-31T00:00:00Z"},
            True,
        ),
    ],
)
def test_the_registration_window_is_judged_by_the_mocks_clock(
    client: FlaskClient, window: dict[str, str], available: bool
) -> None:
    add_offerings(client, offering("o-1", **window))
    assert ("o-1" in ids(client, f"{OFFERINGS}?userId=u-1")) is available
    assert "o-1" in ids(client, OFFERINGS)  # listed without a user, whatever its window
    add_user(client, "u-1")  # `POST /registrations` follows the same rule
    created = client.post(DC_LIST, json={"userId": "u-1", "offeringId": "o-1"}, headers=AUTH)
    assert created.status_code == (201 if available else 400)


def test_moving_the_clock_closes_and_opens_windows(client: FlaskClient) -> None:
    add_offerings(client, offering("o-1", registrationEndDate="2024-06-30T23:59:59Z"))
    assert "o-1" in ids(client, f"{OFFERINGS}?userId=u-1")
    assert client.put("/__admin/clock", json={"now": "2024-07-01T00:00:00Z"}).status_code == 200
    assert "o-1" not in ids(client, f"{OFFERINGS}?userId=u-1")


def test_a_new_registration_makes_the_offering_unavailable_to_that_user(client: FlaskClient) -> None:
    add_user(client, "u-1")
    created = client.post(DC_LIST, json={"userId": "u-1", "offeringId": SEED_OFFERING}, headers=AUTH)
    assert created.status_code == 201
    assert ids(client, f"{OFFERINGS}?userId=u-1") == [SAFETY]
    assert ids(client, f"{OFFERINGS}?userId=u-2") == [SEED_OFFERING, SAFETY]


@pytest.mark.parametrize("synonym", ["studentId", "categoryId"])
def test_a_synonym_is_accepted_with_a_warning_naming_it(client: FlaskClient, synonym: str) -> None:
    value = "someone-new" if synonym == "studentId" else COMPLIANCE
    assert ids(client, f"{OFFERINGS}?{synonym}={value}") == [SEED_OFFERING, SAFETY]
    warnings = client.get("/__admin/requests").get_json()[-1]["warnings"]
    documented = {"studentId": "userId", "categoryId": "offeringCategoryId"}[synonym]
    assert warnings == [
        {"parameter": synonym, "message": f"accepted as a synonym of {documented}, the name to send"}
    ]


def test_paging_writes_next_and_prev_as_the_registrations_list(client: FlaskClient) -> None:
    first = client.get("/api/v5/offerings?tag=compliance&limit=1", headers=AUTH).get_json()
    assert [record["id"] for record in first["results"]] == [SEED_OFFERING]
    assert first["next"] == "http://localhost/api/v5/offerings?tag=compliance&limit=1&offset=1"
    assert "prev" not in first
    second = client.get(first["next"], headers=AUTH).get_json()
    assert [record["id"] for record in second["results"]] == [SAFETY]
    assert second["prev"] == "http://localhost/api/v5/offerings?tag=compliance&limit=1&offset=0"
    assert "next" not in second


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("title=", {"title": "must not be empty"}),
        ("tag=", {"tag": "must name a tag"}),
        ("tag=a&tag=,", {"tag": "must name a tag"}),
        ("userId=&categoryId=", {"userId": "must not be empty", "categoryId": "must not be empty"}),
        ("createdDate=2012-13", {"createdDate": "expected"}),
        ("limit=0&offset=-1", {"limit": "must be between 1 and 100", "offset": "must be 0 or more"}),
        ("limit=5?userId=x", {"limit": "holds a second '?'"}),
    ],
)
def test_bad_parameters_are_field_errors(client: FlaskClient, query: str, errors: dict[str, str]) -> None:
    response = client.get(f"{OFFERINGS}?{query}", headers=AUTH)
    assert response.status_code == 400
    field_errors = response.get_json()["fieldErrors"]
    assert sorted(field_errors) == sorted(errors)
    for name, start in errors.items():
        assert field_errors[name].startswith(start)


def test_unknown_parameters_are_warned_of(client: FlaskClient) -> None:
    assert ids(client, f"{OFFERINGS}?titel=x") == [SEED_OFFERING, SAFETY, LEADERSHIP]
    warnings = client.get("/__admin/requests").get_json()[-1]["warnings"]
    assert warnings == [
        {
            "parameter": "titel",
            "message": "unknown parameter, which DigitalChalk ignores (did you mean title?)",
        }
    ]


@pytest.mark.parametrize(
    "path",
    [
        f"{OFFERINGS}?titel=x",
        f"{OFFERINGS}?studentId=u-1",
        f"{OFFERINGS}?categoryId={COMPLIANCE}",
        f"{OFFERINGS}?title=a&title=b",
        f"{OFFERINGS}/{SAFETY}?x=1",
        f"{CATEGORIES}?nam=x",
        f"{CATEGORIES}/{COMPLIANCE}?x=1",
    ],
)
def test_strict_mode_refuses_what_earns_a_warning(client: FlaskClient, path: str) -> None:
    client.application.config["STRICT"] = True
    response = client.get(path, headers=AUTH)
    assert response.status_code == 400
    (message,) = response.get_json()["fieldErrors"].values()
    assert message.startswith("strict mode: ")


def test_repeated_tags_earn_no_warning_even_in_strict_mode(client: FlaskClient) -> None:
    client.application.config["STRICT"] = True
    assert ids(client, f"{OFFERINGS}?tag=compliance&tag=safety") == [SAFETY]


@pytest.mark.parametrize("base", ["/dc/api/v5", "/api/v5"])
def test_one_offering_is_read_bare(client: FlaskClient, base: str) -> None:
    response = client.get(f"{base}/offerings/{LEADERSHIP}", headers=JSON_HEADERS)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": LEADERSHIP,
        "title": "Leadership Basics - Section 1",
        "catalogDescription": "Leading a team; its registration closed in 2012.",
        "tags": ["leadership"],
        "offeringCategoryIds": [DEVELOPMENT],
        "orderIndex": 2,
        "createdDate": "2012-01-10T09:00:00Z",
        "beginDate": "2012-07-02T00:00:00Z",
        "endDate": "2012-09-28T23:59:59Z",
        "registrationBeginDate": "2012-01-10T09:00:00Z",
        "registrationEndDate": "2012-06-30T23:59:59Z",
    }


@pytest.mark.parametrize("path", [f"{OFFERINGS}/nope", f"{CATEGORIES}/nope", f"{OFFERINGS}/{COMPLIANCE}"])
def test_an_unknown_id_is_the_vendors_404(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


def test_categories_are_listed_in_results_and_read_bare(client: FlaskClient) -> None:
    response = client.get(CATEGORIES, headers=JSON_HEADERS)
    assert response.status_code == 200
    assert response.get_json() == {
        "results": [
            {
                "id": COMPLIANCE,
                "name": "Compliance",
                "description": "Courses every employee takes.",
                "color": "#0088ff",
                "orderIndex": 0,
            },
            {"id": DEVELOPMENT, "name": "Professional Development", "color": "#33aa55", "orderIndex": 1},
        ]
    }
    one = client.get(f"/api/v5/offeringcategories/{DEVELOPMENT}", headers=JSON_HEADERS)
    assert one.status_code == 200 and one.get_json() == response.get_json()["results"][1]
    assert ids(client, f"{CATEGORIES}?name=DEVELOP") == [DEVELOPMENT]
    page = client.get(f"{CATEGORIES}?limit=1&offset=1", headers=AUTH).get_json()
    assert page == {
        "results": [response.get_json()["results"][1]],
        "prev": "http://localhost/dc/api/v5/offeringcategories?limit=1&offset=0",
    }


@pytest.mark.parametrize(
    "path", [OFFERINGS, f"{OFFERINGS}/{SAFETY}", CATEGORIES, f"{CATEGORIES}/{COMPLIANCE}"]
)
def test_the_catalogue_needs_a_token(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json() == {"errors": ["Unauthorized: missing credentials"]}


@pytest.mark.parametrize(
    "path", [OFFERINGS, f"{OFFERINGS}/{SAFETY}", CATEGORIES, f"{CATEGORIES}/{COMPLIANCE}"]
)
def test_the_catalogue_is_read_only(client: FlaskClient, path: str) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = client.open(path, method=method, json={}, headers=AUTH)
        assert response.status_code == 405
        assert "errors" in response.get_json()


@pytest.mark.parametrize(
    ("collection", "record", "status", "error"),
    [
        ("offerings", {"id": "o-1"}, 422, "0.title: Missing data for required field."),
        ("offerings", offering("o-1", allowRetakes=1), 422, "0.allowRetakes: Not a valid boolean."),
        ("offerings", offering("o-1", orderIndex="2"), 422, "0.orderIndex: Not a valid integer."),
        ("offerings", offering("o-1", createdDate="2012-03-01"), 422, "0.createdDate: Not a UTC timestamp"),
        ("offerings", offering(SAFETY), 409, "0.id: Duplicate id, already used by offerings.1."),
        (
            "offerings",
            offering("o-1", offeringCategoryIds=["c-9"]),
            409,
            "0.offeringCategoryIds: No offering",
        ),
        (
            "offerings",
            offering("o-1", registrationBeginDate=CLOCK, registrationEndDate="2024-03-05T09:28:09Z"),
            409,
            "0.registrationEndDate: Must not be earlier than registrationBeginDate.",
        ),
        (
            "offeringCategories",
            {"id": "c-1", "name": "x", "color": "blue"},
            422,
            "0.color: Not an HTML colour",
        ),
        ("offeringCategories", {"id": COMPLIANCE, "name": "x"}, 409, "0.id: Duplicate id"),
    ],
)
def test_invalid_catalogue_records_are_refused_by_path_and_change_nothing(
    client: FlaskClient, collection: str, record: dict[str, Any], status: int, error: str
) -> None:
    before = client.get("/__admin/state").get_json()
    response = client.post(f"/__admin/state/digitalchalk/{collection}", json=record)
    assert response.status_code == status
    (message,) = response.get_json()["errors"]
    assert message.startswith(error), message
    assert client.get("/__admin/state").get_json() == before


def test_the_state_dump_loads_back_with_allow_retakes(client: FlaskClient) -> None:
    add_offerings(client, offering("o-1", allowRetakes=True, orderIndex=3.0))
    state = client.get("/__admin/state").get_json()
    assert state["digitalchalk"]["offerings"][-1] == {
        "id": "o-1",
        "title": "Offering o-1",
        "tags": [],
        "offeringCategoryIds": [],
        "orderIndex": 3,
        "allowRetakes": True,
    }
    assert "allowRetakes" not in state["digitalchalk"]["offerings"][0]
    assert client.put("/__admin/state", json=state).status_code == 204
    assert client.get("/__admin/state").get_json() == state
    assert client.get(f"{OFFERINGS}/o-1", headers=AUTH).get_json() == {
        "id": "o-1",
        "title": "Offering o-1",
        "tags": [],
        "offeringCategoryIds": [],
        "orderIndex": 3,
    }
