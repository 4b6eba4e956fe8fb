"""FullFabric beside POST on the same path: GET lists a profile's registrations, PATCH updates them."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.store import World

from ..conftest import (
    CLASS,
    COURSE,
    FF_AUTH,
    NOW,
    OTHER_PROFILE,
    PROFILE,
    REGISTERED_ID,
    UNIT_ONE_GRADE,
    UNIT_TWO_GRADES,
    UNOFFERED_COURSE,
    default_fixture,
    ff_path,
    ff_post,
    listed_tokens_config,
    unoffered_course_config,
)
from .conftest import ITEM_FAILURES, fullfabric_state

REGISTERED_AT = 1709630890
UNKNOWN_PROFILE = "6385bdd4976a77191201ffff"
GRADED = {
    "unit_id": UNIT_TWO_GRADES,
    "context_id": CLASS,
    "grade_state_name": "pass",
    "grades": [{"name": "final", "value": "80", "published": True}],
}


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 3, "CLOCK": "2024-04-01T19:33:20Z"}


def ff_get(client: FlaskClient, query: str = "", profile_id: str = PROFILE, **headers: str) -> Any:
    """GET the profile's registrations with `query`; return the response."""
    return client.get(f"{ff_path(profile_id)}?{query}", headers=headers or FF_AUTH)


def listed(client: FlaskClient, query: str = "", profile_id: str = PROFILE) -> list[dict[str, Any]]:
    """The registrations the GET answers for `query`, which must succeed."""
    response = ff_get(client, query, profile_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ff_patch(
    client: FlaskClient, *items: Any, profile_id: str = PROFILE, headers: dict[str, str] | None = None
) -> Any:
    """PATCH `items` as FullFabric registrations; return the response."""
    return client.patch(ff_path(profile_id), json={"registrations": list(items)}, headers=headers or FF_AUTH)


# --- GET ------------------------------------------------------------------------------------------------


def test_a_posted_registration_is_then_listed(client: FlaskClient) -> None:
    posted = ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": CLASS}, profile_id=OTHER_PROFILE)
    assert posted.status_code == 200
    assert listed(client, profile_id=OTHER_PROFILE) == [posted.get_json()[0]["json"]]


def test_the_list_is_the_profiles_registrations_in_transcript_order(client: FlaskClient) -> None:
    # UNIT_ONE_GRADE is on the transcript but unregistered: not listed until it is registered.
    assert [registration["id"] for registration in listed(client)] == [REGISTERED_ID]
    ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    ff_post(client, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}, profile_id=OTHER_PROFILE)
    assert [registration["unit_id"] for registration in listed(client)] == [UNIT_TWO_GRADES, UNIT_ONE_GRADE]
    assert [registration["profile_id"] for registration in listed(client, profile_id=OTHER_PROFILE)] == [
        OTHER_PROFILE
    ]


def test_a_listed_registration_is_the_vendors_registration_object(client: FlaskClient) -> None:
    [registration] = listed(client)
    assert registration == {
        "id": REGISTERED_ID,
        "unit_id": UNIT_TWO_GRADES,
        "course_id": COURSE,
        "transcript_subject_id": COURSE,
        "profile_id": PROFILE,
        "registration_state": "registered",
        "state_name": None,
        "grade_state_name": None,
        "awarded": False,
        "published": False,
        "grade_notes": "",
        "grade_feedback": "",
        "grades": [
            {
                "id": "667ae7cb6ab728271421708e",
                "label": "Coursework",
                "name": "__coursework",
                "value": None,
                "published": False,
                "comment": None,
                "resit_value": None,
                "resit_justification": None,
            },
            {
                "id": "6385baad976a7719120008e6",
                "label": "Final grade",
                "name": "final",
                "value": None,
                "published": False,
                "comment": None,
                "resit_value": None,
                "resit_justification": None,
            },
        ],
        "created_at": REGISTERED_AT,
        "updated_at": REGISTERED_AT,
    }


def test_an_empty_transcript_lists_an_empty_array(client: FlaskClient) -> None:
    assert listed(client, profile_id=OTHER_PROFILE) == []


# Extra units of COURSE, each registered for PROFILE after the default fixtures' entries: states in turn
# registered, conditional, rejected; through CLASS when the index is even, else through COURSE.
EXTRA = 24
STATES = ("registered", "conditional", "rejected")


def extra_unit(index: int) -> str:
    return f"6385baad976a77191201{index:04x}"


def with_extra_registrations() -> dict[str, Any]:
    fixture = default_fixture("fullfabric")
    for index in range(EXTRA):
        unit_id = extra_unit(index)
        fixture["units"].append(
            {
                "id": unit_id,
                "grades": [{"id": f"6385baad976a77191202{index:04x}", "name": "final", "label": "F"}],
            }
        )
        fixture["courses"][0]["units"].append(unit_id)
        fixture["transcripts"].append(
            {
                "profile_id": PROFILE,
                "unit_id": unit_id,
                "course_id": COURSE,
                "registration": {
                    "id": f"65e6e5aaf398a642a70{index:05x}",
                    "context_id": CLASS if index % 2 == 0 else COURSE,
                    "registration_state": STATES[index % 3],
                    "grade_state_name": None,
                    "grade_notes": "",
                    "grade_feedback": "",
                    "grades": [],
                    "created_at": REGISTERED_AT,
                    "updated_at": REGISTERED_AT,
                },
            }
        )
    return fixture


# Every registration of PROFILE in the fixtures above, in transcript order: (unit, state, context).
ALL = [(UNIT_TWO_GRADES, "registered", CLASS)] + [
    (extra_unit(index), STATES[index % 3], CLASS if index % 2 == 0 else COURSE) for index in range(EXTRA)
]


class TestFiltersAndPaging:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        return {"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=with_extra_registrations()))}

    @pytest.mark.parametrize(
        ("query", "states", "contexts"),
        [
            ("registration_states=registered", {"registered"}, None),
            ("registration_states=conditional", {"conditional"}, None),
            ("registration_states=rejected,conditional", {"rejected", "conditional"}, None),
            ("registration_states=registered,conditional,rejected", set(STATES), None),
            (f"context_ids={CLASS}", None, {CLASS}),
            (f"context_ids={COURSE},{CLASS}", None, {CLASS, COURSE}),
            ("context_ids=6385baad976a77191200ffff", None, set()),
            (f"registration_states=rejected&context_ids={COURSE}", {"rejected"}, {COURSE}),
        ],
    )
    def test_filters_are_anded(
        self, client: FlaskClient, query: str, states: set[str] | None, contexts: set[str] | None
    ) -> None:
        expected = [
            unit
            for unit, state, context in ALL
            if (states is None or state in states) and (contexts is None or context in contexts)
        ]
        assert [registration["unit_id"] for registration in listed(client, f"{query}&limit=100")] == expected

    def test_the_default_page_is_the_first_ten(self, client: FlaskClient) -> None:
        assert [registration["unit_id"] for registration in listed(client)] == [
            unit for unit, _, _ in ALL[:10]
        ]

    @pytest.mark.parametrize(
        ("query", "window"),
        [
            ("limit=3&skip=4", slice(4, 7)),
            ("limit=1", slice(0, 1)),
            ("skip=20", slice(20, 30)),
            ("limit=100", slice(0, 100)),
            ("skip=25", slice(25, 25)),
            ("skip=1000000", slice(0, 0)),
            ("skip=36893488147419103233", slice(0, 0)),  # past any index Python slices by
            ("limit=007&skip=0", slice(0, 7)),
            (f"skip={'9' * 100}", slice(0, 0)),  # the most digits an integer parameter may have
            (f"limit={'0' * 5000}3&skip={'0' * 5000}", slice(0, 3)),  # leading zeros are not counted
        ],
    )
    def test_limit_and_skip_page_through_the_list(
        self, client: FlaskClient, query: str, window: slice
    ) -> None:
        units = [unit for unit, _, _ in ALL]
        assert [registration["unit_id"] for registration in listed(client, query)] == units[window]

    def test_paging_applies_to_the_filtered_list(self, client: FlaskClient) -> None:
        conditional = [unit for unit, state, _ in ALL if state == "conditional"]
        page = listed(client, "registration_states=conditional&limit=3&skip=2")
        assert [registration["unit_id"] for registration in page] == conditional[2:5]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("registration_states=", "registration_states: must be a comma-separated list of non-empty values"),
        (
            "registration_states=registered,,rejected",
            "registration_states: must be a comma-separated list of non-empty values",
        ),
        (
            "registration_states=registered,",
            "registration_states: must be a comma-separated list of non-empty values",
        ),
        (
            "registration_states=enrolled",
            "registration_states: each must be one of conditional, registered, rejected, not enrolled",
        ),
        (
            "registration_states=Registered,rejected%20",
            "registration_states: each must be one of conditional, registered, rejected, not Registered, "
            "rejected ",
        ),
        ("context_ids=", "context_ids: must be a comma-separated list of non-empty values"),
        (f"context_ids={CLASS},", "context_ids: must be a comma-separated list of non-empty values"),
        ("limit=0", "limit: must be between 1 and 100"),
        ("limit=101", "limit: must be between 1 and 100"),
        ("limit=", "limit: must be an integer"),
        ("limit=ten", "limit: must be an integer"),
        ("limit=1.5", "limit: must be an integer"),
        ("limit=%205", "limit: must be an integer"),
        ("limit=%D9%A5", "limit: must be an integer"),
        ("skip=-1", "skip: must be 0 or more"),
        ("skip=1_0", "skip: must be an integer"),
        ("limit=0&skip=-1", "limit: must be between 1 and 100; skip: must be 0 or more"),
        (f"skip={'9' * 5000}", "skip: must be an integer of at most 100 digits"),
        (f"limit={'9' * 5000}", "limit: must be an integer of at most 100 digits"),
        (f"skip={'1' * 101}", "skip: must be an integer of at most 100 digits"),
    ],
)
def test_an_invalid_parameter_is_400_naming_it(
    client: FlaskClient, world: World, query: str, message: str
) -> None:
    before = fullfabric_state(world)
    response = ff_get(client, query)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_parameter", "message": message}
    assert fullfabric_state(world) == before


def test_a_repeated_parameter_uses_the_last_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert listed(client, "registration_states=rejected&registration_states=registered") != []
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "registration_states", "message": "given 2 times; FullFabric uses the last"}
    ]


def test_an_unknown_parameter_is_ignored_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert len(listed(client, "registration_state=rejected&offset=5")) == 1  # ignored: still listed
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "registration_state", "message": "unknown parameter, which FullFabric ignores"},
        {"parameter": "offset", "message": "unknown parameter, which FullFabric ignores"},
    ]


# --- PATCH ----------------------------------------------------------------------------------------------


def test_patch_updates_grades_and_grade_state_in_place(client: FlaskClient, world: World) -> None:
    entries = len(world.state("fullfabric").transcripts)
    world.clock.frozen_at = NOW + 60
    response = ff_patch(client, GRADED)

    assert response.status_code == 200
    [outcome] = response.get_json()
    updated = outcome["json"]
    assert outcome["status"] == 200
    assert (updated["id"], updated["created_at"], updated["updated_at"]) == (
        REGISTERED_ID,
        REGISTERED_AT,
        NOW + 60,
    )
    assert (updated["grade_state_name"], updated["state_name"], updated["awarded"]) == ("pass", "pass", True)
    assert [(grade["name"], grade["value"], grade["published"]) for grade in updated["grades"]] == [
        ("__coursework", None, False),
        ("final", "80", True),
    ]
    assert listed(client) == [updated]
    assert len(world.state("fullfabric").transcripts) == entries


def test_patch_merges_grades_and_keeps_or_clears_the_grade_state(client: FlaskClient) -> None:
    ff_patch(client, GRADED)
    item = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}
    kept = ff_patch(client, item | {"grades": [{"name": "__coursework", "value": "78"}]}).get_json()[0][
        "json"
    ]
    assert kept["grade_state_name"] == "pass"
    assert [(grade["value"], grade["published"]) for grade in kept["grades"]] == [("78", False), ("80", True)]
    cleared = ff_patch(client, item | {"grade_state_name": None}).get_json()[0]["json"]
    assert (cleared["grade_state_name"], cleared["state_name"], cleared["awarded"]) == (None, None, False)


def test_patch_items_apply_in_order(client: FlaskClient) -> None:
    first, second = ff_patch(
        client, GRADED, {"unit_id": UNIT_TWO_GRADES, "context_id": COURSE, "grade_state_name": "fail"}
    ).get_json()
    assert first["json"]["grade_state_name"] == "pass"
    assert second["json"]["grade_state_name"] == "fail"
    assert second["json"]["grades"][1]["value"] == "80"  # the first item's grade, kept


class TestRejectedRegistration:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        fixture = default_fixture("fullfabric")
        fixture["transcripts"][0]["registration"]["registration_state"] = "rejected"
        return {"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))}

    def test_patch_keeps_the_registration_state_and_context(self, client: FlaskClient, world: World) -> None:
        # Through the course itself, not the class the registration was made through: the same registration.
        response = ff_patch(client, GRADED | {"context_id": COURSE})
        assert response.status_code == 200
        updated = response.get_json()[0]["json"]
        assert (updated["id"], updated["registration_state"]) == (REGISTERED_ID, "rejected")
        [registration] = world.state("fullfabric").transcripts.registrations()
        assert registration.context_id == CLASS
        assert listed(client, f"context_ids={CLASS}&registration_states=rejected") == [updated]


@pytest.mark.parametrize(
    ("item", "profile_id", "message"),
    [
        (
            {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE},
            PROFILE,
            f"profile {PROFILE} has no registration on unit {UNIT_ONE_GRADE} in course {COURSE}",
        ),
        (
            {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS},
            OTHER_PROFILE,
            f"profile {OTHER_PROFILE} has no registration on unit {UNIT_TWO_GRADES} in course {COURSE}",
        ),
    ],
    ids=["on-the-transcript-unregistered", "not-on-the-transcript"],
)
def test_patch_of_an_unregistered_unit_is_a_per_item_404(
    client: FlaskClient, world: World, item: dict[str, Any], profile_id: str, message: str
) -> None:
    before = (
        len(world.state("fullfabric").transcripts),
        len(world.state("fullfabric").transcripts.registrations()),
    )
    response = ff_patch(client, item, profile_id=profile_id)
    assert response.status_code == 207
    assert response.get_json() == [
        {"status": 404, "json": {"error": "registration_not_found", "message": message}}
    ]
    after = (
        len(world.state("fullfabric").transcripts),
        len(world.state("fullfabric").transcripts.registrations()),
    )
    assert after == before  # nothing created: no transcript entry, no registration


def test_other_items_still_apply_around_an_unregistered_one(client: FlaskClient, world: World) -> None:
    response = ff_patch(
        client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grade_state_name": "pass"}, GRADED
    )
    assert response.status_code == 207
    assert [outcome["status"] for outcome in response.get_json()] == [404, 200]
    assert [registration["grade_state_name"] for registration in listed(client)] == ["pass"]
    assert UNIT_ONE_GRADE not in {r.unit_id for r in world.state("fullfabric").transcripts.registrations()}


@pytest.mark.parametrize(("item", "status", "code", "message"), ITEM_FAILURES)
def test_patch_items_are_judged_like_post_items(
    client: FlaskClient, world: World, item: Any, status: int, code: str, message: str
) -> None:
    before = fullfabric_state(world)
    response = ff_patch(client, item)
    assert response.status_code == 207
    assert response.get_json() == [{"status": status, "json": {"error": code, "message": message}}]
    assert fullfabric_state(world) == before


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grades": [{"name": "exam"}]}, "unknown_grade"),
        (
            {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grade_state_name": "merit"},
            "unknown_grade_state",
        ),
        ({"unit_id": UNIT_ONE_GRADE, "context_id": "6385baad976a77191200ffff"}, "context_not_found"),
    ],
)
def test_the_item_checks_come_before_the_registration_lookup(
    client: FlaskClient, item: dict[str, Any], code: str
) -> None:
    assert ff_patch(client, item).get_json()[0]["json"]["error"] == code


class TestUnitNotOffered:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        return unoffered_course_config(write_fixtures)

    def test_unit_not_offered_is_422_before_the_registration_lookup(self, client: FlaskClient) -> None:
        response = ff_patch(client, {"unit_id": UNIT_TWO_GRADES, "context_id": UNOFFERED_COURSE})
        assert response.get_json()[0] == {
            "status": 422,
            "json": {
                "error": "unit_not_offered",
                "message": f"unit {UNIT_TWO_GRADES} is not offered in course {UNOFFERED_COURSE} "
                f"of context {UNOFFERED_COURSE}",
            },
        }


def test_a_failed_patch_item_leaves_no_trace(client: FlaskClient, world: World) -> None:
    before = fullfabric_state(world)
    bad = GRADED | {"grade_state_name": "distinction"}  # good grades, unknown grade state
    assert ff_patch(client, bad).get_json()[0]["status"] == 422
    assert fullfabric_state(world) == before


def add_rule(client: FlaskClient, **spec: Any) -> dict[str, Any]:
    response = client.post("/__admin/failures", json=spec)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_item_rule_fails_a_patch_item_which_is_not_applied(client: FlaskClient, world: World) -> None:
    rule = add_rule(
        client, name="locked", api="fullfabric", scope="item", match={"index": 0}, respond={"status": 423}
    )
    before = fullfabric_state(world)
    response = ff_patch(client, GRADED)
    assert response.status_code == 207
    assert response.get_json() == [
        {"status": 423, "json": {"error": "injected_failure", "message": "injected by failure rule locked"}}
    ]
    assert fullfabric_state(world) == before
    assert client.get(f"/__admin/failures/{rule['id']}").get_json()["hits"] == 1


def test_an_item_rule_for_post_only_leaves_patch_alone(client: FlaskClient) -> None:
    add_rule(client, api="fullfabric", scope="item", match={"method": "POST"}, respond={"status": 500})
    assert ff_patch(client, GRADED).status_code == 200
    assert ff_post(client, GRADED).status_code == 207


def test_a_request_rule_answers_a_get(client: FlaskClient) -> None:
    add_rule(client, api="fullfabric", match={"method": "GET"}, respond={"status": 503})
    response = ff_get(client)
    assert response.status_code == 503
    assert response.get_json()["error"] == "injected_failure"


def test_patch_and_get_are_journaled(client: FlaskClient) -> None:
    ff_patch(client, GRADED | {"colour": "red"})
    ff_get(client, "limit=5")
    patched, got = client.get("/__admin/requests").get_json()
    assert (patched["method"], patched["status"], patched["body"]) == (
        "PATCH",
        200,
        {"registrations": [GRADED | {"colour": "red"}]},
    )
    assert patched["warnings"] == [
        {"parameter": "registrations[0].colour", "message": "unknown field, which FullFabric ignores"}
    ]
    assert (got["method"], got["query"], got["status"], got["warnings"]) == ("GET", {"limit": "5"}, 200, [])


# --- whole-request checks, GET and PATCH alike ----------------------------------------------------------


def call(client: FlaskClient, method: str, profile_id: str = PROFILE, **kwargs: Any) -> Any:
    """GET or PATCH the path (PATCH with a good body unless one is given)."""
    if method == "PATCH":
        kwargs.setdefault("json", {"registrations": [GRADED]})
    return client.open(ff_path(profile_id), method=method, **kwargs)


METHODS = pytest.mark.parametrize("method", ["GET", "PATCH"])


@METHODS
@pytest.mark.parametrize("headers", [{}, {"FF-Auth": " "}, {"Authorization": "Bearer t"}])
def test_missing_ff_auth_is_401(client: FlaskClient, method: str, headers: dict[str, str]) -> None:
    response = call(client, method, headers=headers | {"X-API-Version": "2099-01-01"})  # auth first
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized", "message": "FF-Auth: missing credentials"}


class TestListedTokens:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        return listed_tokens_config(write_fixtures)

    @METHODS
    @pytest.mark.parametrize(
        ("token", "status"), [("sk-acme-live", 200), ("sk-acme-old", 401), ("sk-x", 401)]
    )
    def test_only_active_listed_tokens_pass(
        self, client: FlaskClient, method: str, token: str, status: int
    ) -> None:
        assert call(client, method, headers={"FF-Auth": token}).status_code == status


@METHODS
@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"X-API-Version": "2024-01-01"}, "unsupported_version"),
        ({"Accept": "application/json;version=v2"}, "unsupported_version"),
        (
            {"Accept": "application/json;version=2021-04-13", "X-API-Version": "2025-05-07"},
            "conflicting_versions",
        ),
    ],
)
def test_a_bad_version_is_400_before_the_profile(
    client: FlaskClient, method: str, headers: dict[str, str], code: str
) -> None:
    response = call(client, method, UNKNOWN_PROFILE, headers={"FF-Auth": "t"} | headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == code


@METHODS
@pytest.mark.parametrize(
    "version", [{"X-API-Version": "2021-04-13"}, {"Accept": "application/json;version=2025-05-07"}]
)
def test_both_versions_are_served(client: FlaskClient, method: str, version: dict[str, str]) -> None:
    assert call(client, method, headers={"FF-Auth": "t"} | version).status_code == 200


@METHODS
def test_an_unknown_profile_is_404_before_the_parameters_and_body(client: FlaskClient, method: str) -> None:
    response = call(client, method, UNKNOWN_PROFILE, query_string={"limit": "0"}, json={}, headers=FF_AUTH)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "profile_not_found",
        "message": f"profile {UNKNOWN_PROFILE} not found",
    }


@METHODS
@pytest.mark.parametrize("sent", [None, "req-42"])
def test_every_answer_carries_a_request_id(client: FlaskClient, method: str, sent: str | None) -> None:
    headers = FF_AUTH | ({"X-Request-Id": sent} if sent else {})
    for response in (
        call(client, method, headers=headers),
        call(client, method, UNKNOWN_PROFILE, headers=headers),
    ):
        given = response.headers["X-Request-Id"]
        assert given == sent if sent else re.fullmatch(r"[0-9a-f-]{36}", given)


def test_another_method_is_405_naming_the_three(client: FlaskClient) -> None:
    response = client.delete(ff_path(), headers=FF_AUTH)
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"
    assert {"GET", "PATCH", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{", "application/json", 400, "invalid_json"),
        ('{"registrations": []}', "text/plain", 415, "unsupported_media_type"),
        ("[]", "application/json", 422, "invalid_body"),
        ("{}", "application/json", 422, "invalid_body"),
        ('{"registrations": {}}', "application/json", 422, "invalid_body"),
        ('{"registrations": []}', "application/json", 422, "invalid_body"),
    ],
)
def test_an_unusable_patch_body_fails_the_whole_request(
    client: FlaskClient, world: World, data: str, content_type: str, status: int, code: str
) -> None:
    before = fullfabric_state(world)
    response = client.patch(ff_path(), data=data, content_type=content_type, headers=FF_AUTH)
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert fullfabric_state(world) == before


@pytest.mark.parametrize(
    ("body", "query", "parameter"),
    [
        ({"registrations": [GRADED], "dry_run": True}, {}, "dry_run"),
        ({"registrations": [GRADED | {"state": "rejected"}]}, {}, "registrations[0].state"),
        (
            {"registrations": [GRADED | {"grades": [{"name": "final", "comment": "ok"}]}]},
            {},
            "registrations[0].grades[0].comment",
        ),
        ({"registrations": [GRADED]}, {"notify": "1"}, "notify"),
    ],
)
def test_what_fullfabric_ignores_in_a_patch_is_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, body: Any, query: dict[str, str], parameter: str
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.patch(ff_path(), json=body, query_string=query, headers=FF_AUTH)
    assert response.status_code == 200
    assert response.get_json()[0]["json"]["registration_state"] == "registered"  # `state` was ignored
    [warning] = caplog.records[-1].__dict__["request"]["warnings"]
    assert warning["parameter"] == parameter


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            (
                "registration_state=registered",
                "registration_state: unknown parameter, which FullFabric ignores",
            ),
            ("limit=5&limit=6", "limit: given 2 times; FullFabric uses the last"),
        ],
    )
    def test_strict_mode_refuses_what_a_get_would_ignore(
        self, client: FlaskClient, query: str, message: str
    ) -> None:
        response = ff_get(client, query)
        assert response.status_code == 400
        assert response.get_json() == {"error": "strict_mode", "message": f"strict mode: {message}"}

    def test_an_invalid_parameter_is_named_before_strict_mode(self, client: FlaskClient) -> None:
        assert ff_get(client, "limit=0&page=2").get_json()["error"] == "invalid_parameter"

    @METHODS
    def test_strict_mode_refuses_a_missing_version(self, client: FlaskClient, method: str) -> None:
        response = call(client, method, headers={"FF-Auth": "t"})
        assert response.status_code == 400
        assert response.get_json()["message"].startswith("strict mode: version: none asked for")

    def test_strict_mode_refuses_an_unknown_patch_field_and_changes_nothing(
        self, client: FlaskClient, world: World
    ) -> None:
        before = fullfabric_state(world)
        response = ff_patch(client, GRADED | {"state": "rejected"})
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": "strict mode: registrations[0].state: unknown field, which FullFabric ignores",
        }
        assert fullfabric_state(world) == before

    def test_strict_mode_serves_clean_requests(self, client: FlaskClient) -> None:
        assert ff_get(client, "registration_states=registered&limit=5").status_code == 200
        assert ff_patch(client, GRADED).status_code == 200


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"headers": {}},
        {"headers": {"FF-Auth": "t", "X-API-Version": "1999-01-01"}},
        {"headers": FF_AUTH, "profile_id": UNKNOWN_PROFILE},
        {"headers": FF_AUTH, "data": "{", "content_type": "application/json"},
    ],
    ids=["no-auth", "bad-version", "unknown-profile", "not-json"],
)
def test_a_refused_patch_changes_nothing(client: FlaskClient, world: World, request_kwargs: Any) -> None:
    before = fullfabric_state(world)
    kwargs = dict(request_kwargs)
    profile_id = kwargs.pop("profile_id", PROFILE)
    if "data" not in kwargs:
        kwargs["json"] = {"registrations": [GRADED]}
    assert client.patch(ff_path(profile_id), **kwargs).status_code >= 400
    assert fullfabric_state(world) == before
