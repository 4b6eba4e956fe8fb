"""Marshmallow schemas of DigitalChalk's user fields: fixture categories, fields and values, how they refer
to each other, and the list endpoints' queries."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load
from marshmallow.validate import Length, OneOf, Range

from mockserver.schemas import MAX_JSON_DEPTH, QueryInteger, nested_deeper

from .catalogue_schemas import StrictBoolean, Whole
from .userfields import (
    CATEGORY_TYPES,
    ORIENTATIONS,
    SIZES,
    TYPES,
    UserFieldCategoryQuery,
    UserFieldQuery,
    finite,
    value_problem,
)
from .values import DateFilter, Timestamp, vendor_id

_NOT_EMPTY = Length(min=1, error="must not be empty")
_CATEGORY_TYPE = OneOf(CATEGORY_TYPES, error="must be public or private")


class UserFieldCategorySchema(Schema):
    """A user field category as the vendor writes it."""

    id = vendor_id(required=True)
    type = fields.String(required=True, validate=_CATEGORY_TYPE)
    name = fields.String(required=True, validate=Length(min=1))
    orderIndex = Whole(load_default=0, validate=Range(min=0))
    createdDate = Timestamp(allow_none=True)


class OptionSchema(Schema):
    """One option of a dropdown, radio buttons or checkboxes field."""

    name = fields.String(required=True, validate=Length(min=1))
    selected = StrictBoolean(load_default=False)


def _json_object(value: dict[str, Any]) -> None:
    if not finite(value) or nested_deeper(value, MAX_JSON_DEPTH):
        raise ValidationError(f"Must hold finite numbers, at most {MAX_JSON_DEPTH} levels deep.")


class UserFieldSchema(Schema):
    """A user field as the vendor writes it: `categoryId` names its category (`categoryName` and
    `categoryType` may come too, and must then be the category's); a built-in field (`readOnly`) without
    one is off the form."""

    id = vendor_id(required=True)
    type = fields.String(required=True, validate=OneOf(TYPES, error="Must be one of: {choices}."))
    name = fields.String(required=True, validate=Length(min=1))
    localizedNames = fields.Dict(
        keys=fields.String(validate=Length(min=1)),
        values=fields.String(validate=Length(min=1)),
        allow_none=True,
    )
    orderIndex = Whole(allow_none=True, validate=Range(min=0))
    size = fields.String(allow_none=True, validate=OneOf(SIZES, error="Must be one of: {choices}."))
    orientation = fields.String(
        allow_none=True, validate=OneOf(ORIENTATIONS, error="Must be one of: {choices}.")
    )
    categoryId = vendor_id(allow_none=True)
    categoryName = fields.String(allow_none=True)
    categoryType = fields.String(allow_none=True, validate=_CATEGORY_TYPE)
    required = StrictBoolean(load_default=False)
    options = fields.List(fields.Nested(OptionSchema), allow_none=True)
    constraints = fields.Dict(keys=fields.String(), allow_none=True, validate=_json_object)
    message = fields.String(allow_none=True)
    readOnly = StrictBoolean(load_default=False)
    createdDate = Timestamp(allow_none=True)


class UserFieldValuesSchema(Schema):
    """One user's values: `{userId, values: {<userfieldId>: value}}`, each value of its field's type."""

    userId = vendor_id(required=True)
    values = fields.Dict(keys=fields.String(validate=Length(min=1)), required=True)


_VALUES_KEYS = frozenset(("userId", "values"))


def plainly_valid_values(record: Any) -> bool:
    """True when `UserFieldValuesSchema` is sure to load `record` unchanged (a third of 200,000 generated
    users hold values: they load several times faster so). The values themselves are judged against
    their fields by `userfield_problems`."""
    if type(record) is not dict or record.keys() != _VALUES_KEYS:
        return False
    user_id, values = record["userId"], record["values"]
    return (
        type(user_id) is str
        and user_id != ""
        and type(values) is dict
        and all(type(k) is str and k for k in values)
    )


def userfield_problems(data: dict[str, Any]) -> dict[str, Any]:
    """How user field records disagree with each other or the users: a repeated id, a field whose category
    does not exist (or whose category name or type is not its category's), a user named twice or not at
    all, a value of an unknown field or of the wrong type. Marshmallow's error messages by path (none:
    `{}`)."""
    errors: dict[str, dict[int, dict[str, Any]]] = {}

    def problem(collection: str, index: int, name: str, message: str) -> None:
        errors.setdefault(collection, {}).setdefault(index, {}).setdefault(name, []).append(message)

    categories: dict[str, dict[str, Any]] = {}
    for index, category in enumerate(data.get("userFieldCategories", [])):
        first = categories.setdefault(category["id"], {**category, "index": index})
        if first["index"] != index:
            problem(
                "userFieldCategories",
                index,
                "id",
                f"Duplicate id, already used by userFieldCategories.{first['index']}.",
            )
    userfields: dict[str, dict[str, Any]] = {}
    for index, field in enumerate(data.get("userFields", [])):
        first = userfields.setdefault(field["id"], {**field, "index": index})
        if first["index"] != index:
            problem("userFields", index, "id", f"Duplicate id, already used by userFields.{first['index']}.")
        category = categories.get(field.get("categoryId") or "")
        if field.get("categoryId") is None:
            if not field.get("readOnly"):
                problem(
                    "userFields",
                    index,
                    "categoryId",
                    "Missing data for required field (only a built-in field may have none).",
                )
        elif category is None:
            problem(
                "userFields", index, "categoryId", f"No user field category has the id {field['categoryId']}."
            )
        else:
            for name, own in (("categoryName", "name"), ("categoryType", "type")):
                if field.get(name) is not None and field[name] != category[own]:
                    problem("userFields", index, name, f"Must be its category's {own}, {category[own]}.")
    users = {user["id"] for user in data.get("users", [])}
    seen: dict[str, int] = {}
    for index, entry in enumerate(data.get("userFieldValues", [])):
        first_index = seen.setdefault(entry["userId"], index)
        if first_index != index:
            problem(
                "userFieldValues",
                index,
                "userId",
                f"Duplicate userId, already used by userFieldValues.{first_index}.",
            )
        if entry["userId"] not in users:
            problem("userFieldValues", index, "userId", f"No user has the id {entry['userId']}.")
        for field_id, value in entry["values"].items():
            field = userfields.get(field_id)
            if field is None:
                message = "No user field has this id."
            elif value is None:
                message = "Must not be null: leave the field out."
            else:
                message = value_problem(field, value) or ""
            if message:
                errors.setdefault("userFieldValues", {}).setdefault(index, {}).setdefault(
                    "values", {}
                ).setdefault(field_id, []).append(message)
    return errors


class UserFieldCategoryQuerySchema(Schema):
    """`GET /userfieldcategories` query parameters."""

    class Meta:
        unknown = EXCLUDE  # the view's business: a warning, or a 400 in strict mode

    name = fields.String(validate=_NOT_EMPTY)
    type = fields.String(validate=_CATEGORY_TYPE)
    createdDate = DateFilter()
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> UserFieldCategoryQuery:
        return UserFieldCategoryQuery(
            name=data.get("name"),
            type=data.get("type"),
            created=data.get("createdDate"),
            offset=data["offset"],
            limit=data["limit"],
        )


class UserFieldQuerySchema(Schema):
    """`GET /userfields` query parameters: `categoryType` (the vendor documents a filter by the category's
    type without its name)."""

    class Meta:
        unknown = EXCLUDE

    categoryType = fields.String(validate=_CATEGORY_TYPE)
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> UserFieldQuery:
        return UserFieldQuery(
            category_type=data.get("categoryType"), offset=data["offset"], limit=data["limit"]
        )


CATEGORY_QUERY_PARAMETERS = frozenset(UserFieldCategoryQuerySchema().fields)
USERFIELD_QUERY_PARAMETERS = frozenset(UserFieldQuerySchema().fields)
