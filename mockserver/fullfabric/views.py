"""FullFabric blueprint, under `/apis`: registrations judged per item, in vendor shapes; the operations
of other modules (`*_views.py`) register on it too, and share its auth, version and error handling."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, ValidationError
from werkzeug.http import parse_options_header

from mockserver.auth import check_token
from mockserver.errors import MockserverError, Unauthorized
from mockserver.rules.rules import Rule
from mockserver.schemas import flatten_errors, parse_json, sent_as_json
from mockserver.web.context import current_api, world
from mockserver.web.injection import call_for, matched
from mockserver.web.requestlog import refuse_if_strict, warn

from .commands import RegisterItems
from .schemas import (
    GRADE_FIELDS,
    ITEM_FIELDS,
    QUERY_PARAMETERS,
    RegistrationItemSchema,
    TranscriptQuerySchema,
)
from .state import FullFabricState
from .transcripts import (
    ContextNotFound,
    InvalidItem,
    ItemError,
    ProfileNotFound,
    RegistrationItem,
    RegistrationNotFound,
    TranscriptQuery,
    UnitNotFound,
    UnitNotOffered,
    UnknownGrade,
    UnknownGradeState,
)

bp = Blueprint("fullfabric", __name__, url_prefix="/apis")
_item_schema = RegistrationItemSchema()
_query_schema = TranscriptQuerySchema()

VERSIONS = ("2025-05-07", "2021-04-13")  # newest first
NEWEST = VERSIONS[0]

# An item's failure: its status and the `error` code of its body.
ITEM_ERRORS: dict[type[ItemError], tuple[int, str]] = {
    InvalidItem: (422, "invalid_item"),
    UnitNotFound: (404, "unit_not_found"),
    ContextNotFound: (404, "context_not_found"),
    UnitNotOffered: (422, "unit_not_offered"),
    UnknownGrade: (422, "unknown_grade"),
    UnknownGradeState: (422, "unknown_grade_state"),
    RegistrationNotFound: (404, "registration_not_found"),
}
_REQUEST_ID_UNSAFE = re.compile(r"[^\w\-@]")


def state() -> FullFabricState:
    """FullFabric's state in the current request's world."""
    found: FullFabricState = world().state("fullfabric")
    return found


class RequestError(MockserverError):
    """The whole request fails: one status and one error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(code: str, message: str) -> dict[str, str]:
    """The error shape, for a whole request and inside a failed item's `json` alike."""
    return {"error": code, "message": message}


# Codes of errors raised outside the views (routing, body size, bugs); fixed here rather than taken
# from the status phrase, which changes between Python versions.
HTTP_ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",  # strict mode: a call over plain HTTP while HTTPS is served
    404: "not_found",
    405: "method_not_allowed",
    413: "request_entity_too_large",
    415: "unsupported_media_type",
    503: "service_unavailable",
}


def error_response(status: int, message: str, code: str | None = None) -> Response:
    response = jsonify(error_body(code or HTTP_ERROR_CODES.get(status, "internal_error"), message))
    response.status_code = status
    return response


@bp.after_app_request
def request_id(response: Response) -> Response:
    """Every FullFabric response carries `X-Request-Id`: the client's own, if it sent one (as Rails
    does, sanitised), else a fresh UUID."""
    if current_api() == "fullfabric":
        given = _REQUEST_ID_UNSAFE.sub("", request.headers.get("X-Request-Id", ""))[:255]
        response.headers["X-Request-Id"] = given or str(uuid.uuid4())
    return response


@bp.before_request
def authenticate() -> None:
    check_token(request.headers.get("FF-Auth", "").strip(), state().tokens)


@bp.errorhandler(Unauthorized)
def unauthorized(error: Unauthorized) -> Response:
    return error_response(401, f"FF-Auth: {error}", "unauthorized")


@bp.errorhandler(RequestError)
def request_error(error: RequestError) -> Response:
    return error_response(error.status, error.message, error.code)


@bp.errorhandler(ProfileNotFound)
def profile_not_found(error: ProfileNotFound) -> Response:
    return error_response(404, str(error), "profile_not_found")


@bp.get("/registrations/profiles/<profile_id>/registrations")
def list_registrations(profile_id: str) -> Response:
    """The profile's registrations, filtered and paged: a bare array of registration objects."""
    _api_version()
    fullfabric = state()
    fullfabric.check_profile(profile_id)
    query = _transcript_query()
    _refuse_warnings_if_strict()
    return jsonify(fullfabric.registrations_of(profile_id, query))


@bp.post("/registrations/profiles/<profile_id>/registrations")
def create_registrations(profile_id: str) -> Response:
    """Register the profile on each item's unit; each item succeeds or fails on its own."""
    return _apply_items(profile_id, create=True)


@bp.patch("/registrations/profiles/<profile_id>/registrations")
def update_registrations(profile_id: str) -> Response:
    """Update the profile's registration on each item's unit; an item without one fails with a 404."""
    return _apply_items(profile_id, create=False)


def _apply_items(profile_id: str, create: bool) -> Response:
    """POST and PATCH alike: whole-request checks, then each item on its own; 200 when every item
    succeeds, else 207."""
    _api_version()
    current = world()
    current.state("fullfabric").check_profile(profile_id)
    raw_items = _registrations()
    items: list[Any] = [_parse_item(index, raw) for index, raw in enumerate(raw_items)]
    for name in request.args:
        warn(name, "unknown parameter, which FullFabric ignores")
    _refuse_warnings_if_strict()
    if current.rules.may_fire("fullfabric", request.method, request.path, "item"):
        for index, raw in enumerate(raw_items):
            items[index] = _apply_item_rules(index, raw, items[index])

    # The well-formed items are written, in one command; the others (malformed, or decided by a rule)
    # keep their place among the outcomes.
    applied = [index for index, item in enumerate(items) if isinstance(item, RegistrationItem)]
    if applied:
        write = RegisterItems(profile_id, tuple(items[i] for i in applied), create, current.clock.now())
        for index, result in zip(applied, current.write(write), strict=True):
            items[index] = result
    outcomes = [_outcome(result) for result in items]
    response = jsonify(outcomes)
    response.status_code = 200 if all(200 <= outcome["status"] < 300 for outcome in outcomes) else 207
    return response


@dataclass(frozen=True, slots=True)
class InjectedOutcome:
    """An item's outcome decided by a failure rule: the item is not applied."""

    status: int
    json: Any


def fire_item_rule(index: int, raw: Any) -> Rule | None:
    """The first item rule that fires for item `index` (journaled, its latency waited out) when it says
    how to answer; None when none fires or the one that does only delays."""
    fired = world().rules.fire(call_for(raw, index), "item")
    if fired is None:
        return None
    rule, reason = fired
    matched(rule, reason, index)
    if rule.latency_ms:
        time.sleep(rule.latency_ms / 1000)
    return rule if rule.respond else None


def _apply_item_rules(index: int, raw: Any, item: Any) -> Any:
    """The item, or the outcome the first item rule that fires decides (after its latency)."""
    rule = fire_item_rule(index, raw)
    if rule is None or rule.respond is None:
        return item
    default = error_body("injected_failure", f"injected by failure rule {rule.name}")
    return InjectedOutcome(rule.respond["status"], rule.respond.get("json", default))


def _outcome(result: Any) -> dict[str, Any]:
    if isinstance(result, InjectedOutcome):
        return {"status": result.status, "json": result.json}
    if isinstance(result, ItemError):
        status, code = ITEM_ERRORS[type(result)]
        return {"status": status, "json": error_body(code, str(result))}
    return {"status": 200, "json": result}


def _api_version() -> str:
    """The version asked for by `Accept: application/json;version=…` or `X-API-Version`."""
    asked = [
        options["version"]
        for value, _quality in request.accept_mimetypes
        for options in [parse_options_header(value)[1]]
        if "version" in options
    ]
    if "X-API-Version" in request.headers:
        asked.append(request.headers["X-API-Version"].strip())
    if not asked:
        warn(
            "version",
            f"none asked for (Accept: application/json;version=…, or X-API-Version); served {NEWEST}",
        )
        return NEWEST
    for version in asked:
        if version not in VERSIONS:
            raise RequestError(
                400, "unsupported_version", f"API version {version!r} is not one of {', '.join(VERSIONS)}"
            )
    if len(set(asked)) > 1:
        raise RequestError(
            400, "conflicting_versions", f"more than one API version asked for: {', '.join(asked)}"
        )
    return asked[0]


def json_object(shape: str = "a JSON object") -> dict[str, Any]:
    """The request's body, a JSON object, or the whole request fails: not sent as JSON (415), not JSON
    (400), not an object (422, saying it must be `shape`)."""
    if not sent_as_json(request.mimetype):
        raise RequestError(415, "unsupported_media_type", "Content-Type must be application/json")
    try:
        body = parse_json(request.get_data())
    except (ValueError, RecursionError) as error:
        raise RequestError(400, "invalid_json", f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise RequestError(422, "invalid_body", f"the body must be {shape}")
    return body


def _registrations() -> list[Any]:
    """The body's `registrations`: a non-empty list, or the whole request fails."""
    body = json_object("a JSON object with a registrations list")
    for name in body:
        if name != "registrations":
            warn(name, "unknown field, which FullFabric ignores")
    if "registrations" not in body:
        raise RequestError(422, "invalid_body", "registrations is required")
    registrations = body["registrations"]
    if not isinstance(registrations, list):
        raise RequestError(422, "invalid_body", "registrations must be a list")
    if not registrations:
        raise RequestError(422, "invalid_body", "registrations must not be empty")
    return registrations


def _transcript_query() -> TranscriptQuery:
    """The profile list's query."""
    query: TranscriptQuery = load_query(_query_schema, QUERY_PARAMETERS)
    return query


def warn_unknown(known: Iterable[str]) -> None:
    """Unknown parameters are warnings; one given twice counts once, as Rails takes it (the last), with a
    warning."""
    known = frozenset(known)
    for name in request.args:
        given = request.args.getlist(name)
        if name not in known:
            warn(name, "unknown parameter, which FullFabric ignores")
        elif len(given) > 1:
            warn(name, f"given {len(given)} times; FullFabric uses the last")


def load_query(schema: Schema, known: Iterable[str]) -> Any:
    """What `schema` makes of the query (its post_load, if any); unknown or repeated parameters are
    warnings (`warn_unknown`), an invalid one fails the request (400), named."""
    warn_unknown(known)
    arguments = {name: request.args.getlist(name)[-1] for name in request.args}
    try:
        return schema.load(arguments)
    except ValidationError as error:
        problems = "; ".join(f"{name}: {message}" for name, message in flatten_errors(error.messages))
        raise RequestError(400, "invalid_parameter", problems) from None


def _parse_item(index: int, raw: Any) -> RegistrationItem | InvalidItem:
    """A well-formed item, or the reason it is not; warns of fields FullFabric would ignore."""
    where = f"registrations[{index}]"
    if not isinstance(raw, dict):
        return InvalidItem("the item must be an object with unit_id and context_id")
    for name in raw.keys() - ITEM_FIELDS:
        warn(f"{where}.{name}", "unknown field, which FullFabric ignores")
    grades = raw.get("grades")
    for position, grade in enumerate(grades if isinstance(grades, list) else []):
        for name in grade.keys() - GRADE_FIELDS if isinstance(grade, dict) else ():
            warn(f"{where}.grades[{position}].{name}", "unknown field, which FullFabric ignores")
    try:
        item: RegistrationItem = _item_schema.load(raw)  # its post_load makes one
        return item
    except ValidationError as error:
        return InvalidItem(
            "; ".join(f"{path}: {message}" for path, message in flatten_errors(error.messages))
        )


def _refuse_warnings_if_strict() -> None:
    refuse_if_strict(_strict_refusal)


def _strict_refusal(earned: list[dict[str, str]]) -> RequestError:
    problems = "; ".join(f"{w['parameter']}: {w['message']}" for w in earned)
    return RequestError(400, "strict_mode", f"strict mode: {problems}")
