"""Broken fixtures stop start-up with `<file>: <path.to.field>: <message>` and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import VENDORS
from mockserver.fixtures.load import FixtureError, load_fixtures
from mockserver.resources import data_dir

from ..conftest import default_fixture, free_port

GOOD = {
    "id": "r1",
    "userId": "u1",
    "offeringId": "o1",
    "status": "active",
    "createdDate": "2012-03-01T06:03:10Z",
}


USER = {
    "id": "u1",
    "firstName": "Ada",
    "lastName": "Byron",
    "email": "ada@example.org",
    "createdDate": "2012-01-01T00:00:00Z",
}
OFFERING = {"id": "o1", "title": "Course 1"}


def with_registration(**changes: Any) -> dict[str, Any]:
    """A DigitalChalk fixture of two registrations, the second changed, both of the one user and offering."""
    registration = {**GOOD, **changes}
    return {
        "offerings": [OFFERING],
        "registrations": [GOOD | {"id": "r0"}, {k: v for k, v in registration.items() if v is not ...}],
        "users": [USER],
    }


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (
            with_registration(status="done"),
            ["registrations.1.status: must be one of active, passed, failed, ejected"],
        ),
        (with_registration(id=...), ["registrations.1.id: Missing data for required field."]),
        (with_registration(id=""), ["registrations.1.id: Shorter than minimum length 1."]),
        (with_registration(id="r0"), ["registrations.1.id: Duplicate id, already used by registrations.0."]),
        (
            with_registration(grade=101),
            ["registrations.1.grade: Must be greater than or equal to 0 and less than or equal to 100."],
        ),
        (with_registration(grade="97"), ["registrations.1.grade: Not a number."]),
        (with_registration(grade=True), ["registrations.1.grade: Not a number."]),
        (
            with_registration(createdDate="22012-01-04T06:07:14Z"),
            ["registrations.1.createdDate: Not a UTC timestamp like 2012-03-01T06:03:10Z."],
        ),
        (
            with_registration(endDate="2012-03-01"),
            ["registrations.1.endDate: Not a UTC timestamp like 2012-03-01T06:03:10Z."],
        ),
        (with_registration(user_id="u1"), ["registrations.1.user_id: Unknown field."]),
        (
            with_registration(createdDate="2012-3-1T6:3:1Z"),
            ["registrations.1.createdDate: Not a UTC timestamp like 2012-03-01T06:03:10Z."],
        ),
        (with_registration(userId=123), ["registrations.1.userId: Not a valid string."]),
        (with_registration(userId="u2"), ["registrations.1.userId: No user has the id u2."]),
        (with_registration(offeringId="o2"), ["registrations.1.offeringId: No offering has the id o2."]),
        (
            with_registration(userId="u2", offeringId="o2"),
            [
                "registrations.1.userId: No user has the id u2.",
                "registrations.1.offeringId: No offering has the id o2.",
            ],
        ),
        (
            {**with_registration(), "users": [USER | {"deleted": "yes"}]},
            ["users.0.deleted: Not a valid boolean."],
        ),
        ({"registrations": {"id": "x"}}, ["registrations: Not a valid list."]),
        (
            {"tokens": [{"token": "t", "state": "paused"}]},
            ["tokens.0.state: Must be one of: active, suspended, revoked, expired."],
        ),
        ({"registration": []}, ["registration: Unknown field."]),
        ("- just\n- a list\n", ["(top level): Invalid input type."]),
        ("registrations: [\n  {id: r1\n", ["line 3, column 1: expected ',' or '}', but got '<stream end>'"]),
    ],
)
def test_each_problem_names_file_path_and_message(
    write_fixtures: Any, content: dict[str, Any] | str, problems: list[str]
) -> None:
    folder = write_fixtures(digitalchalk=content)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    assert raised.value.problems == [f"{folder / 'digitalchalk.yaml'}: {problem}" for problem in problems]


def test_every_problem_is_reported_at_once(write_fixtures: Any) -> None:
    content = {"registrations": [GOOD | {"status": "x"}, GOOD | {"id": "r2", "createdDate": "soon"}]}
    with pytest.raises(FixtureError) as raised:
        load_fixtures(write_fixtures(digitalchalk=content), VENDORS)
    assert len(raised.value.problems) == 2


def test_json_fixtures_are_accepted(write_fixtures: Any) -> None:
    folder = write_fixtures(**{"digitalchalk.json": json.dumps(default_fixture("digitalchalk"))})
    fixtures = load_fixtures(folder, VENDORS)
    assert len(fixtures.data["digitalchalk"]["registrations"]) == 5
    assert fixtures.sources["digitalchalk"] == folder / "digitalchalk.json"


def test_broken_json_names_line_and_column(write_fixtures: Any) -> None:
    folder = write_fixtures(**{"digitalchalk.json": '{"registrations": [}'})
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    assert raised.value.problems == [f"{folder / 'digitalchalk.json'}: line 1, column 20: Expecting value"]


def test_two_files_for_one_vendor_is_an_error(write_fixtures: Any) -> None:
    folder = write_fixtures(**{"digitalchalk.yaml": "{}", "digitalchalk.json": "{}"})
    with pytest.raises(FixtureError, match="more than one digitalchalk fixture file"):
        load_fixtures(folder, VENDORS)


def test_a_vendor_without_a_file_starts_empty(tmp_path: Path) -> None:
    fixtures = load_fixtures(tmp_path, VENDORS)
    assert fixtures.data["digitalchalk"] == {
        "tokens": [],
        "offeringCategories": [],
        "offerings": [],
        "registrations": [],
        "users": [],
        "agreements": [],
        "userAgreements": [],
        "userFieldCategories": [],
        "userFields": [],
        "userFieldValues": [],
    }
    assert fixtures.data["fullfabric"]["profiles"] == []
    assert fixtures.sources == {"fullfabric": None, "digitalchalk": None}


def test_run_refuses_to_start_with_exit_code_2_and_no_traceback(write_fixtures: Any) -> None:
    folder = write_fixtures(digitalchalk=with_registration(status="done", createdDate="yesterday"))
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "run", "--fixtures", str(folder), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    file = folder / "digitalchalk.yaml"
    assert result.stderr.splitlines() == [
        f"{file}: registrations.1.status: must be one of active, passed, failed, ejected",
        f"{file}: registrations.1.createdDate: Not a UTC timestamp like 2012-03-01T06:03:10Z.",
    ]
    assert result.stdout == ""


def fullfabric_with(change: Any) -> dict[str, Any]:
    """The default FullFabric fixture after `change(fixture)`."""
    fixture = default_fixture("fullfabric")
    change(fixture)
    return fixture


FIRST_REGISTRATION = "transcripts.0.registration"


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (
            lambda f: f["profiles"][0].update(id="507F1F77BCF86CD799439011"),
            ["profiles.0.id: Not an ObjectId (24 lowercase hex digits)."],
        ),
        (
            lambda f: f["profiles"].append({"id": f["profiles"][0]["id"]}),
            ["profiles.2.id: Duplicate id, already used by profiles.0."],
        ),
        (
            lambda f: f["classes"].append({"id": f["courses"][0]["id"], "course_id": f["courses"][0]["id"]}),
            ["classes.1.id: Duplicate id, already used by courses.0."],
        ),
        (
            lambda f: f["courses"][0]["units"].append("0" * 24),
            ["courses.0.units: Unknown unit 000000000000000000000000."],
        ),
        (
            lambda f: f["classes"][0].update(course_id="0" * 24),
            [
                "classes.0.course_id: Unknown course 000000000000000000000000.",
                f"{FIRST_REGISTRATION}.context_id: Not the course nor one of its classes.",
            ],
        ),
        (
            lambda f: f["units"][0]["grades"].append({"id": "1" * 24, "name": "final", "label": "Again"}),
            ["units.0.grades: Grade names must be unique within a unit."],
        ),
        (
            lambda f: f["grade_states"].append({"name": "pass", "awarded": "yes"}),
            ["grade_states.2.awarded: Not a boolean."],
        ),
        (
            lambda f: f["transcripts"][1].update(profile_id="0" * 24),
            ["transcripts.1.profile_id: Unknown profile 000000000000000000000000."],
        ),
        (
            lambda f: f["transcripts"][1].update(unit_id="0" * 24),
            ["transcripts.1.unit_id: Unknown unit 000000000000000000000000."],
        ),
        (
            lambda f: f["transcripts"].append(dict(f["transcripts"][1])),
            ["transcripts.2.unit_id: Already on this transcript as transcripts.1."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(context_id="0" * 24),
            [f"{FIRST_REGISTRATION}.context_id: Not the course nor one of its classes."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(grade_state_name="merit"),
            [f"{FIRST_REGISTRATION}.grade_state_name: Unknown grade state merit."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(grades=[{"name": "oral", "value": "1"}]),
            [f"{FIRST_REGISTRATION}.grades.0.name: Not in the unit's grades."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(updated_at=1),
            [f"{FIRST_REGISTRATION}.updated_at: Earlier than created_at."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(created_at="2024-03-05"),
            [f"{FIRST_REGISTRATION}.created_at: Not a unix timestamp (whole seconds)."],
        ),
        (
            lambda f: f["transcripts"][0]["registration"].update(registration_state="enrolled"),
            [f"{FIRST_REGISTRATION}.registration_state: Must be one of: conditional, registered, rejected."],
        ),
    ],
)
def test_fullfabric_fixture_problems_name_the_path(
    write_fixtures: Any, change: Any, problems: list[str]
) -> None:
    folder = write_fixtures(fullfabric=fullfabric_with(change))
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder, VENDORS)
    assert raised.value.problems == [f"{folder / 'fullfabric.yaml'}: {problem}" for problem in problems]


def test_default_fullfabric_fixture_reproduces_the_vendor_page() -> None:
    fixture = load_fixtures(data_dir("fixtures"), VENDORS).data["fullfabric"]
    units = {unit["id"]: [grade["name"] for grade in unit["grades"]] for unit in fixture["units"]}
    assert units == {
        "6385baad976a7719120008e3": ["__coursework", "final"],
        "6385baa7976a7719120005dc": ["final"],
        "6385baa7976a7719120005e1": ["final"],  # of the study plan's elective, beside the page's
    }
    assert [(c["id"], c["course_id"]) for c in fixture["classes"]] == [
        ("6385baad976a7719120008ca", "6385bcf1976a77191200ba5d")
    ]
    assert {state["name"]: state["awarded"] for state in fixture["grade_states"]} == {
        "pass": True,
        "fail": False,
    }
    assert "507f1f77bcf86cd799439011" in {profile["id"] for profile in fixture["profiles"]}


def test_a_registration_may_name_a_deleted_user(write_fixtures: Any) -> None:
    """A deleted user stays in the state for the registrations that name them, as history."""
    folder = write_fixtures(digitalchalk={**with_registration(), "users": [USER | {"deleted": True}]})
    registrations = load_fixtures(folder, VENDORS).data["digitalchalk"]["registrations"]
    assert [registration["userId"] for registration in registrations] == ["u1", "u1"]


def test_a_deleted_users_email_and_username_are_free(write_fixtures: Any) -> None:
    again = USER | {"id": "u2", "username": "ada"}
    users = [USER | {"username": "ADA", "deleted": True}, again]
    folder = write_fixtures(digitalchalk={**with_registration(), "users": users})
    assert len(load_fixtures(folder, VENDORS).data["digitalchalk"]["users"]) == 2
    users = [USER | {"username": "ADA"}, again]
    with pytest.raises(FixtureError) as raised:
        load_fixtures(write_fixtures(digitalchalk={**with_registration(), "users": users}), VENDORS)
    assert [problem.split(": ", 1)[1] for problem in raised.value.problems] == [
        "users.1.email: Duplicate email, already used by users.0.",
        "users.1.username: Duplicate username, already used by users.0.",
    ]
