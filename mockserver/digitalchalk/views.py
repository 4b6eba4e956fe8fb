"""DigitalChalk blueprint: the registrations API under `/dc/api/v5`, with the vendor's error bodies."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote_plus

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import ValidationError

from mockserver.auth import bearer_token, check_token
from mockserver.errors import MockserverError, Unauthorized
from mockserver.schemas import parse_json, sent_as_json
from mockserver.web import responses
from mockserver.web.context import world
from mockserver.web.requestlog import refuse_if_strict, warn, warnings

from .commands import CreateRegistration, UpdateRegistration
from .domain import NOT_AVAILABLE, FieldProblems, OfferingUnavailable, Page
from .schemas import QUERY_PARAMETERS, RegistrationQuerySchema
from .table import DigitalChalkTable

# Every client calls `/dc/api/v5`; the vendor's newer pages show `/api/v5`. Both serve the same API, and
# links and `Location` keep the prefix the request came by.
BASE_PATHS = ("/dc/api/v5", "/api/v5")
bp = Blueprint("digitalchalk", __name__, url_prefix=BASE_PATHS[0])
_query_schema = RegistrationQuerySchema()


class FieldErrors(MockserverError):
    """Validation failed: `400 {"fieldErrors": {"<param>": "<text>"}}`."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(field_errors)
        self.field_errors = field_errors


class RequestFailed(MockserverError):
    """Any other error: `<status> {"errors": ["<message>"]}`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def state() -> DigitalChalkTable:
    """DigitalChalk's state (its registrations) in the current request's world."""
    found: DigitalChalkTable = world().state("digitalchalk")
    return found


def injected_body(message: str) -> dict[str, Any]:
    """The body of a failure a rule injects: the vendor's shape for errors."""
    return {"errors": [message]}


def error_response(status: int, message: str) -> Response:
    """The vendor's shape for every error but validation: `{"errors": ["<text>"]}`."""
    response = jsonify({"errors": [message]})
    response.status_code = status
    return response


@bp.before_request
def authenticate() -> None:
    check_token(bearer_token(request.environ.get("HTTP_AUTHORIZATION", "")), state().tokens)


@bp.errorhandler(Unauthorized)
def unauthorized(error: Unauthorized) -> Response:
    response = error_response(401, f"Unauthorized: {error}")
    response.headers["WWW-Authenticate"] = 'Bearer realm="DigitalChalk"'
    return response


@bp.errorhandler(FieldErrors)
def field_errors(error: FieldErrors) -> Response:
    response = jsonify({"fieldErrors": error.field_errors})
    response.status_code = 400
    return response


@bp.errorhandler(FieldProblems)
def field_problems(error: FieldProblems) -> Response:
    """A domain refusal of named fields (unknown ids, a user's or a value's field), as `fieldErrors`."""
    return field_errors(FieldErrors(error.field_errors))


@bp.errorhandler(OfferingUnavailable)
def offering_unavailable(error: OfferingUnavailable) -> Response:
    return error_response(400, NOT_AVAILABLE)


@bp.errorhandler(RequestFailed)
def request_failed(error: RequestFailed) -> Response:
    return error_response(error.status, error.message)


@bp.errorhandler(ValidationError)
def invalid_parameters(error: ValidationError) -> Response:
    messages = error.normalized_messages()  # type: ignore[no-untyped-call]  # marshmallow: untyped
    return field_errors(FieldErrors({name: "; ".join(texts) for name, texts in messages.items()}))


_ALL = _query_schema.load({})


@bp.get("/registrations")
def list_registrations() -> Response:
    table = state()
    key = answer_key(request.environ, current_app.config["STRICT"])
    answers = table.answers  # before the answer is made: a change meanwhile replaces them, and this one
    cached = answers.get(key)  # goes with the answers it made stale
    if cached is None:
        response = _list(table)
        answers.put(key, (response.get_data(), warnings()))
        return response
    body, earned = cached
    for warning in earned:
        warn(warning["parameter"], warning["message"])
    return responses.Response(body, mimetype="application/json")


def answer_key(environ: dict[str, Any], strict: bool) -> tuple[Any, ...]:
    """What a list answer depends on besides the table (which never changes: a new state is a new
    table): the query, and the URL its links are written with, base path included. The same request
    again gets the bytes (and the warnings) of the first answer."""
    return (
        environ.get("QUERY_STRING", ""),
        environ.get("PATH_INFO", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("wsgi.url_scheme"),
        strict,
    )


def _list(table: DigitalChalkTable) -> Response:
    if request.args:
        _check_parameters()
        query = _query_schema.load(request.args.to_dict(flat=True))
    else:  # the whole list: what the schema makes of no parameters, without asking it
        query = _ALL
    return _page_answer(table.query(query), query.offset, query.limit)


def _page_answer(page: Page, offset: int, limit: int) -> Response:
    """A list's answer: `results`, and `next`/`prev` links when there are pages after or before."""
    body: dict[str, object] = {"results": page.results}
    if offset + limit < page.total:
        body["next"] = _with_offset(offset + limit)
    if offset > 0:
        body["prev"] = _with_offset(max(0, offset - limit))
    return jsonify(body)


def _check_parameters(
    known: frozenset[str] = QUERY_PARAMETERS,
    repeatable: frozenset[str] = frozenset(),
    text: frozenset[str] = frozenset(),
) -> None:
    """Refuse a value a second `?` corrupted (but in the `text` parameters, where a `?` may be meant);
    warn of what DigitalChalk ignores, and in strict mode refuse it. A parameter in `repeatable` may be
    given more than once."""
    corrupted = {
        name: SECOND_QUESTION_MARK
        for name, values in request.args.lists()
        if name in known and name not in text and any("?" in value for value in values)
    }
    if corrupted:
        raise FieldErrors(corrupted)
    for name, values in request.args.lists():
        if name not in known:
            warn(name, f"unknown parameter, which DigitalChalk ignores{_hint(name, known)}")
        elif len(values) > 1 and name not in repeatable:
            warn(name, f"given {len(values)} times; DigitalChalk uses the first")
    _refuse_warnings_if_strict()


NOT_FOUND = "No resource exists with the given id."  # the vendor's own words

# `?limit=100?userId=…`, a real client's bug: the second `?` makes the rest part of one value.
SECOND_QUESTION_MARK = "holds a second '?': parameters after the first are joined with '&'"


def _hint(name: str, known: frozenset[str]) -> str:
    """` (did you mean userId?)` when a known name is close to `name`."""
    guess = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {guess[0]}?)" if guess else ""


def _refuse_warnings_if_strict() -> None:
    refuse_if_strict(
        lambda earned: FieldErrors({w["parameter"]: f"strict mode: {w['message']}" for w in earned})
    )


# --- one registration: read, create, grade or eject ------------------------------------------------


@bp.get("/registrations/<registration_id>")
def get_registration(registration_id: str) -> Response:
    _check_parameters(frozenset())
    return jsonify(found(state().get(registration_id)))


@bp.post("/registrations")
def create_registration() -> Response:
    """`{userId, offeringId}` → `201`, no body, `Location` the new registration's path (relative, under
    the base path the request came by); `active`, created now, titled as its offering. Both ids must
    exist and the offering be available to the user now, else `400`."""
    _check_parameters(frozenset())
    body = _json_object(CREATE_FIELDS)
    errors = {name: problem for name in ("userId", "offeringId") if (problem := _id_problem(body, name))}
    current = world()
    table: DigitalChalkTable = current.state("digitalchalk")
    # Every field named at once: a malformed one, and the well-formed ones that name nothing.
    user_id, offering_id = (None if name in errors else body[name] for name in ("userId", "offeringId"))
    errors |= table.unknown_ids(user_id, offering_id)
    if errors:
        raise FieldErrors(errors)
    now = current.clock.now()
    table.registrable(body["userId"], body["offeringId"], now)
    _refuse_warnings_if_strict()
    registration = current.write(CreateRegistration(body["userId"], body["offeringId"], now))
    location = f"{request.script_root}{request.path.rstrip('/')}/{registration['id']}"
    return responses.Response(status=201, headers={"Location": location})


@bp.put("/registrations/<registration_id>")
def update_registration(registration_id: str) -> Response:
    """`{"grade": 0–100}` grades it, `{"status": "ejected"}` ejects it (and ends it now, when it had not
    ended); both may come together. `204`, no body."""
    _check_parameters(frozenset())
    current = world()
    found(current.state("digitalchalk").get(registration_id))
    body = _json_object(UPDATE_FIELDS)
    changes = _changes(body)
    _refuse_warnings_if_strict()
    found(current.write(UpdateRegistration(registration_id, changes, current.clock.now())))
    return responses.Response(status=204)


CREATE_FIELDS = frozenset({"userId", "offeringId"})
UPDATE_FIELDS = frozenset({"grade", "status"})


def found(record: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The record a path names, or the vendor's `404` for every unknown id."""
    if record is None:
        raise RequestFailed(404, NOT_FOUND)
    return record


def _json_object(fields: frozenset[str] | None) -> dict[str, Any]:
    """The body, a JSON object; a warning for each field DigitalChalk would ignore (none when `fields` is
    None: any key may be meant, and is checked by the caller)."""
    if not sent_as_json(request.mimetype):
        raise RequestFailed(415, "Content-Type must be application/json")
    try:
        body = parse_json(request.get_data())
    except (ValueError, RecursionError) as error:
        raise RequestFailed(400, f"The body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise RequestFailed(400, "The body must be a JSON object")
    for name in body:
        if fields is not None and name not in fields:
            warn(name, f"unknown field, which DigitalChalk ignores{_hint(name, fields)}")
    return body


def _id_problem(body: Mapping[str, Any], name: str) -> str | None:
    if name not in body:
        return "is required"
    if not isinstance(body[name], str) or not body[name]:
        return "must be a non-empty string"
    return None


def _changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """What an update sets, from its body: a grade, an ejection, or both; `400` for anything else."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "grade" in body:
        grade = body["grade"]
        if isinstance(grade, bool) or not isinstance(grade, (int, float)) or not 0 <= grade <= 100:
            errors["grade"] = "must be a number from 0 to 100"
        else:
            changes["grade"] = grade
    if "status" in body:
        if body["status"] != "ejected":
            errors["status"] = "must be ejected (the only status an update sets)"
        else:
            changes["status"] = "ejected"
    if errors:
        raise FieldErrors(errors)
    if not changes:
        raise RequestFailed(400, 'Nothing to update: give "grade" (0 to 100) or "status": "ejected"')
    return changes


def _with_offset(offset: int) -> str:
    """This request's URL with `offset` set, every other parameter kept as the client wrote it."""
    kept: list[str] = []
    replaced = False
    for segment in request.query_string.split(b"&"):
        key = unquote_plus(segment.split(b"=", 1)[0].decode("latin-1"))
        if not segment or key == "offset":
            if key == "offset" and not replaced:
                kept.append(f"offset={offset}")
                replaced = True
            continue
        kept.append(quote(segment, safe="=+%[],:/?@!$'()*;"))
    if not replaced:
        kept.append(f"offset={offset}")
    return f"{request.base_url}?{'&'.join(kept)}"
