"""FullFabric's transcripts and unit grades: one state seen through the transcript, the unit's list and the
profile's list; a role's transcript made once; courses registered until the first refused one."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import VENDORS, create_app
from mockserver.fixtures.load import FixtureError, load_fixtures
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
    default_fixture,
    ff_path,
    ff_post,
)

ROLE = "65e6e4f1f398a642a7022a01"  # PROFILE's role, in CLASS
OTHER_ROLE = "6385bdd4976a7719120108ea"  # OTHER_PROFILE's role, in CLASS; no transcript in the fixtures
TRANSCRIPT = "65e6e230f398a642a7022a10"  # PROFILE's transcript for ROLE
PLAN = "6385bb10976a7719120009a0"  # CLASS's study plan: COURSE, then ELECTIVE
ELECTIVE = "6385bcf1976a77191200ba6e"
ELECTIVE_UNIT = "6385baa7976a7719120005e1"
UNKNOWN = "6385baad976a77191200ffff"
EXAMPLE = [  # the vendor's example items
    {
        "unit_id": UNIT_TWO_GRADES,
        "context_id": CLASS,
        "grade_state_name": "pass",
        "grades": [{"name": "__coursework", "value": "12", "published": True}],
    },
    {"unit_id": UNIT_ONE_GRADE, "context_id": CLASS},
]


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 3, "CLOCK": "2024-04-01T19:33:20Z"}


def transcript_of(client: FlaskClient, transcript_id: str = TRANSCRIPT) -> dict[str, Any]:
    response = client.get(f"/apis/transcripts/transcripts/{transcript_id}", headers=FF_AUTH)
    assert response.status_code == 200, response.get_json()
    found: dict[str, Any] = response.get_json()
    return found


def role_path(profile_id: str = PROFILE, role_id: str = ROLE) -> str:
    return f"/apis/profiles/profiles/{profile_id}/roles/{role_id}/transcript"


def register_courses(client: FlaskClient, *course_ids: Any, role_id: str = ROLE, **body: Any) -> Any:
    return client.post(
        f"{role_path(role_id=role_id)}/courses/register",
        json={"course_ids": list(course_ids)} | body,
        headers=FF_AUTH,
    )


def grade(client: FlaskClient, unit_id: str = UNIT_TWO_GRADES, **body: Any) -> Any:
    sent = {"profile_id": PROFILE, "grade_name": "final", "grade_value": 78} | body
    return client.post(f"/apis/units/units/{unit_id}/grades", json=sent, headers=FF_AUTH)


def by_unit(registrations: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {registration["unit_id"]: registration for registration in registrations}


def advance(client: FlaskClient, seconds: int) -> int:
    """Move the frozen clock on; the new instant."""
    response = client.put("/__admin/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200, response.get_json()
    now: int = response.get_json()["unix"]
    return now


# --- one state, three views -----------------------------------------------------------------------------


def test_posted_registrations_are_in_the_transcript_the_units_list_and_the_profiles_list(
    client: FlaskClient,
) -> None:
    posted = [outcome["json"] for outcome in ff_post(client, *EXAMPLE).get_json()]
    transcript = transcript_of(client)
    assert transcript["registrations"] == posted
    assert transcript["updated_at"] == NOW
    assert [subject["id"] for subject in transcript["transcript_subjects"]] == [COURSE, ELECTIVE]
    profile_list = client.get(ff_path(), headers=FF_AUTH).get_json()
    assert profile_list == posted
    units_list = client.get(
        f"/apis/registrations/units/{UNIT_TWO_GRADES}/registrations", headers=FF_AUTH
    ).get_json()
    assert units_list == [posted[0]]


def test_a_posted_grade_is_seen_in_all_three_and_answers_its_transcript_in_milliseconds(
    client: FlaskClient,
) -> None:
    ff_post(client, *EXAMPLE)
    response = grade(client, grade_value=78)
    assert response.status_code == 200
    graded = response.get_json()
    assert graded["transcript_id"] == TRANSCRIPT
    assert (graded["created_at"], graded["updated_at"]) == (1709630890 * 1000, NOW * 1000)
    assert graded["id"] == REGISTERED_ID
    final = {g["name"]: g for g in graded["grades"]}["final"]
    assert (final["value"], final["published"]) == ("78", False)
    in_seconds = graded | {"created_at": 1709630890, "updated_at": NOW}
    del in_seconds["transcript_id"]
    assert by_unit(transcript_of(client)["registrations"])[UNIT_TWO_GRADES] == in_seconds
    assert by_unit(client.get(ff_path(), headers=FF_AUTH).get_json())[UNIT_TWO_GRADES] == in_seconds
    unit_list = client.get(f"/apis/registrations/units/{UNIT_TWO_GRADES}/registrations", headers=FF_AUTH)
    assert unit_list.get_json() == [in_seconds]


@pytest.mark.parametrize(("value", "stored"), [(78, "78"), (78.0, "78"), (78.5, "78.5"), (0, "0")])
def test_a_grade_value_is_kept_as_the_number_written(client: FlaskClient, value: float, stored: str) -> None:
    graded = grade(client, grade_value=value).get_json()
    assert {g["name"]: g["value"] for g in graded["grades"]}["final"] == stored


def test_a_unit_update_moves_the_transcripts_updated_at(client: FlaskClient) -> None:
    later = advance(client, 60)
    patched = client.patch(
        f"/apis/registrations/units/{UNIT_TWO_GRADES}/registrations",
        json={"registrations": [{"profile_id": PROFILE, "grade_notes": "n"}]},
        headers=FF_AUTH,
    )
    assert patched.status_code == 200
    assert transcript_of(client)["updated_at"] == later


# --- a role's transcript --------------------------------------------------------------------------------


def test_creating_a_roles_transcript_fills_it_with_the_study_plan_unregistered(client: FlaskClient) -> None:
    response = client.post(role_path(OTHER_PROFILE, OTHER_ROLE), headers=FF_AUTH)
    assert response.status_code == 201
    made = response.get_json()
    assert made["id"][:8] == f"{NOW:08x}"
    assert made | {"id": "", "transcript_subjects": []} == {
        "id": "",
        "study_plan_id": PLAN,
        "course_id": None,
        "profile_id": OTHER_PROFILE,
        "created_at": NOW,
        "updated_at": NOW,
        "transcript_subjects": [],
        "registrations": [],
        "credits": None,
        "total_credits": 67.5,
        "awarded_credits": 0,
        "profile": {"id": OTHER_PROFILE, "first_name": "Alan", "last_name": "Turing"},
    }
    assert made["transcript_subjects"][1] == {
        "id": ELECTIVE,
        "course_type": "Elective",
        "credits": 7.5,
        "hours": 45,
        "max_number_absences": None,
        "course_id": ELECTIVE,
        "subject_id": None,
        "category_id": None,
        "counts_towards_curricular_grade": True,
        "counts_towards_total_credits": True,
    }
    shown = transcript_of(client, made["id"])
    assert shown == {
        k: v for k, v in made.items() if k not in ("credits", "total_credits", "awarded_credits", "profile")
    }


def test_a_role_with_a_transcript_gets_it_back_unchanged(client: FlaskClient, world: World) -> None:
    first = client.post(role_path(OTHER_PROFILE, OTHER_ROLE), headers=FF_AUTH).get_json()
    advance(client, 3600)
    before = world.state("fullfabric").dump()
    again = client.post(role_path(OTHER_PROFILE, OTHER_ROLE), headers=FF_AUTH)
    assert (again.status_code, again.get_json()) == (200, first)
    existing = client.post(role_path(), headers=FF_AUTH)
    assert (existing.status_code, existing.get_json()["id"]) == (200, TRANSCRIPT)
    assert world.state("fullfabric").dump() == before


@pytest.mark.parametrize(
    ("profile_id", "role_id", "code", "message"),
    [
        (UNKNOWN, ROLE, "profile_not_found", f"profile {UNKNOWN} not found"),
        (PROFILE, OTHER_ROLE, "role_not_found", f"profile {PROFILE} has no role {OTHER_ROLE}"),
        (PROFILE, "nope", "role_not_found", f"profile {PROFILE} has no role nope"),
    ],
)
def test_an_unknown_profile_or_role_is_a_404(
    client: FlaskClient, world: World, profile_id: str, role_id: str, code: str, message: str
) -> None:
    before = world.state("fullfabric").dump()
    for path in (role_path(profile_id, role_id), f"{role_path(profile_id, role_id)}/courses/register"):
        response = client.post(path, json={"course_ids": [COURSE]}, headers=FF_AUTH)
        assert (response.status_code, response.get_json()) == (404, {"error": code, "message": message})
    assert world.state("fullfabric").dump() == before


def test_a_body_sent_to_create_is_ignored_with_a_warning(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.post(role_path(), json={"study_plan_id": PLAN}, headers=FF_AUTH)
    assert response.status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "body", "message": "FullFabric takes no body here and ignores it"}
    ]


# --- courses/register -----------------------------------------------------------------------------------


def test_registering_stops_at_the_first_invalid_course_keeping_those_before(client: FlaskClient) -> None:
    response = register_courses(client, ELECTIVE, UNKNOWN, COURSE)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "course_not_found",
        "message": f"course {UNKNOWN} not found",
        "course_id": UNKNOWN,
    }
    registrations = by_unit(transcript_of(client)["registrations"])
    assert registrations[ELECTIVE_UNIT]["registration_state"] == "registered"
    assert registrations[ELECTIVE_UNIT]["transcript_subject_id"] == ELECTIVE
    assert registrations[ELECTIVE_UNIT]["created_at"] == NOW
    assert UNIT_ONE_GRADE not in registrations  # COURSE came after the refused id


def test_a_course_outside_the_study_plan_stops_it_too(client: FlaskClient, write_fixtures: Any) -> None:
    fixture = default_fixture("fullfabric")
    fixture["courses"].append({"id": UNKNOWN, "name": "Outside", "units": []})
    app = create_app({"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))})
    response = register_courses(app.test_client(), COURSE, UNKNOWN)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "course_not_in_study_plan",
        "message": f"course {UNKNOWN} is not in the study plan of transcript {TRANSCRIPT}",
        "course_id": UNKNOWN,
    }
    registered = transcript_of(app.test_client())["registrations"]
    assert {r["unit_id"] for r in registered} == {UNIT_TWO_GRADES, UNIT_ONE_GRADE}


def test_registered_courses_take_the_class_for_its_own_course_and_the_course_for_others(
    client: FlaskClient,
) -> None:
    response = register_courses(client, COURSE, ELECTIVE)
    assert response.status_code == 200
    answered = response.get_json()
    registrations = by_unit(answered["registrations"])
    assert registrations[UNIT_ONE_GRADE]["registration_state"] == "registered"
    assert {unit: r["course_id"] for unit, r in registrations.items()} == {
        UNIT_TWO_GRADES: COURSE,
        UNIT_ONE_GRADE: COURSE,
        ELECTIVE_UNIT: ELECTIVE,
    }
    listed = client.get(f"{ff_path()}?context_ids={CLASS}", headers=FF_AUTH).get_json()
    assert {r["unit_id"] for r in listed} == {UNIT_TWO_GRADES, UNIT_ONE_GRADE}
    listed = client.get(f"{ff_path()}?context_ids={ELECTIVE}", headers=FF_AUTH).get_json()
    assert [r["unit_id"] for r in listed] == [ELECTIVE_UNIT]
    assert answered["profile"] == {"id": PROFILE, "first_name": "Ada", "last_name": "Lovelace"}
    # Registering the same courses again changes no id and makes no second registration.
    again = register_courses(client, COURSE, ELECTIVE).get_json()
    assert [r["id"] for r in again["registrations"]] == [r["id"] for r in answered["registrations"]]


def test_awarded_credits_count_the_courses_with_an_awarded_registration(client: FlaskClient) -> None:
    register_courses(client, ELECTIVE)
    grade_state = {"registrations": [{"profile_id": PROFILE, "grade_state_name": "pass"}]}
    client.patch(
        f"/apis/registrations/units/{ELECTIVE_UNIT}/registrations", json=grade_state, headers=FF_AUTH
    )
    answered = register_courses(client).get_json()
    assert (answered["total_credits"], answered["awarded_credits"]) == (67.5, 7.5)


def test_registering_on_a_role_without_a_transcript_says_to_create_it(client: FlaskClient) -> None:
    response = client.post(
        f"{role_path(OTHER_PROFILE, OTHER_ROLE)}/courses/register",
        json={"course_ids": [COURSE]},
        headers=FF_AUTH,
    )
    assert response.status_code == 404
    assert response.get_json()["error"] == "transcript_not_found"
    assert f"POST {role_path(OTHER_PROFILE, OTHER_ROLE)}" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "course_ids: Missing data for required field."),
        ({"course_ids": COURSE}, "course_ids: Not a valid list."),
        ({"course_ids": [1]}, "course_ids.0: Not a valid string."),
        ({"course_ids": [""]}, "course_ids.0: Shorter than minimum length 1."),
        ([COURSE], "the body must be a JSON object"),
    ],
)
def test_a_malformed_register_body_is_a_422_and_changes_nothing(
    client: FlaskClient, world: World, body: Any, message: str
) -> None:
    before = world.state("fullfabric").dump()
    response = client.post(f"{role_path()}/courses/register", json=body, headers=FF_AUTH)
    assert (response.status_code, response.get_json()) == (422, {"error": "invalid_body", "message": message})
    assert world.state("fullfabric").dump() == before


def test_a_register_body_not_sent_as_json_is_a_415(client: FlaskClient) -> None:
    response = client.post(f"{role_path()}/courses/register", data="course_ids=x", headers=FF_AUTH)
    assert response.status_code == 415
    assert response.get_json()["error"] == "unsupported_media_type"


# --- unit grades ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit_id", "body", "status", "code", "message"),
    [
        (UNKNOWN, {}, 404, "unit_not_found", f"unit {UNKNOWN} not found"),
        (UNIT_TWO_GRADES, {"profile_id": UNKNOWN}, 404, "profile_not_found", f"profile {UNKNOWN} not found"),
        (
            UNIT_ONE_GRADE,  # on the transcript, not registered
            {},
            404,
            "registration_not_found",
            f"profile {PROFILE} is not registered on unit {UNIT_ONE_GRADE}",
        ),
        (
            UNIT_TWO_GRADES,
            {"grade_name": "midterm"},
            422,
            "unknown_grade",
            f"unit {UNIT_TWO_GRADES} has no grade midterm (its grades: __coursework, final)",
        ),
        (UNIT_TWO_GRADES, {"grade_value": "78"}, 422, "invalid_body", "grade_value: Not a number."),
        (UNIT_TWO_GRADES, {"grade_value": True}, 422, "invalid_body", "grade_value: Not a number."),
        (
            UNIT_TWO_GRADES,
            {"grade_name": ""},
            422,
            "invalid_body",
            "grade_name: Shorter than minimum length 1.",
        ),
        (
            UNIT_TWO_GRADES,
            {"profile_id": None},
            422,
            "invalid_body",
            "profile_id: Field may not be null.",
        ),
    ],
)
def test_a_grade_that_cannot_apply_changes_nothing(
    client: FlaskClient,
    world: World,
    unit_id: str,
    body: dict[str, Any],
    status: int,
    code: str,
    message: str,
) -> None:
    before = world.state("fullfabric").dump()
    response = grade(client, unit_id, **body)
    assert (response.status_code, response.get_json()) == (status, {"error": code, "message": message})
    assert world.state("fullfabric").dump() == before


def test_unknown_grade_fields_are_warnings(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    assert grade(client, value=78, published=True).status_code == 200
    assert caplog.records[-1].__dict__["request"]["warnings"] == [
        {"parameter": "published", "message": "unknown field, which FullFabric ignores"},
        {"parameter": "value", "message": "unknown field, which FullFabric ignores"},
    ]


# --- reading a transcript -------------------------------------------------------------------------------


def test_an_unknown_transcript_is_a_404(client: FlaskClient) -> None:
    response = client.get(f"/apis/transcripts/transcripts/{UNKNOWN}", headers=FF_AUTH)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "transcript_not_found",
        "message": f"transcript {UNKNOWN} not found",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/apis/transcripts/transcripts/{TRANSCRIPT}"),
        ("POST", role_path()),
        ("POST", f"{role_path()}/courses/register"),
        ("POST", f"/apis/units/units/{UNIT_TWO_GRADES}/grades"),
    ],
)
def test_every_new_operation_checks_auth_and_version_and_answers_a_request_id(
    client: FlaskClient, method: str, path: str
) -> None:
    unauthorized = client.open(path, method=method, headers={"X-API-Version": "2025-05-07"})
    assert unauthorized.status_code == 401
    assert unauthorized.get_json()["error"] == "unauthorized"
    assert unauthorized.headers["X-Request-Id"]
    bad_version = client.open(path, method=method, headers={"FF-Auth": "t", "X-API-Version": "2019-01-01"})
    assert bad_version.status_code == 400
    assert bad_version.get_json()["error"] == "unsupported_version"
    assert bad_version.headers["X-Request-Id"]


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize(
        ("path", "body", "parameter"),
        [
            (role_path(), None, "version"),
            (f"{role_path()}/courses/register", {"course_ids": [ELECTIVE], "notify": True}, "notify"),
            (
                f"/apis/units/units/{UNIT_TWO_GRADES}/grades",
                {"profile_id": PROFILE, "grade_name": "final", "grade_value": 1, "x": 1},
                "x",
            ),
        ],
    )
    def test_strict_mode_refuses_what_the_vendor_ignores_and_changes_nothing(
        self, client: FlaskClient, world: World, path: str, body: Any, parameter: str
    ) -> None:
        before = world.state("fullfabric").dump()
        headers = {"FF-Auth": "t"} if parameter == "version" else FF_AUTH
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["error"] == "strict_mode"
        assert f"{parameter}: " in response.get_json()["message"]
        assert world.state("fullfabric").dump() == before


# --- the same on every store, and from older fixtures ---------------------------------------------------


def test_a_second_process_on_one_redis_sees_the_same_transcripts(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    settings = {"TESTING": True, "STORE": redis_server.url, "STORE_PREFIX": redis_prefix, "SEED": 5}
    first, second = (create_app(settings).test_client() for _ in range(2))
    made = first.post(role_path(OTHER_PROFILE, OTHER_ROLE), headers=FF_AUTH).get_json()
    assert second.post(role_path(OTHER_PROFILE, OTHER_ROLE), headers=FF_AUTH).get_json() == made
    refused = second.post(
        f"{role_path(OTHER_PROFILE, OTHER_ROLE)}/courses/register",
        json={"course_ids": [ELECTIVE, UNKNOWN]},
        headers=FF_AUTH,
    )
    assert refused.status_code == 404
    graded = first.post(
        f"/apis/units/units/{ELECTIVE_UNIT}/grades",
        json={"profile_id": OTHER_PROFILE, "grade_name": "final", "grade_value": 64},
        headers=FF_AUTH,
    ).get_json()
    assert graded["transcript_id"] == made["id"]
    assert transcript_of(first, made["id"]) == transcript_of(second, made["id"])
    (registration,) = transcript_of(second, made["id"])["registrations"]
    assert registration["grades"][0]["value"] == "64"


def test_entries_of_an_older_fixture_are_placed_on_the_roles_transcript_the_same_every_load(
    write_fixtures: Any,
) -> None:
    fixture = default_fixture("fullfabric")
    del fixture["role_transcripts"]
    for entry in fixture["transcripts"]:
        del entry["transcript_id"]
    folder = write_fixtures(fullfabric=fixture)
    dumps = []
    for _ in range(2):
        client = create_app({"TESTING": True, "FIXTURES": str(folder)}).test_client()
        dumps.append(client.get("/__admin/state").get_json()["fullfabric"])
    assert dumps[0] == dumps[1]
    (placed,) = dumps[0]["role_transcripts"]
    assert placed["id"][:8] == f"{1709630000:08x}"  # made when the profile was
    assert (placed["profile_id"], placed["role_id"]) == (PROFILE, ROLE)
    assert placed["subjects"] == [COURSE, ELECTIVE]
    assert {entry["transcript_id"] for entry in dumps[0]["transcripts"]} == {placed["id"]}
    # And the dump loads back as it is.
    again = write_fixtures(fullfabric=dumps[0])
    client = create_app({"TESTING": True, "FIXTURES": str(again)}).test_client()
    assert client.get("/__admin/state").get_json()["fullfabric"] == dumps[0]


def test_a_profile_without_a_role_gets_a_transcript_of_its_own(client: FlaskClient) -> None:
    added = client.post("/__admin/state/fullfabric/profiles", json={"id": UNKNOWN, "first_name": "N"})
    assert added.status_code in (200, 201, 204), added.get_json()
    posted = ff_post(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}, profile_id=UNKNOWN)
    assert posted.status_code == 200
    state = client.get("/__admin/state").get_json()["fullfabric"]
    (own,) = [t for t in state["role_transcripts"] if t["profile_id"] == UNKNOWN]
    assert (own["role_id"], own["subjects"]) == (None, [COURSE])
    shown = transcript_of(client, own["id"])
    assert (shown["course_id"], shown["study_plan_id"]) == (COURSE, None)
    assert [r["unit_id"] for r in shown["registrations"]] == [UNIT_ONE_GRADE]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda f: f["role_transcripts"][0].update(role_id="6385bdd4976a7719120108ea"),
            "role_transcripts.0.role_id: Not a role of profile 507f1f77bcf86cd799439011.",
        ),
        (
            lambda f: f["role_transcripts"].append(
                dict(f["role_transcripts"][0], id="65e6e230f398a642a7022a11")
            ),
            "role_transcripts.1.role_id: The role has a transcript: role_transcripts.0.",
        ),
        (
            lambda f: f["transcripts"][0].update(transcript_id=UNKNOWN),
            f"transcripts.0.transcript_id: Unknown transcript {UNKNOWN} (see role_transcripts).",
        ),
        (
            lambda f: f["study_plans"][0].update(class_id=UNKNOWN),
            f"study_plans.0.class_id: Unknown class {UNKNOWN}.",
        ),
        (
            lambda f: f["study_plans"][0]["courses"].append({"course_id": COURSE}),
            "study_plans.0.courses.2.course_id: Already in this plan.",
        ),
        (
            lambda f: f["role_transcripts"][0]["subjects"].append(UNKNOWN),
            f"role_transcripts.0.subjects.2: Unknown course {UNKNOWN}.",
        ),
    ],
)
def test_fixture_transcripts_and_plans_are_checked(write_fixtures: Any, change: Any, problem: str) -> None:
    fixture = default_fixture("fullfabric")
    change(fixture)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(write_fixtures(fullfabric=fixture), VENDORS)
    assert str(raised.value).endswith(f"fullfabric.yaml: {problem}"), str(raised.value)


def test_registered_courses_go_on_the_roles_transcript_when_another_has_the_course_too(
    write_fixtures: Any,
) -> None:
    """A profile in two classes whose plans share the elective: registering it through the second role
    puts it on the second role's transcript, not on the first one that also lists it."""
    fixture = default_fixture("fullfabric")
    second_class, second_role = "6385baad976a7719120008cb", "65e6e4f1f398a642a7022a02"
    fixture["classes"].append({"id": second_class, "course_id": COURSE, "name": "January 2025"})
    fixture["study_plans"].append(
        {"id": "6385bb10976a7719120009a1", "class_id": second_class, "courses": [{"course_id": ELECTIVE}]}
    )
    fixture["profiles"][0]["roles"].append({"id": second_role, "context_id": second_class})
    client = create_app({"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))}).test_client()
    made = client.post(role_path(role_id=second_role), headers=FF_AUTH)
    assert made.status_code == 201
    answered = register_courses(client, ELECTIVE, role_id=second_role).get_json()
    assert [r["unit_id"] for r in answered["registrations"]] == [ELECTIVE_UNIT]
    assert ELECTIVE_UNIT not in by_unit(transcript_of(client)["registrations"])
