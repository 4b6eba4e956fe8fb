"""Marshmallow schemas of the query strings of FullFabric's profiles, classes and programmes."""

from __future__ import annotations

import calendar
import re
import time
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load
from marshmallow.validate import Range

from mockserver.schemas import QueryInteger

from .institutions import Page, ProfileQuery

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
MAX_MILLISECONDS = 10**16 - 1  # some 300,000 years: past any date


def _day(value: str) -> float:
    """Midnight (UTC) starting a `yyyy-mm-dd` day, in unix seconds."""
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%d")))
    except ValueError:
        raise ValidationError("must be a date, yyyy-mm-dd") from None


class Day(fields.Field[float]):
    """A `yyyy-mm-dd` date: its first instant (UTC), in unix seconds."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if not isinstance(value, str) or not _DAY.match(value):
            raise ValidationError("must be a date, yyyy-mm-dd")
        return _day(value)


class DayOrMilliseconds(fields.Field[float]):
    """A `yyyy-mm-dd` date (its first instant, UTC), or a unix timestamp in milliseconds as the list
    shows them; in unix seconds."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str) and _DIGITS.match(value):
            digits = value.lstrip("0") or "0"
            if len(digits) > len(str(MAX_MILLISECONDS)):
                raise ValidationError(f"must be at most {MAX_MILLISECONDS} (milliseconds)")
            return int(digits) / 1000
        if isinstance(value, str) and _DAY.match(value):
            return _day(value)
        raise ValidationError("must be a date (yyyy-mm-dd) or a unix timestamp in milliseconds")


def _limit() -> QueryInteger:
    return QueryInteger(load_default=10, validate=Range(1, 1000, error="must be between 1 and 1000"))


def _skip() -> QueryInteger:
    return QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))


class ProfileQuerySchema(Schema):
    """`GET /apis/profiles/profiles`: filters (ANDed) and a page."""

    class Meta:
        unknown = EXCLUDE  # unknown parameters are warnings, found by the view

    limit = _limit()
    skip = _skip()
    updated_before = DayOrMilliseconds()
    updated_after = DayOrMilliseconds()
    updated_data_before = Day()
    updated_data_after = Day()
    filter_field = fields.String(data_key="filter[field]")
    filter_value = fields.String(data_key="filter[value]")
    context_id = fields.String(data_key="filter[context][id]")
    context_state = fields.String(data_key="filter[context][state]")

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> ProfileQuery:
        if data.get("filter_field") == "":
            raise ValidationError("must not be empty", "filter[field]")
        return ProfileQuery(
            limit=data["limit"],
            skip=data["skip"],
            updated_before=data.get("updated_before"),
            updated_after=data.get("updated_after"),
            updated_data_before=data.get("updated_data_before"),
            updated_data_after=data.get("updated_data_after"),
            field=data.get("filter_field"),
            value=data.get("filter_value", ""),
            context_id=data.get("context_id"),
            context_state=data.get("context_state"),
        )


class PageQuerySchema(Schema):
    """`GET /apis/institutions/programmes`: a page."""

    class Meta:
        unknown = EXCLUDE

    limit = _limit()
    skip = _skip()

    @post_load
    def to_page(self, data: dict[str, Any], **kwargs: Any) -> Page:
        return Page(limit=data["limit"], skip=data["skip"])


PROFILE_PARAMETERS = frozenset(field.data_key or name for name, field in ProfileQuerySchema().fields.items())
PAGE_PARAMETERS = frozenset(PageQuerySchema().fields)
