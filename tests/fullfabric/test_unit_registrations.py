"""FullFabric's unit registrations: every profile's registration of a unit listed, and updated all at once."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app
from mockserver.fullfabric.commands import UpdateUnitRegistrations
from mockserver.fullfabric.transcripts import KEEP, GradeInput, UnitRegistrationUpdate
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
    RedisServer,
    ff_path,
    ff_post,
)
from .conftest import fullfabric_state

UNKNOWN_ID = "6385baad976a77191200ffff"


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 3, "CLOCK": "2024-04-01T19:33:20Z"}


def unit_path(unit_id: str = UNIT_TWO_GRADES) -> str:
    return f"/apis/registrations/units/{unit_id}/registrations"


def unit_get(client: FlaskClient, query: str = "", unit_id: str = UNIT_TWO_GRADES, **headers: str) -> Any:
    """GET the unit's registrations with `query`; return the response."""
    return client.get(f"{unit_path(unit_id)}?{query}", headers=headers or FF_AUTH)


def unit_listed(client: FlaskClient, query: str = "", unit_id: str = UNIT_TWO_GRADES) -> list[dict[str, Any]]:
    """The registrations the unit's GET answers for `query`, which must succeed."""
    response = unit_get(client, query, unit_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def unit_patch(
    client: FlaskClient,
    *items: Any,
    unit_id: str = UNIT_TWO_GRADES,
    headers: dict[str, str] | None = None,
    also: dict[str, Any] | None = None,
) -> Any:
    """PATCH `items` (and the body fields in `also`) on the unit's registrations; return the response."""
    body = {"registrations": list(items), **(also or {})}
    return client.patch(unit_path(unit_id), json=body, headers=headers or FF_AUTH)


def profile_listed(client: FlaskClient, profile_id: str = PROFILE) -> list[dict[str, Any]]:
    response = client.get(ff_path(profile_id), headers=FF_AUTH)
    assert response.status_code == 200
    return response.get_json()


def register_other_profile(client: FlaskClient) -> dict[str, Any]:
    """OTHER_PROFILE registered on UNIT_TWO_GRADES; its registration object."""
    posted = ff_post(client, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}, profile_id=OTHER_PROFILE)
    assert posted.status_code == 200
    registration: dict[str, Any] = posted.get_json()[0]["json"]
    return registration


# --- GET ------------------------------------------------------------------------------------------------


def test_the_unit_lists_every_profiles_registration_as_the_profile_list_does(client: FlaskClient) -> None:
    assert [found["id"] for found in unit_listed(client)] == [REGISTERED_ID]
    other = register_other_profile(client)
    ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})  # another unit: not listed
    listed = unit_listed(client)
    assert listed == [profile_listed(client)[0], other]
    assert [found["profile_id"] for found in listed] == [PROFILE, OTHER_PROFILE]
    assert [found["id"] for found in unit_listed(client, unit_id=UNIT_ONE_GRADE)] != []


def test_a_unit_no_one_is_registered_on_is_an_empty_list(client: FlaskClient) -> None:
    assert unit_listed(client, unit_id=UNIT_ONE_GRADE) == []  # on a transcript, unregistered


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", [0, 1]), ("limit=1", [0]), ("limit=1&skip=1", [1]), ("skip=2", []), ("skip=" + "9" * 40, [])],
)
def test_the_list_is_paged(client: FlaskClient, query: str, expected: list[int]) -> None:
    everyone = [REGISTERED_ID, register_other_profile(client)["id"]]
    assert [found["id"] for found in unit_listed(client, query)] == [everyone[i] for i in expected]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit: must be between 1 and 100"),
        ("limit=101", "limit: must be between 1 and 100"),
        ("limit=ten", "limit: must be an integer"),
        ("skip=-1", "skip: must be 0 or more"),
    ],
)
def test_an_invalid_page_fails_the_request(client: FlaskClient, query: str, message: str) -> None:
    response = unit_get(client, query)
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_parameter", "message": message}


def test_unknown_and_repeated_parameters_are_warnings(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert len(unit_listed(client, "profile_id=x&limit=5&limit=1")) == 1
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "profile_id", "message": "unknown parameter, which FullFabric ignores"},
        {"parameter": "limit", "message": "given 2 times; FullFabric uses the last"},
    ]


# --- PATCH ----------------------------------------------------------------------------------------------

GRADED = {
    "grade_state_name": "pass",
    "grade_notes": "Strong finish",
    "grade_feedback": "Well argued",
    "grades": [{"name": "final", "value": "80", "published": True}],
}


@pytest.mark.parametrize("by", ["registration_id", "profile_id"])
def test_a_patch_updates_the_registration_it_names(client: FlaskClient, by: str) -> None:
    other = register_other_profile(client)
    before = unit_listed(client)
    named = {"registration_id": REGISTERED_ID} if by == "registration_id" else {"profile_id": PROFILE}
    response = unit_patch(client, named | GRADED, also={"send_notifications": True})
    assert (response.status_code, response.data) == (200, b"")
    assert "Content-Type" not in response.headers
    [updated] = profile_listed(client)
    assert updated == before[0] | {
        "state_name": "pass",
        "grade_state_name": "pass",
        "awarded": True,
        "published": True,
        "grade_notes": "Strong finish",
        "grade_feedback": "Well argued",
        "grades": [before[0]["grades"][0], before[0]["grades"][1] | {"value": "80", "published": True}],
        "updated_at": NOW,
    }
    assert unit_listed(client) == [updated, other]  # the other profile's is untouched


def test_several_items_apply_at_one_instant_and_merge_grades(client: FlaskClient, world: World) -> None:
    other = register_other_profile(client)
    response = unit_patch(
        client,
        {"registration_id": REGISTERED_ID, "grades": [{"name": "final", "value": "70"}]},
        {"profile_id": OTHER_PROFILE, "grade_state_name": "fail", "awarded": True},
        {"registration_id": REGISTERED_ID, "grades": [{"name": "__coursework", "value": "60"}]},
    )
    assert response.status_code == 200
    mine, theirs = unit_listed(client)
    assert [(grade["name"], grade["value"]) for grade in mine["grades"]] == [
        ("__coursework", "60"),
        ("final", "70"),
    ]
    assert (mine["grade_state_name"], mine["awarded"], mine["updated_at"]) == (None, False, NOW)
    # A grade state and no grade unpublished: published; `awarded` as given, not the state's.
    expected = {"state_name": "fail", "grade_state_name": "fail", "awarded": True, "published": True}
    assert theirs == other | expected | {"updated_at": NOW}
    entries = world.state("fullfabric").transcripts.entries()
    assert entries[(OTHER_PROFILE, UNIT_TWO_GRADES, COURSE)].registration.awarded is True


def test_a_later_grade_state_says_again_whether_it_is_awarded(client: FlaskClient) -> None:
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_state_name": "fail", "awarded": True})
    assert unit_listed(client)[0]["awarded"] is True
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_notes": "kept"})
    assert unit_listed(client)[0]["awarded"] is True  # no grade state given: the override stays
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_state_name": "fail"})
    assert unit_listed(client)[0]["awarded"] is False


def test_a_grade_state_can_be_cleared_and_left_out_is_kept(client: FlaskClient) -> None:
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_state_name": "pass"})
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_notes": "n"})
    assert unit_listed(client)[0]["grade_state_name"] == "pass"
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_state_name": None})
    assert unit_listed(client)[0]["grade_state_name"] is None


REFUSED = [
    # (items, status, code, message): the first failing item decides, and nothing applies (the good
    # items before it included)
    (
        [{"registration_id": REGISTERED_ID, **GRADED}, {"registration_id": UNKNOWN_ID}],
        404,
        "registration_not_found",
        f"registrations[1]: registration {UNKNOWN_ID} of unit {UNIT_TWO_GRADES} not found",
    ),
    (
        [{"profile_id": UNKNOWN_ID}],
        404,
        "profile_not_found",
        f"registrations[0]: profile {UNKNOWN_ID} not found",
    ),
    (
        [{"profile_id": PROFILE, "grade_notes": "n"}, {"profile_id": OTHER_PROFILE}],  # OTHER: unregistered
        404,
        "registration_not_found",
        f"registrations[1]: profile {OTHER_PROFILE} has no registration on unit {UNIT_TWO_GRADES}",
    ),
    (
        [{"registration_id": REGISTERED_ID, "grades": [{"name": "midterm"}]}],
        422,
        "unknown_grade",
        f"registrations[0]: unit {UNIT_TWO_GRADES} has no grade midterm (its grades: __coursework, final)",
    ),
    (
        [{"registration_id": REGISTERED_ID, "grades": [{"name": "final"}, {"name": "final"}]}],
        422,
        "invalid_item",
        "registrations[0]: grades: Grade given more than once: final.",
    ),
    (
        [{"profile_id": PROFILE}, {"profile_id": PROFILE, "grade_state_name": "distinction"}],
        422,
        "unknown_grade_state",
        "registrations[1]: grade state distinction not found (grade states: pass, fail)",
    ),
    (
        [{"profile_id": PROFILE}, {}],
        422,
        "invalid_item",
        "registrations[1]: One of registration_id or profile_id is required.",
    ),
    (
        [{"profile_id": PROFILE, "registration_id": REGISTERED_ID}],
        422,
        "invalid_item",
        "registrations[0]: Give registration_id or profile_id, not both.",
    ),
    (
        [{"profile_id": PROFILE, "awarded": "yes"}],
        422,
        "invalid_item",
        "registrations[0]: awarded: Not a boolean.",
    ),
    (
        [{"profile_id": PROFILE, "grade_notes": None}],
        422,
        "invalid_item",
        "registrations[0]: grade_notes: Field may not be null.",
    ),
    (
        [{"profile_id": 42}],
        422,
        "invalid_item",
        "registrations[0]: profile_id: Not a valid string.",
    ),
    (
        [{"profile_id": PROFILE, "grades": [{"name": "final", "value": 80}]}],
        422,
        "invalid_item",
        "registrations[0]: grades.0.value: Not a valid string.",
    ),
    (
        # A malformed item is found before any item is looked up.
        [{"registration_id": UNKNOWN_ID}, "x"],
        422,
        "invalid_item",
        "registrations[1]: the item must be an object with registration_id or profile_id",
    ),
]


@pytest.mark.parametrize(("items", "status", "code", "message"), REFUSED)
def test_one_failing_item_fails_the_request_and_nothing_applies(
    client: FlaskClient, world: World, items: list[Any], status: int, code: str, message: str
) -> None:
    before = fullfabric_state(world)
    response = unit_patch(client, *items)
    assert response.status_code == status
    assert response.get_json() == {"error": code, "message": message}
    assert fullfabric_state(world) == before
    assert unit_listed(client)[0]["updated_at"] == 1709630890


def test_a_registration_of_another_unit_is_not_found(client: FlaskClient) -> None:
    mine = ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}).get_json()[0]["json"]
    response = unit_patch(client, {"registration_id": mine["id"]})
    assert response.status_code == 404
    assert response.get_json()["error"] == "registration_not_found"


@pytest.mark.parametrize("unit_id", [UNKNOWN_ID, "not-an-id", "6385BAAD976A7719120008E3"])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_unknown_unit_is_404(client: FlaskClient, world: World, unit_id: str, method: str) -> None:
    before = fullfabric_state(world)
    response = client.open(
        unit_path(unit_id), method=method, json={"registrations": [{"profile_id": PROFILE}]}, headers=FF_AUTH
    )
    assert response.status_code == 404
    assert response.get_json() == {"error": "unit_not_found", "message": f"unit {unit_id} not found"}
    assert fullfabric_state(world) == before


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{", "application/json", 400, "invalid_json"),
        ('{"registrations": [{"profile_id": "x"}]}', "text/plain", 415, "unsupported_media_type"),
        ("[]", "application/json", 422, "invalid_body"),
        ('{"send_notifications": false}', "application/json", 422, "invalid_body"),
        ('{"registrations": {}}', "application/json", 422, "invalid_body"),
        ('{"registrations": []}', "application/json", 422, "invalid_body"),
        (
            f'{{"registrations": [{{"profile_id": "{PROFILE}"}}], "send_notifications": "no"}}',
            "application/json",
            422,
            "invalid_body",
        ),
    ],
)
def test_an_unusable_body_fails_the_whole_request(
    client: FlaskClient, world: World, data: str, content_type: str, status: int, code: str
) -> None:
    before = fullfabric_state(world)
    response = client.patch(unit_path(), data=data, content_type=content_type, headers=FF_AUTH)
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert fullfabric_state(world) == before


@pytest.mark.parametrize("send_notifications", [True, False, None])
def test_send_notifications_is_accepted_and_changes_nothing_else(
    client: FlaskClient, world: World, send_notifications: bool | None
) -> None:
    body = {} if send_notifications is None else {"send_notifications": send_notifications}
    response = unit_patch(client, {"profile_id": PROFILE, "grade_notes": "n"}, also=body)
    assert response.status_code == 200
    assert unit_listed(client)[0]["grade_notes"] == "n"
    [patched] = [entry for entry in client.get("/__admin/requests").get_json() if entry["method"] == "PATCH"]
    assert patched["warnings"] == []


@pytest.mark.parametrize(
    ("body", "query", "parameter"),
    [
        ({"dry_run": True}, {}, "dry_run"),
        ({"registrations": [{"profile_id": PROFILE, "state": "rejected"}]}, {}, "registrations[0].state"),
        (
            {"registrations": [{"profile_id": PROFILE, "grades": [{"name": "final", "comment": "ok"}]}]},
            {},
            "registrations[0].grades[0].comment",
        ),
        ({}, {"notify": "1"}, "notify"),
    ],
)
def test_what_fullfabric_ignores_in_a_patch_is_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, body: Any, query: dict[str, str], parameter: str
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    sent = {"registrations": [{"profile_id": PROFILE}]} | body
    response = client.patch(unit_path(), json=sent, query_string=query, headers=FF_AUTH)
    assert response.status_code == 200
    assert unit_listed(client)[0]["registration_state"] == "registered"  # `state` was ignored
    [warning] = caplog.records[-2].__dict__["request"]["warnings"]
    assert warning["parameter"] == parameter


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_a_missing_version_is_served_the_newest_with_a_warning(client: FlaskClient, method: str) -> None:
    response = client.open(
        unit_path(),
        method=method,
        json={"registrations": [{"profile_id": PROFILE}]},
        headers={"FF-Auth": "t"},
    )
    assert response.status_code == 200
    [entry] = client.get("/__admin/requests").get_json()
    assert [warning["parameter"] for warning in entry["warnings"]] == ["version"]


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_an_unknown_version_or_no_token_fails_the_request(client: FlaskClient, method: str) -> None:
    body = {"registrations": [{"profile_id": PROFILE}]}
    response = client.open(unit_path(), method=method, json=body, headers=FF_AUTH | {"X-API-Version": "1999"})
    assert (response.status_code, response.get_json()["error"]) == (400, "unsupported_version")
    response = client.open(unit_path(), method=method, json=body, headers={"X-API-Version": "2025-05-07"})
    assert (response.status_code, response.get_json()["error"]) == (401, "unauthorized")


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("sent", [None, "req-42"])
def test_every_answer_carries_a_request_id(client: FlaskClient, method: str, sent: str | None) -> None:
    headers = FF_AUTH | ({"X-Request-Id": sent} if sent else {})
    body = {"registrations": [{"profile_id": PROFILE}]}
    for unit_id in (UNIT_TWO_GRADES, UNKNOWN_ID):
        response = client.open(unit_path(unit_id), method=method, json=body, headers=headers)
        given = response.headers["X-Request-Id"]
        assert given == sent if sent else re.fullmatch(r"[0-9a-f-]{36}", given)


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    def test_strict_mode_refuses_an_unknown_parameter(self, client: FlaskClient) -> None:
        response = unit_get(client, "offset=5")
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": "strict mode: offset: unknown parameter, which FullFabric ignores",
        }

    def test_strict_mode_refuses_an_unknown_field_and_changes_nothing(
        self, client: FlaskClient, world: World
    ) -> None:
        before = fullfabric_state(world)
        response = unit_patch(client, {"profile_id": PROFILE, "grade_notes": "n", "state": "rejected"})
        assert response.status_code == 400
        assert response.get_json() == {
            "error": "strict_mode",
            "message": "strict mode: registrations[0].state: unknown field, which FullFabric ignores",
        }
        assert fullfabric_state(world) == before

    @pytest.mark.parametrize("method", ["GET", "PATCH"])
    def test_strict_mode_refuses_a_missing_version(self, client: FlaskClient, method: str) -> None:
        body = {"registrations": [{"profile_id": PROFILE}]}
        response = client.open(unit_path(), method=method, json=body, headers={"FF-Auth": "t"})
        assert response.status_code == 400
        assert response.get_json()["message"].startswith("strict mode: version: none asked for")

    def test_strict_mode_serves_clean_requests(self, client: FlaskClient) -> None:
        assert unit_get(client, "limit=5").status_code == 200
        assert (
            unit_patch(client, {"profile_id": PROFILE}, also={"send_notifications": False}).status_code == 200
        )


# --- the write command ----------------------------------------------------------------------------------


def test_the_command_travels_as_json_unchanged() -> None:
    command = UpdateUnitRegistrations(
        UNIT_TWO_GRADES,
        (
            UnitRegistrationUpdate(registration_id=REGISTERED_ID, grade_state_name=None, awarded=False),
            UnitRegistrationUpdate(
                profile_id=PROFILE,
                grade_state_name=KEEP,
                grade_notes="n",
                grade_feedback="f",
                grades=(GradeInput("final", "80", True),),
            ),
        ),
        NOW,
    )
    assert UpdateUnitRegistrations.from_json(command.to_json()) == command


def test_the_patch_is_journaled_once_and_stamps_one_instant(client: FlaskClient, world: World) -> None:
    register_other_profile(client)
    assert (
        unit_patch(client, {"profile_id": PROFILE, **GRADED}, {"profile_id": OTHER_PROFILE}).status_code
        == 200
    )
    patched = [entry for entry in client.get("/__admin/requests").get_json() if entry["method"] == "PATCH"]
    assert [(entry["path"], entry["status"]) for entry in patched] == [(unit_path(), 200)]
    stamps = {registration["updated_at"] for registration in unit_listed(client)}
    assert stamps == {NOW}


def test_a_second_process_on_one_redis_applies_the_patch_the_same(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    """Two mocks on one Redis (as two processes would be): a unit's update made through one, refused or
    applied, is the same state through the other, which applies the command from the log."""
    settings = {"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix, "SEED": 5}
    first, second = (create_app(settings).test_client() for _ in range(2))
    register_other_profile(first)
    assert (
        unit_patch(first, {"profile_id": OTHER_PROFILE}, {"registration_id": UNKNOWN_ID}).status_code == 404
    )
    items = (
        {"profile_id": PROFILE, **GRADED, "awarded": False},
        {"profile_id": OTHER_PROFILE, "grade_notes": "n"},
    )
    assert unit_patch(second, *items).status_code == 200
    assert unit_listed(first) == unit_listed(second)
    mine, theirs = unit_listed(first)
    assert (mine["grade_state_name"], mine["awarded"], theirs["grade_notes"]) == ("pass", False, "n")


def test_an_awarded_given_survives_a_dump_and_a_reload(client: FlaskClient) -> None:
    # The Redis store compacts its log into a dump: what a new process loads must say the same.
    unit_patch(client, {"registration_id": REGISTERED_ID, "grade_state_name": "fail", "awarded": True})
    dumped = client.get("/__admin/state").get_json()
    (stored,) = [
        entry["registration"]
        for entry in dumped["fullfabric"]["transcripts"]
        if entry["registration"] and entry["registration"]["id"] == REGISTERED_ID
    ]
    assert stored["awarded"] is True
    assert client.put("/__admin/state", json=dumped).status_code == 204
    assert unit_listed(client)[0]["awarded"] is True


def test_a_dump_of_registrations_never_updated_by_unit_has_no_awarded(client: FlaskClient) -> None:
    dumped = client.get("/__admin/state").get_json()["fullfabric"]["transcripts"]
    assert all("awarded" not in entry["registration"] for entry in dumped if entry["registration"])


# --- item failure rules ---------------------------------------------------------------------------------


def add_rule(client: FlaskClient, **spec: Any) -> dict[str, Any]:
    response = client.post("/__admin/failures", json={"api": "fullfabric", "scope": "item", **spec})
    assert response.status_code == 201, response.get_json()
    rule: dict[str, Any] = response.get_json()
    return rule


def test_an_item_rule_fails_the_whole_unit_update_naming_the_item(client: FlaskClient, world: World) -> None:
    register_other_profile(client)
    rule = add_rule(client, match={"profile_id": OTHER_PROFILE}, respond={"status": 503})
    before = fullfabric_state(world)
    response = unit_patch(client, {"profile_id": PROFILE, **GRADED}, {"profile_id": OTHER_PROFILE, **GRADED})
    assert response.status_code == 503
    assert response.get_json() == {
        "error": "injected_failure",
        "message": "registrations[1]: injected by failure rule rule-1",
    }
    assert fullfabric_state(world) == before  # all or nothing: the first item is not applied either
    (entry,) = client.get("/__admin/requests?method=PATCH").get_json()
    assert entry["matched_rules"] == [
        {
            "id": rule["id"],
            "name": rule["name"],
            "scope": "item",
            "index": 1,
            "reason": entry["matched_rules"][0]["reason"],
        }
    ]
    assert "profile_id" in entry["matched_rules"][0]["reason"]
    # The rule's answer, when it gives one, and its `times`.
    add_rule(
        client,
        match={"unit_id": UNIT_TWO_GRADES, "index": 0},
        respond={"status": 409, "json": {"error": "busy"}},
        times=1,
    )
    client.delete(f"/__admin/failures/{rule['id']}")
    response = unit_patch(client, {"profile_id": PROFILE, **GRADED})
    assert (response.status_code, response.get_json()) == (409, {"error": "busy"})
    assert unit_patch(client, {"profile_id": PROFILE, **GRADED}).status_code == 200


def test_an_item_rule_with_latency_alone_lets_the_update_through(client: FlaskClient) -> None:
    add_rule(client, match={"grade_state_name": "pass"}, latency_ms=50)
    response = unit_patch(client, {"profile_id": PROFILE, **GRADED})
    assert response.status_code == 200
    assert unit_listed(client)[0]["grade_notes"] == "Strong finish"
    (entry,) = client.get("/__admin/requests?method=PATCH").get_json()
    assert entry["duration_ms"] >= 50
    assert [rule["index"] for rule in entry["matched_rules"]] == [0]


def test_an_item_rule_for_the_profiles_path_leaves_the_unit_update_alone(client: FlaskClient) -> None:
    add_rule(client, match={"path": "/apis/registrations/profiles/*"}, respond={"status": 422})
    assert unit_patch(client, {"profile_id": PROFILE, **GRADED}).status_code == 200
