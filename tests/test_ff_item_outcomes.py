"""FullFabric items succeed or fail one by one: 200 when all succeed, else 207; a failure leaves no trace."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.store import World

from .conftest import (
    CLASS,
    COURSE,
    UNIT_ONE_GRADE,
    UNIT_TWO_GRADES,
    UNOFFERED_COURSE,
    ff_post,
    unoffered_course_config,
)

GOOD = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grades": [{"name": "final", "value": "71"}]}


def state(store: World) -> Any:
    """Everything FullFabric holds, to compare before and after."""
    return copy.deepcopy(store.state("fullfabric").transcripts.entries())


ITEM_FAILURES = [
    # (item, status, error code, message)
    (
        {"unit_id": "6385baad976a77191200ffff", "context_id": CLASS},
        404,
        "unit_not_found",
        "unit 6385baad976a77191200ffff not found",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": "6385baad976a77191200ffff"},
        404,
        "context_not_found",
        "context 6385baad976a77191200ffff not found",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": [{"name": "midterm", "value": "1"}]},
        422,
        "unknown_grade",
        f"unit {UNIT_TWO_GRADES} has no grade midterm (its grades: __coursework, final)",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grade_state_name": "distinction"},
        422,
        "unknown_grade_state",
        "grade state distinction not found (grade states: pass, fail)",
    ),
    ({"context_id": CLASS}, 422, "invalid_item", "unit_id: Missing data for required field."),
    ({"unit_id": UNIT_TWO_GRADES}, 422, "invalid_item", "context_id: Missing data for required field."),
    ({"unit_id": 42, "context_id": CLASS}, 422, "invalid_item", "unit_id: Not a valid string."),
    ({"unit_id": "", "context_id": CLASS}, 422, "invalid_item", "unit_id: Shorter than minimum length 1."),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": None},
        422,
        "invalid_item",
        "context_id: Field may not be null.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grade_state_name": 1},
        422,
        "invalid_item",
        "grade_state_name: Not a valid string.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": {"final": "80"}},
        422,
        "invalid_item",
        "grades: Not a valid list.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": ["80"]},
        422,
        "invalid_item",
        "grades.0: Invalid input type.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": [{"value": "80"}]},
        422,
        "invalid_item",
        "grades.0.name: Missing data for required field.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": [{"name": "final", "value": 80}]},
        422,
        "invalid_item",
        "grades.0.value: Not a valid string.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": [{"name": "final", "published": "yes"}]},
        422,
        "invalid_item",
        "grades.0.published: Not a boolean.",
    ),
    (
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS, "grades": [{"name": "final"}, {"name": "final"}]},
        422,
        "invalid_item",
        "grades: Grade given more than once: final.",
    ),
    (
        "6385baad976a7719120008e3",
        422,
        "invalid_item",
        "the item must be an object with unit_id and context_id",
    ),
    (None, 422, "invalid_item", "the item must be an object with unit_id and context_id"),
]


@pytest.mark.parametrize(("item", "status", "code", "message"), ITEM_FAILURES)
def test_a_failing_item_fails_alone(
    client: FlaskClient, store: World, item: Any, status: int, code: str, message: str
) -> None:
    response = ff_post(client, item, GOOD)

    assert response.status_code == 207
    failed, applied = response.get_json()
    assert failed == {"status": status, "json": {"error": code, "message": message}}
    assert applied["status"] == 200
    assert applied["json"]["grades"][0]["value"] == "71"


@pytest.mark.parametrize("item", [failure[0] for failure in ITEM_FAILURES])
def test_a_failing_item_leaves_no_trace(client: FlaskClient, store: World, item: Any) -> None:
    before = state(store)
    assert ff_post(client, item).status_code == 207
    assert state(store) == before


class TestUnitNotOffered:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        return unoffered_course_config(write_fixtures)

    def test_unit_not_offered_in_the_contexts_course_is_422(self, client: FlaskClient) -> None:
        response = ff_post(client, {"unit_id": UNIT_TWO_GRADES, "context_id": UNOFFERED_COURSE})
        assert response.status_code == 207
        assert response.get_json() == [
            {
                "status": 422,
                "json": {
                    "error": "unit_not_offered",
                    "message": f"unit {UNIT_TWO_GRADES} is not offered in course {UNOFFERED_COURSE} "
                    f"of context {UNOFFERED_COURSE}",
                },
            }
        ]


def test_all_items_succeeding_is_200(client: FlaskClient) -> None:
    response = ff_post(client, GOOD, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS})
    assert response.status_code == 200
    assert [outcome["status"] for outcome in response.get_json()] == [200, 200]


def test_all_items_failing_is_still_207_with_every_outcome(client: FlaskClient) -> None:
    response = ff_post(client, {"context_id": CLASS}, {"unit_id": UNIT_TWO_GRADES, "context_id": "x"})
    assert response.status_code == 207
    assert [outcome["status"] for outcome in response.get_json()] == [422, 404]


def test_outcomes_keep_request_order_around_failures(client: FlaskClient) -> None:
    items = [
        GOOD,
        {"unit_id": "nope", "context_id": CLASS},
        {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS},
        7,
    ]
    outcomes = ff_post(client, *items).get_json()
    assert [outcome["status"] for outcome in outcomes] == [200, 404, 200, 422]
    assert [outcome["json"].get("unit_id") for outcome in outcomes] == [
        UNIT_ONE_GRADE,
        None,
        UNIT_TWO_GRADES,
        None,
    ]
