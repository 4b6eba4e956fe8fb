"""DigitalChalk blueprint: the registrations API under `/dc/api/v5`, with the vendor's error bodies."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_plus

from flask import Blueprint, current_app, jsonify, request
from marshmallow import ValidationError

from mockserver.auth import check_token
from mockserver.context import world
from mockserver.errors import MockserverError, Unauthorized
from mockserver.requestlog import warn, warnings
from mockserver.responses import Response

from .schemas import QUERY_PARAMETERS, RegistrationQuerySchema

if TYPE_CHECKING:
    from mockserver.store.memory import DigitalChalkTable

bp = Blueprint("digitalchalk", __name__, url_prefix="/dc/api/v5")
_query_schema = RegistrationQuerySchema()


class FieldErrors(MockserverError):
    """Validation failed: `400 {"fieldErrors": {"<param>": "<text>"}}`."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(field_errors)
        self.field_errors = field_errors


def error_response(status: int, message: str) -> Response:
    """The vendor's shape for every error but validation: `{"errors": ["<text>"]}`."""
    response = jsonify({"errors": [message]})
    response.status_code = status
    return response


def bearer_token(environ: dict[str, Any]) -> str:
    """The token of `Authorization: Bearer <token>`, or "" when there is none."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.before_request
def authenticate() -> None:
    check_token(bearer_token(request.environ), world().digitalchalk.tokens)


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


@bp.errorhandler(ValidationError)
def invalid_parameters(error: ValidationError) -> Response:
    messages = error.normalized_messages()
    return field_errors(FieldErrors({name: "; ".join(texts) for name, texts in messages.items()}))


_ALL = _query_schema.load({})


@bp.get("/registrations")
def list_registrations() -> Response:
    table = world().digitalchalk
    key = answer_key(request.environ, current_app.config["STRICT"])
    cached = table.answers.get(key)
    if cached is None:
        response = _list(table)
        table.answers.put(key, (response.get_data(), warnings()))
        return response
    body, earned = cached
    for warning in earned:
        warn(warning["parameter"], warning["message"])
    return Response(body, mimetype="application/json")


def answer_key(environ: dict[str, Any], strict: bool) -> tuple[Any, ...]:
    """What a list answer depends on besides the table (which never changes: a new state is a new
    table): the query, and the URL its links are written with. The same request again gets the bytes
    (and the warnings) of the first answer."""
    return (
        environ.get("QUERY_STRING", ""),
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
    page = table.query(query)
    body: dict[str, object] = {"results": page.results}
    if query.offset + query.limit < page.total:
        body["next"] = _with_offset(query.offset + query.limit)
    if query.offset > 0:
        body["prev"] = _with_offset(max(0, query.offset - query.limit))
    return jsonify(body)


def _check_parameters() -> None:
    """Warn of what DigitalChalk ignores; in strict mode refuse it."""
    for name, values in request.args.lists():
        if name not in QUERY_PARAMETERS:
            guess = difflib.get_close_matches(name, QUERY_PARAMETERS, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            warn(name, f"unknown parameter, which DigitalChalk ignores{hint}")
        elif len(values) > 1:
            warn(name, f"given {len(values)} times; DigitalChalk uses the first")
    if current_app.config["STRICT"] and warnings():
        raise FieldErrors({w["parameter"]: f"strict mode: {w['message']}" for w in warnings()})


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
