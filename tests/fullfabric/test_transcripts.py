"""FullFabric's state rules: add to the transcript, register, or update in place; grades merged by schema."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.store import World

from ..conftest import (
    CLASS,
    COURSE,
    NOW,
    OTHER_PROFILE,
    PROFILE,
    REGISTERED_ID,
    UNIT_ONE_GRADE,
    UNIT_TWO_GRADES,
    default_fixture,
    ff_post,
)


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "SEED": 3, "CLOCK": "2024-04-01T19:33:20Z"}


def post_one(client: FlaskClient, item: dict[str, Any], profile_id: str = PROFILE) -> dict[str, Any]:
    response = ff_post(client, item, profile_id=profile_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()[0]["json"]


def counts(world: World) -> tuple[int, int]:
    """(transcript entries, registrations)."""
    transcripts = world.state("fullfabric").transcripts
    return len(transcripts), len(transcripts.registrations())


def test_unit_not_on_the_transcript_is_added_and_registered(client: FlaskClient, world: World) -> None:
    before = counts(world)
    registration = post_one(client, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}, OTHER_PROFILE)
    assert counts(world) == (before[0] + 1, before[1] + 1)
    assert registration["profile_id"] == OTHER_PROFILE
    assert registration["registration_state"] == "registered"
    assert registration["created_at"] == registration["updated_at"] == NOW
    assert registration["course_id"] == registration["transcript_subject_id"] == COURSE


def test_unit_on_the_transcript_but_unregistered_is_registered(client: FlaskClient, world: World) -> None:
    before = counts(world)
    registration = post_one(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    assert counts(world) == (before[0], before[1] + 1)
    assert registration["created_at"] == NOW
    assert registration["id"] != REGISTERED_ID


def test_registered_unit_is_updated_in_place(client: FlaskClient, world: World) -> None:
    before = counts(world)
    registration = post_one(
        client, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grade_state_name": "fail"}
    )
    assert counts(world) == before
    assert registration["id"] == REGISTERED_ID
    assert registration["created_at"] == 1709630890
    assert registration["updated_at"] == NOW
    assert registration["grade_state_name"] == "fail"


def test_reposting_updates_the_same_registration_never_a_duplicate(client: FlaskClient, world: World) -> None:
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
    first = post_one(client, item)
    after_first = counts(world)
    world.clock.frozen_at = NOW + 60
    second = post_one(client, item)
    assert counts(world) == after_first
    assert second["id"] == first["id"]
    assert second["created_at"] == first["created_at"] == NOW
    assert second["updated_at"] == NOW + 60


def test_course_itself_and_its_class_are_one_transcript_entry(client: FlaskClient, world: World) -> None:
    via_class = post_one(client, {"unit_id": UNIT_ONE_GRADE, "context_id": CLASS})
    via_course = post_one(client, {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE})
    assert via_class["id"] == via_course["id"]
    assert via_class["course_id"] == via_course["course_id"] == COURSE


def test_same_unit_twice_in_one_request_is_one_registration(client: FlaskClient, world: World) -> None:
    before = counts(world)
    item = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}
    first, second = ff_post(client, item, item | {"grade_state_name": "pass"}).get_json()
    assert first["json"]["id"] == second["json"]["id"]
    assert second["json"]["grade_state_name"] == "pass"
    assert counts(world) == (before[0], before[1] + 1)


def test_grades_follow_the_units_schema_and_merge(client: FlaskClient) -> None:
    item = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}
    first = post_one(client, item | {"grades": [{"name": "final", "value": "80", "published": True}]})
    assert [(g["name"], g["label"], g["id"]) for g in first["grades"]] == [
        ("__coursework", "Coursework", "667ae7cb6ab728271421708e"),
        ("final", "Final grade", "6385baad976a7719120008e6"),
    ]
    assert [(g["value"], g["published"]) for g in first["grades"]] == [(None, False), ("80", True)]
    assert all(g["comment"] is g["resit_value"] is g["resit_justification"] is None for g in first["grades"])

    second = post_one(client, item | {"grades": [{"name": "__coursework", "value": "78"}]})
    assert [(g["value"], g["published"]) for g in second["grades"]] == [("78", False), ("80", True)]

    third = post_one(client, item | {"grades": [{"name": "final"}]})
    assert [(g["value"], g["published"]) for g in third["grades"]] == [("78", False), (None, False)]


def test_grade_state_absent_keeps_null_clears(client: FlaskClient) -> None:
    item = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}
    assert post_one(client, item | {"grade_state_name": "pass"})["grade_state_name"] == "pass"
    kept = post_one(client, item)
    assert (kept["grade_state_name"], kept["state_name"], kept["awarded"]) == ("pass", "pass", True)
    cleared = post_one(client, item | {"grade_state_name": None})
    assert (cleared["grade_state_name"], cleared["state_name"], cleared["awarded"]) == (None, None, False)


@pytest.mark.parametrize(
    ("grade_state", "grades", "awarded", "published"),
    [
        (
            "pass",
            [
                {"name": "__coursework", "value": "78", "published": True},
                {"name": "final", "published": True},
            ],
            True,
            True,
        ),
        (
            "pass",
            [{"name": "__coursework", "value": "78", "published": True}, {"name": "final", "value": "80"}],
            True,
            False,
        ),
        ("fail", [{"name": "final", "value": "20", "published": True}], False, True),
        ("pass", [], True, True),
        (None, [{"name": "final", "value": "80", "published": True}], False, False),
    ],
)
def test_awarded_and_published(
    client: FlaskClient, grade_state: str | None, grades: list[dict[str, Any]], awarded: bool, published: bool
) -> None:
    item = {
        "unit_id": UNIT_TWO_GRADES,
        "context_id": CLASS,
        "grade_state_name": grade_state,
        "grades": grades,
    }
    registration = post_one(client, item)
    assert (registration["awarded"], registration["published"]) == (awarded, published)


def test_published_counts_grades_supplied_by_earlier_requests(client: FlaskClient) -> None:
    item = {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grade_state_name": "pass"}
    post_one(client, item | {"grades": [{"name": "final", "value": "80"}]})
    later = post_one(client, item | {"grades": [{"name": "__coursework", "value": "78", "published": True}]})
    assert later["published"] is False  # final, supplied earlier, is still unpublished


class TestRejectedRegistration:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        fixture = default_fixture("fullfabric")
        fixture["transcripts"][0]["registration"]["registration_state"] = "rejected"
        return {"TESTING": True, "FIXTURES": str(write_fixtures(fullfabric=fixture))}

    def test_posting_registers_it_again_in_place(self, client: FlaskClient) -> None:
        registration = post_one(client, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS})
        assert (registration["id"], registration["registration_state"]) == (REGISTERED_ID, "registered")
