"""DigitalChalk users under `/dc/api/v5/users`: list, read, create, update and delete, on the blueprint of
`views.py`, with the vendor's error bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request

from mockserver.web import responses
from mockserver.web.context import world

from .commands import CreateUser, DeleteUser, UpdateUser
from .schemas import USER_QUERY_PARAMETERS, UserQuerySchema
from .users import TEXT_FILTERS, WRITABLE_FIELDS, InvalidUser, Users, user_fields
from .views import (
    NOT_FOUND,
    RequestFailed,
    _check_parameters,
    _json_object,
    _page_answer,
    _refuse_warnings_if_strict,
    bp,
    found,
    state,
)

_query_schema = UserQuerySchema()
_ALL = _query_schema.load({})


@bp.get("/users")
def list_users() -> Response:
    """Users matching every filter (text filters: substrings, case ignored; dates: the date grammar)."""
    if request.args:
        _check_parameters(USER_QUERY_PARAMETERS, text=frozenset(TEXT_FILTERS))
        query = _query_schema.load(request.args.to_dict(flat=True))
    else:
        query = _ALL
    return _page_answer(state().users.query(query), query.offset, query.limit)


@bp.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    _check_parameters(frozenset())
    return jsonify(found(state().users.get(user_id)))


@bp.post("/users")
def create_user() -> Response:
    """`201`, no body, `Location` the new user's path (relative, as the vendor's page shows)."""
    _check_parameters(frozenset())
    current = world()
    fields = _checked(_json_object(WRITABLE_FIELDS), current.state("digitalchalk").users, None)
    _refuse_warnings_if_strict()
    user = current.write(CreateUser(fields, current.clock.now()))
    location = f"{request.script_root}{request.path.rstrip('/')}/{user['id']}"
    return responses.Response(status=201, headers={"Location": location})


@bp.put("/users/<user_id>")
def update_user(user_id: str) -> Response:
    """A partial update: fields left out keep their value; `tags` replaces the tags. `204`."""
    _check_parameters(frozenset())
    current = world()
    users = current.state("digitalchalk").users
    found(users.get(user_id))
    changes = _checked(_json_object(WRITABLE_FIELDS), users, user_id)
    _refuse_warnings_if_strict()
    if changes:  # a body that changes nothing (a password alone, unknown fields) writes nothing
        found(current.write(UpdateUser(user_id, changes)))
    return responses.Response(status=204)


@bp.delete("/users/<user_id>")
def delete_user(user_id: str) -> Response:
    """`204`; the user's registrations stay, as history."""
    _check_parameters(frozenset())
    current = world()
    found(current.state("digitalchalk").users.get(user_id))
    if not current.write(DeleteUser(user_id)):
        raise RequestFailed(404, NOT_FOUND)
    return responses.Response(status=204)


def _checked(body: Mapping[str, Any], users: Users, user_id: str | None) -> dict[str, Any]:
    """The fields a body sets (`user_id` None: a new user's); `InvalidUser` naming every field that is
    invalid or another user's."""
    try:
        fields = user_fields(body, creating=user_id is None)
    except InvalidUser as error:
        valid = {
            name: body[name]
            for name in ("email", "username")
            if isinstance(body.get(name), str) and name not in error.field_errors
        }
        raise InvalidUser({**error.field_errors, **users.conflicts(valid, user_id)}) from None
    taken = users.conflicts(fields, user_id)
    if taken:
        raise InvalidUser(taken)
    return fields
