"""DigitalChalk user field categories (`/userfieldcategories`: list, read, delete), user fields
(`/userfields`: list, read, create, update, delete) and each user's values (`/users/{id}/userfieldvalues`:
read, set), on the blueprint of `views.py`, with the vendor's error bodies."""

from __future__ import annotations

from flask import Response, jsonify, request, url_for

from mockserver.web import responses
from mockserver.web.context import world

from .userfield_commands import (
    CreateUserField,
    DeleteUserField,
    DeleteUserFieldCategory,
    SetUserFieldValues,
    UpdateUserField,
)
from .userfields import (
    CATEGORY_IN_USE,
    WRITABLE_FIELDS,
    CategoryInUse,
    InvalidUserField,
    InvalidValues,
    UserFields,
    userfield_definition,
)
from .userfields_schemas import (
    CATEGORY_QUERY_PARAMETERS,
    USERFIELD_QUERY_PARAMETERS,
    UserFieldCategoryQuerySchema,
    UserFieldQuerySchema,
)
from .views import (
    NOT_FOUND,
    RequestFailed,
    _check_parameters,
    _json_object,
    _page_answer,
    _refuse_warnings_if_strict,
    bp,
    error_response,
    found,
    state,
)

_category_query = UserFieldCategoryQuerySchema()
_field_query = UserFieldQuerySchema()


@bp.errorhandler(InvalidUserField)
def invalid_userfield(error: InvalidUserField) -> Response:
    """The vendor's third error shape, for a user field's definition: `400 {"message": "..."}`."""
    response = jsonify({"message": error.message})
    response.status_code = 400
    return response


@bp.errorhandler(CategoryInUse)
def category_in_use(error: CategoryInUse) -> Response:
    return error_response(400, str(error))


# --- categories ------------------------------------------------------------------------------------------


@bp.get("/userfieldcategories")
def list_userfield_categories() -> Response:
    """Filters `name` (substring, case ignored), `type` (public or private), `createdDate`; public
    categories first, then by `orderIndex`."""
    _check_parameters(CATEGORY_QUERY_PARAMETERS, text=frozenset({"name"}))
    query = _category_query.load(request.args.to_dict(flat=True))
    return _page_answer(state().userfields.categories(query), query.offset, query.limit)


@bp.get("/userfieldcategories/<category_id>")
def get_userfield_category(category_id: str) -> Response:
    _check_parameters(frozenset())
    return jsonify(found(state().userfields.category(category_id)))


@bp.delete("/userfieldcategories/<category_id>")
def delete_userfield_category(category_id: str) -> Response:
    """`204`; refused (`400 errors`) while the category holds user fields."""
    _check_parameters(frozenset())
    current = world()
    userfields: UserFields = current.state("digitalchalk").userfields
    found(userfields.category(category_id))
    if userfields.holds_fields(category_id):  # refused before it is written (and checked again there)
        raise CategoryInUse(CATEGORY_IN_USE)
    if not current.write(DeleteUserFieldCategory(category_id)):
        raise RequestFailed(404, NOT_FOUND)
    return responses.Response(status=204)


# --- fields ----------------------------------------------------------------------------------------------


@bp.get("/userfields")
def list_userfields() -> Response:
    """In form order; `categoryType` (public or private) keeps the fields of categories of that type."""
    _check_parameters(USERFIELD_QUERY_PARAMETERS)
    query = _field_query.load(request.args.to_dict(flat=True))
    return _page_answer(state().userfields.fields(query), query.offset, query.limit)


@bp.get("/userfields/<userfield_id>")
def get_userfield(userfield_id: str) -> Response:
    _check_parameters(frozenset())
    return jsonify(found(state().userfields.field(userfield_id)))


@bp.post("/userfields")
def create_userfield() -> Response:
    """`201`, no body, `Location` the new field's absolute URL (as the vendor's page shows)."""
    _check_parameters(frozenset())
    current = world()
    body = _json_object(WRITABLE_FIELDS)
    fields = userfield_definition(body, current.state("digitalchalk").userfields)
    _refuse_warnings_if_strict()
    created = current.write(CreateUserField(fields, current.clock.now()))
    location = url_for(".get_userfield", userfield_id=created["id"], _external=True)
    return responses.Response(status=201, headers={"Location": location})


@bp.put("/userfields/<userfield_id>")
def update_userfield(userfield_id: str) -> Response:
    """A partial update: fields left out keep their value; a built-in field's definition stays. `204`."""
    _check_parameters(frozenset())
    current = world()
    userfields: UserFields = current.state("digitalchalk").userfields
    existing = found(userfields.field(userfield_id))
    changes = userfield_definition(_json_object(WRITABLE_FIELDS), userfields, existing)
    _refuse_warnings_if_strict()
    if changes:
        found(current.write(UpdateUserField(userfield_id, changes)))
    return responses.Response(status=204)


@bp.delete("/userfields/<userfield_id>")
def delete_userfield(userfield_id: str) -> Response:
    """`204`: a custom field is gone; a built-in one is taken off the form. Its values go."""
    _check_parameters(frozenset())
    current = world()
    found(current.state("digitalchalk").userfields.field(userfield_id))
    if not current.write(DeleteUserField(userfield_id)):
        raise RequestFailed(404, NOT_FOUND)
    return responses.Response(status=204)


# --- a user's values -------------------------------------------------------------------------------------


@bp.get("/users/<user_id>/userfieldvalues")
def get_userfield_values(user_id: str) -> Response:
    """`{<userfieldId>: value}`, only the fields with a value: `{}` when none."""
    _check_parameters(frozenset())
    table = state()
    found(table.users.get(user_id))
    return jsonify(table.userfields.values(user_id))


@bp.put("/users/<user_id>/userfieldvalues")
def set_userfield_values(user_id: str) -> Response:
    """Set several values at once (`null` clears one; fields left out keep theirs), all or none. `204`."""
    _check_parameters(frozenset())
    current = world()
    table = current.state("digitalchalk")
    found(table.users.get(user_id))
    values = _json_object(None)  # each key is checked as a user field, not warned of
    errors = table.userfields.value_errors(values)
    if errors:
        raise InvalidValues(errors)
    if values and not current.write(SetUserFieldValues(user_id, values)):
        raise RequestFailed(404, NOT_FOUND)
    return responses.Response(status=204)
