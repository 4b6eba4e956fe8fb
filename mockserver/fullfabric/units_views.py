"""FullFabric's unit registrations, on the FullFabric blueprint: every profile's registration of a unit,
listed and updated all at once (all or nothing)."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify, request
from marshmallow import ValidationError

from mockserver.schemas import flatten_errors
from mockserver.web.context import world
from mockserver.web.injection import respond
from mockserver.web.requestlog import warn

from .commands import UpdateUnitRegistrations
from .schemas import GRADE_FIELDS
from .transcripts import (
    ItemError,
    ProfileNotFound,
    UnitNotFound,
    UnitRegistrationUpdate,
    UnitUpdateRefused,
)
from .units_schemas import (
    BODY_FIELDS,
    UNIT_QUERY_PARAMETERS,
    UPDATE_FIELDS,
    UnitRegistrationsQuerySchema,
    UnitRegistrationUpdateSchema,
)
from .views import (
    ITEM_ERRORS,
    RequestError,
    _api_version,
    _refuse_warnings_if_strict,
    bp,
    error_body,
    fire_item_rule,
    json_object,
    load_query,
    state,
)

_OBJECT_ID = re.compile(r"[0-9a-f]{24}\Z")
_query_schema = UnitRegistrationsQuerySchema()
_update_schema = UnitRegistrationUpdateSchema()


@bp.get("/registrations/units/<unit_id>/registrations")
def list_unit_registrations(unit_id: str) -> Response:
    """Every profile's registration of the unit, paged: a bare array of registration objects."""
    _api_version()
    _check_unit(unit_id)
    limit, skip = _page()
    _refuse_warnings_if_strict()
    return jsonify(state().registrations_of_unit(unit_id, limit, skip))


@bp.patch("/registrations/units/<unit_id>/registrations")
def update_unit_registrations(unit_id: str) -> Response:
    """Update the unit's registrations the items name: every item checked first, then all applied in
    one write, or none; 200 with no body."""
    _api_version()
    current = world()
    _check_unit(unit_id)
    raw_items = _unit_body()
    updates = [_parse_update(index, raw) for index, raw in enumerate(raw_items)]
    for name in request.args:
        warn(name, "unknown parameter, which FullFabric ignores")
    _refuse_warnings_if_strict()
    if current.rules.may_fire("fullfabric", request.method, request.path, "item"):
        injected = _item_rule_answer(raw_items)
        if injected is not None:
            return injected
    try:
        current.write(UpdateUnitRegistrations(unit_id, tuple(updates), current.clock.now()))
    except UnitUpdateRefused as refused:
        raise _refusal(refused) from None
    response = Response(status=200)
    del response.headers["Content-Type"]  # no body, so no type
    return response


def _item_rule_answer(raw_items: list[Any]) -> Response | None:
    """The whole answer an item rule gives: the update is all or nothing, so the first item rule that
    fires (with a `respond`) fails the request with its answer, naming the item, and nothing is applied.
    A rule with only `latency_ms` delays the answer and lets the update through."""
    for index, raw in enumerate(raw_items):
        rule = fire_item_rule(index, raw)
        if rule is not None:
            message = f"registrations[{index}]: injected by failure rule {rule.name}"
            return respond(rule, error_body("injected_failure", message))
    return None


def _check_unit(unit_id: str) -> None:
    """A 404 for the request when the unit is unknown (a malformed id names no unit either)."""
    try:
        if not _OBJECT_ID.match(unit_id):
            raise UnitNotFound(f"unit {unit_id} not found")
        state().check_unit(unit_id)
    except UnitNotFound as error:
        raise RequestError(404, "unit_not_found", str(error)) from None


def _refusal(refused: UnitUpdateRefused) -> RequestError:
    """The whole request's error for the item that failed: its status and code, its index named."""
    error = refused.error
    if isinstance(error, ProfileNotFound):
        status, code = 404, "profile_not_found"
    else:
        assert isinstance(error, ItemError)
        status, code = ITEM_ERRORS[type(error)]
    return RequestError(status, code, f"registrations[{refused.index}]: {error}")


def _page() -> tuple[int, int]:
    """The list's `limit` and `skip` (see `load_query`)."""
    page: dict[str, int] = load_query(_query_schema, UNIT_QUERY_PARAMETERS)
    return page["limit"], page["skip"]


def _unit_body() -> list[Any]:
    """The body's `registrations` (a non-empty list) once `send_notifications`, if given, is a boolean;
    otherwise the whole request fails, as on the profile's path."""
    body = json_object("a JSON object with a registrations list")
    for name in body.keys() - BODY_FIELDS:
        warn(name, "unknown field, which FullFabric ignores")
    if "registrations" not in body:
        raise RequestError(422, "invalid_body", "registrations is required")
    registrations = body["registrations"]
    if not isinstance(registrations, list):
        raise RequestError(422, "invalid_body", "registrations must be a list")
    if not registrations:
        raise RequestError(422, "invalid_body", "registrations must not be empty")
    # Accepted and then ignored: the mock sends no notifications (and records none).
    if not isinstance(body.get("send_notifications", False), bool):
        raise RequestError(422, "invalid_body", "send_notifications must be a boolean")
    return registrations


def _parse_update(index: int, raw: Any) -> UnitRegistrationUpdate:
    """A well-formed item, or a 422 for the whole request naming it; warns of fields FullFabric ignores."""
    where = f"registrations[{index}]"
    if not isinstance(raw, dict):
        raise RequestError(
            422, "invalid_item", f"{where}: the item must be an object with registration_id or profile_id"
        )
    for name in sorted(raw.keys() - UPDATE_FIELDS):
        warn(f"{where}.{name}", "unknown field, which FullFabric ignores")
    grades = raw.get("grades")
    for position, grade in enumerate(grades if isinstance(grades, list) else []):
        for name in sorted(grade.keys() - GRADE_FIELDS) if isinstance(grade, dict) else ():
            warn(f"{where}.grades[{position}].{name}", "unknown field, which FullFabric ignores")
    try:
        update: UnitRegistrationUpdate = _update_schema.load(raw)  # its post_load makes one
        return update
    except ValidationError as error:
        problems = "; ".join(
            message if path == "(top level)" else f"{path}: {message}"
            for path, message in flatten_errors(error.messages)
        )
        raise RequestError(422, "invalid_item", f"{where}: {problems}") from None
