"""Field types of DigitalChalk's schemas: vendor ids, timestamps and date filters."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields
from marshmallow.validate import Length

from mockserver.digitalchalk.domain import parse_timestamp
from mockserver.digitalchalk.filters import InvalidDateFilter, parse_date_filter


def vendor_id(**kwargs: Any) -> fields.String:
    """A vendor id: any non-empty string (the vendor's own example has one that is not hex)."""
    return fields.String(validate=Length(min=1), **kwargs)


class Timestamp(fields.String):
    """A vendor timestamp `YYYY-MM-DDTHH:MM:SSZ` in UTC, kept as the string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_timestamp(text)
        except ValueError:
            raise ValidationError("Not a UTC timestamp like 2012-03-01T06:03:10Z.") from None
        return text


class DateFilter(fields.String):
    """A date filter parameter, loaded as the `DateRange` it selects."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return parse_date_filter(super()._deserialize(value, attr, data, **kwargs))
        except InvalidDateFilter as error:
            raise ValidationError(str(error)) from None
