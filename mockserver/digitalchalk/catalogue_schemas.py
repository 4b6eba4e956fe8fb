"""Marshmallow schemas of DigitalChalk's catalogue: fixture offerings and categories, and list queries."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load
from marshmallow.validate import Length, Range, Regexp

from mockserver.schemas import Number, QueryInteger

from .catalogue import CategoryQuery, OfferingQuery
from .domain import parse_timestamp
from .values import DateFilter, Timestamp, vendor_id

_NOT_EMPTY = Length(min=1, error="must not be empty")
# Tags in a `tag` value are separated by spaces or commas (the vendor's page); all must match.
TAG_SEPARATORS = re.compile("[ ,]+")


class Whole(fields.Integer):
    """A JSON integer: also written with a zero fraction (`3.0`, which JSON Schema calls an integer), but
    never a string or a boolean."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if type(value) is not int:
            raise ValidationError("Not a valid integer.")
        return value


class StrictBoolean(fields.Boolean):
    """`true` or `false`, not `0`, `1` or `"yes"`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if type(value) is not bool:
            raise ValidationError("Not a valid boolean.")
        return value


class OfferingSchema(Schema):
    """An offering as the vendor writes it, plus `allowRetakes` and `passMark` (the mock's, never
    served); absent or null fields have no value."""

    id = vendor_id(required=True)
    title = fields.String(required=True)
    catalogDescription = fields.String(allow_none=True)
    dashboardDescription = fields.String(allow_none=True)
    deliveryDescription = fields.String(allow_none=True)
    price = Number(allow_none=True, validate=Range(min=0))
    tags = fields.List(fields.String(validate=Length(min=1)), load_default=list)
    offeringCategoryIds = fields.List(vendor_id(), load_default=list)
    orderIndex = Whole(allow_none=True, validate=Range(min=0))
    createdDate = Timestamp(allow_none=True)
    beginDate = Timestamp(allow_none=True)
    endDate = Timestamp(allow_none=True)
    registrationBeginDate = Timestamp(allow_none=True)
    registrationEndDate = Timestamp(allow_none=True)
    allowRetakes = StrictBoolean(load_default=False)
    # The course's pass mark (a percentage): a grade at or above it passes. The mock's, never served.
    passMark = Number(allow_none=True, validate=Range(min=0, max=100))


class OfferingCategorySchema(Schema):
    """An offering category as the vendor writes it."""

    id = vendor_id(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    color = fields.String(
        allow_none=True, validate=Regexp(r"^#[0-9a-fA-F]{6}\Z", error="Not an HTML colour like #0088ff.")
    )
    orderIndex = Whole(load_default=0, validate=Range(min=0))


def catalogue_problems(data: dict[str, Any]) -> dict[str, Any]:
    """How the catalogue's records disagree with each other or themselves: a repeated id, an offering
    naming a category that does not exist, or a window that ends before it begins. Marshmallow's error
    messages by path (none: `{}`)."""
    errors: dict[str, Any] = {}
    categories: dict[str, int] = {}
    for collection in ("offeringCategories", "offerings"):
        seen: dict[str, int] = {}
        for index, record in enumerate(data.get(collection, [])):
            first = seen.setdefault(record["id"], index)
            if first != index:
                errors.setdefault(collection, {})[index] = {
                    "id": [f"Duplicate id, already used by {collection}.{first}."]
                }
        if collection == "offeringCategories":
            categories = seen
    for index, offering in enumerate(data.get("offerings", [])):
        problems = errors.setdefault("offerings", {}).setdefault(index, {})
        unknown = [name for name in offering.get("offeringCategoryIds", []) if name not in categories]
        if unknown:
            problems["offeringCategoryIds"] = [f"No offering category has the id {name}." for name in unknown]
        for begin, end in (("registrationBeginDate", "registrationEndDate"), ("beginDate", "endDate")):
            if offering.get(begin) and offering.get(end):
                if parse_timestamp(offering[end]) < parse_timestamp(offering[begin]):
                    problems[end] = [f"Must not be earlier than {begin}."]
        if not problems:
            del errors["offerings"][index]
    if not errors.get("offerings", True):
        del errors["offerings"]
    return errors


class Tags(fields.Field[tuple[str, ...]]):
    """Every `tag` value given (the parameter may be repeated), each split at spaces and commas: the
    tags an offering must all have."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[str, ...]:
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(text, str) for text in values):
            raise ValidationError("must be text")
        tags = tuple(tag for text in values for tag in TAG_SEPARATORS.split(text) if tag)
        if len(tags) == 0 or any(not TAG_SEPARATORS.sub("", text) for text in values):
            raise ValidationError("must name a tag")
        return tags


class OfferingQuerySchema(Schema):
    """`GET /offerings` query parameters: the documented names and their synonyms (`categoryId`,
    `studentId`), each named as sent in an error. `tag` is read apart: it may be repeated."""

    class Meta:
        unknown = EXCLUDE  # the view's business: a warning, or a 400 in strict mode

    title = fields.String(validate=_NOT_EMPTY)
    tag = Tags()
    offeringCategoryId = fields.String(validate=_NOT_EMPTY)
    categoryId = fields.String(validate=_NOT_EMPTY)
    createdDate = DateFilter()
    userId = fields.String(validate=_NOT_EMPTY)
    studentId = fields.String(validate=_NOT_EMPTY)
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> OfferingQuery:
        return OfferingQuery(
            title=data.get("title"),
            tags=data.get("tag", ()),
            category_id=data.get("offeringCategoryId", data.get("categoryId")),
            created=data.get("createdDate"),
            user_id=data.get("userId", data.get("studentId")),
            offset=data["offset"],
            limit=data["limit"],
        )


class CategoryQuerySchema(Schema):
    """`GET /offeringcategories` query parameters."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(validate=_NOT_EMPTY)
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> CategoryQuery:
        return CategoryQuery(name=data.get("name"), offset=data["offset"], limit=data["limit"])


OFFERING_PARAMETERS = frozenset(OfferingQuerySchema().fields)
CATEGORY_PARAMETERS = frozenset(CategoryQuerySchema().fields)
# Names a page of the vendor's documents, for which clients use another: each accepted, with a warning.
SYNONYMS = {"studentId": "userId", "categoryId": "offeringCategoryId"}
