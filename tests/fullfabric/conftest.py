"""FullFabric's test data: the item failures every write endpoint judges alike, and its state to compare."""

from __future__ import annotations

import copy
from typing import Any

from mockserver.store import World

from ..conftest import CLASS, UNIT_TWO_GRADES


def fullfabric_state(world: World) -> Any:
    """Everything FullFabric holds, to compare before and after."""
    return copy.deepcopy(world.state("fullfabric").transcripts.entries())


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
