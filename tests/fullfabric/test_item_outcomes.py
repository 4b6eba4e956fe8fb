"""FullFabric items succeed or fail one by one: 200 when all succeed, else 207; a failure leaves no trace."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.store import World

from ..conftest import (
    CLASS,
    COURSE,
    UNIT_ONE_GRADE,
    UNIT_TWO_GRADES,
    UNOFFERED_COURSE,
    ff_post,
    unoffered_course_config,
)
from .conftest import ITEM_FAILURES, fullfabric_state

GOOD = {"unit_id": UNIT_ONE_GRADE, "context_id": COURSE, "grades": [{"name": "final", "value": "71"}]}


@pytest.mark.parametrize(("item", "status", "code", "message"), ITEM_FAILURES)
def test_a_failing_item_fails_alone(
    client: FlaskClient, world: World, item: Any, status: int, code: str, message: str
) -> None:
    response = ff_post(client, item, GOOD)

    assert response.status_code == 207
    failed, applied = response.get_json()
    assert failed == {"status": status, "json": {"error": code, "message": message}}
    assert applied["status"] == 200
    assert applied["json"]["grades"][0]["value"] == "71"


@pytest.mark.parametrize("item", [failure[0] for failure in ITEM_FAILURES])
def test_a_failing_item_leaves_no_trace(client: FlaskClient, world: World, item: Any) -> None:
    before = fullfabric_state(world)
    assert ff_post(client, item).status_code == 207
    assert fullfabric_state(world) == before


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
