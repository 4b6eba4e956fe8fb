"""FullFabric's transcripts and unit grades, on the blueprint of `views.py`: a role's transcript made,
read and registered course by course; one grade posted for a registered profile."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import Schema, ValidationError

from mockserver.schemas import flatten_errors
from mockserver.web.context import world
from mockserver.web.requestlog import warn

from .commands import CreateTranscript, GradeUnit, RegisterCourses
from .transcripts import (
    CourseRefused,
    FullFabricError,
    NotRegistered,
    RoleNotFound,
    TranscriptNotFound,
    UnitNotFound,
    UnknownGrade,
)
from .transcripts_schemas import GRADE_BODY_FIELDS, REGISTER_FIELDS, RegisterCoursesSchema, UnitGradeSchema
from .views import (
    RequestError,
    _api_version,
    _refuse_warnings_if_strict,
    bp,
    error_response,
    json_object,
    state,
    warn_unknown,
)

_register_schema = RegisterCoursesSchema()
_grade_schema = UnitGradeSchema()

# A domain error of these calls: its status and the `error` code of its body.
ERRORS: dict[type[FullFabricError], tuple[int, str]] = {
    TranscriptNotFound: (404, "transcript_not_found"),
    RoleNotFound: (404, "role_not_found"),
    NotRegistered: (404, "registration_not_found"),
    UnitNotFound: (404, "unit_not_found"),
    UnknownGrade: (422, "unknown_grade"),
}


@bp.errorhandler(TranscriptNotFound)
@bp.errorhandler(RoleNotFound)
@bp.errorhandler(NotRegistered)
def not_found(error: FullFabricError) -> Response:
    status, code = ERRORS[type(error)]
    return error_response(status, str(error), code)


@bp.errorhandler(CourseRefused)
def course_refused(error: CourseRefused) -> Response:
    """The course that stopped a `courses/register`, named in the body and in `course_id`."""
    response = jsonify({"error": error.reason, "message": str(error), "course_id": error.course_id})
    response.status_code = 404
    return response


@bp.get("/transcripts/transcripts/<transcript_id>")
def get_transcript(transcript_id: str) -> Response:
    """The transcript: its subjects and registrations, as the registrations calls left them."""
    _api_version()
    warn_unknown(())
    _refuse_warnings_if_strict()
    return jsonify(state().transcript(transcript_id))


@bp.post("/profiles/profiles/<profile_id>/roles/<role_id>/transcript")
def create_transcript(profile_id: str, role_id: str) -> Response:
    """The role's transcript: made (201) with the study plan's courses, none registered; or, when the
    role has one, that one unchanged (200)."""
    _api_version()
    current = world()
    state().transcripts.check_role(profile_id, role_id)
    warn_unknown(())
    if request.get_data():
        warn("body", "FullFabric takes no body here and ignores it")
    _refuse_warnings_if_strict()
    transcript, made = current.write(CreateTranscript(profile_id, role_id, current.clock.now()))
    response = jsonify(transcript)
    response.status_code = 201 if made else 200
    return response


@bp.post("/profiles/profiles/<profile_id>/roles/<role_id>/transcript/courses/register")
def register_courses(profile_id: str, role_id: str) -> Response:
    """Register `course_ids` in order on the role's transcript: 200 with the transcript, or a 404 naming
    the first course that is unknown or not in the study plan (the ones before it stay registered)."""
    _api_version()
    current = world()
    state().transcripts.role_transcript(profile_id, role_id)
    body = _body(_register_schema, REGISTER_FIELDS)
    warn_unknown(())
    _refuse_warnings_if_strict()
    write = RegisterCourses(profile_id, role_id, tuple(body["course_ids"]), current.clock.now())
    return jsonify(current.write(write))


@bp.post("/units/units/<unit_id>/grades")
def grade_unit(unit_id: str) -> Response:
    """One grade for a profile registered on the unit: the registration, with `transcript_id`, its times
    in milliseconds."""
    _api_version()
    current = world()
    try:
        state().check_unit(unit_id)
    except UnitNotFound as error:
        raise RequestError(404, "unit_not_found", str(error)) from None
    body = _body(_grade_schema, GRADE_BODY_FIELDS)
    warn_unknown(())
    _refuse_warnings_if_strict()
    value = body["grade_value"]
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    write = GradeUnit(unit_id, body["profile_id"], body["grade_name"], text, current.clock.now())
    try:
        graded: dict[str, Any] = current.write(write)
    except UnknownGrade as error:  # an item's error elsewhere: here the request's
        status, code = ERRORS[UnknownGrade]
        raise RequestError(status, code, str(error)) from None
    return jsonify(graded)


def _body(schema: Schema, known: frozenset[str]) -> dict[str, Any]:
    """The JSON body, loaded by `schema`: fields it does not know are warnings; a body that is not JSON
    is a 400, one that does not fit the schema a 422 naming what is wrong."""
    body = json_object()
    for name in sorted(body.keys() - known):
        warn(name, "unknown field, which FullFabric ignores")
    try:
        loaded: dict[str, Any] = schema.load(body)
    except ValidationError as error:
        problems = "; ".join(f"{path}: {message}" for path, message in flatten_errors(error.messages))
        raise RequestError(422, "invalid_body", problems) from None
    return loaded
