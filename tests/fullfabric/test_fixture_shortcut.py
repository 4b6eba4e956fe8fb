"""FullFabric's fixture shortcut: a profile, transcript or transcript entry it takes as it is is one the
schema would load unchanged; anything else goes to the schema, which has the final word."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.fullfabric.schemas import (
    ProfileSchema,
    RoleTranscriptSchema,
    TranscriptEntrySchema,
    _plain_entry,
    _plain_profile,
    _plain_role_transcript,
)

ID = "5db44ff98dbb3d5e117c07bc"
# Each draw gets a copy of its own: a drawn `[]` or `{}` is changed further by `changed` (a field added
# inside it), and a value shared between draws would change what later draws give (Hypothesis then
# raises FlakyStrategyDefinition).
ODD: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        "",
        "x",
        ID.upper(),
        ID + "0",
        0,
        1.0,
        True,
        False,
        -1,
        2**32,
        1577915952.0,
        [],
        {},
        b"x",
        "conditional",
    ]
).map(copy.deepcopy)
GRADE = {
    "name": "final",
    "value": "A",
    "published": True,
    "comment": None,
    "resit_value": None,
    "resit_justification": None,
}
ENTRY = {
    "profile_id": ID,
    "unit_id": "5cf1785b8dbb3d5e117c0009",
    "course_id": "5cee295c8dbb3d5e117c0000",
    "registration": {
        "id": "5e0d16308dbb3d5e117c07bd",
        "context_id": "5cee295c8dbb3d5e117c0000",
        "registration_state": "registered",
        "grade_state_name": None,
        "grade_notes": "",
        "grade_feedback": "",
        "grades": [GRADE],
        "created_at": 1577915952,
        "updated_at": 1577915952,
    },
}
ROLE_TRANSCRIPT = {
    "id": "5e0d16308dbb3d5e117c07be",
    "profile_id": ID,
    "role_id": "5e0d16308dbb3d5e117c07bf",
    "subjects": ["5cee295c8dbb3d5e117c0000", "5cee295c8dbb3d5e117c0001"],
    "created_at": 1577915952,
    "updated_at": 1577915999,
}
PROFILE = {"id": ID, "first_name": "Daniel", "last_name": "Holt", "email": "daniel.holt@example.net"}


@st.composite
def changed(draw: Any, record: dict[str, Any]) -> Any:
    """`record`, with a few fields (at any depth) given odd values, removed, or added."""
    record = copy.deepcopy(record)
    for _ in range(draw(st.integers(0, 3))):
        target = record
        path = draw(st.sampled_from([(), ("registration",), ("registration", "grades", 0)]))
        for step in path:
            if not isinstance(target, (dict, list)) or (isinstance(target, dict) and step not in target):
                break
            if isinstance(target, list) and not target:
                break
            target = target[step]
        if not isinstance(target, dict):
            continue
        name = draw(st.sampled_from([*target, "extra"]))
        action = draw(st.sampled_from(["odd", "remove"]))
        if action == "odd":
            target[name] = draw(ODD)
        else:
            target.pop(name, None)
    return draw(st.just(record) | st.sampled_from([None, [], "r"]).map(copy.deepcopy))


@settings(max_examples=600)
@given(changed(ENTRY))
def test_a_plain_entry_is_one_the_schema_loads_unchanged(entry: Any) -> None:
    if _plain_entry(entry):
        assert TranscriptEntrySchema().load(entry) == entry


@settings(max_examples=300)
@given(changed(PROFILE))
def test_a_plain_profile_is_one_the_schema_loads_unchanged(profile: Any) -> None:
    if _plain_profile(profile):
        assert ProfileSchema().load(profile) == profile


@settings(max_examples=300)
@given(changed(ROLE_TRANSCRIPT))
def test_a_plain_role_transcript_is_one_the_schema_loads_unchanged(transcript: Any) -> None:
    if _plain_role_transcript(transcript):
        assert RoleTranscriptSchema().load(transcript) == transcript


@pytest.mark.parametrize("subjects", [[ID.upper()], [None], [ID, 1], "x", None])
def test_odd_subjects_go_to_the_schema(subjects: Any) -> None:
    assert not _plain_role_transcript({**ROLE_TRANSCRIPT, "subjects": subjects})


def test_the_shortcut_takes_the_usual_records() -> None:
    assert _plain_entry(ENTRY) and _plain_entry({**ENTRY, "registration": None})
    assert _plain_profile(PROFILE) and _plain_profile({"id": ID})
    assert _plain_role_transcript(ROLE_TRANSCRIPT) and _plain_role_transcript(
        {**ROLE_TRANSCRIPT, "role_id": None}
    )
