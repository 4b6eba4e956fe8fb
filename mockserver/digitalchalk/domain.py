"""DigitalChalk registrations and queries over them, in the vendor's own field names."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

STATUSES = ("active", "passed", "failed", "ejected")
DATE_FIELDS = ("createdDate", "beginDate", "lastActiveDate", "endDate")
# The order in which the vendor's example lists a registration's fields; responses keep it.
FIELDS = (
    "id",
    "userId",
    "offeringId",
    "title",
    "status",
    "grade",
    "graderId",
    "graderComment",
    *DATE_FIELDS,
)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")


_EPOCH = datetime(1970, 1, 1)
_SECOND = timedelta(seconds=1)


def parse_timestamp(value: str) -> int:
    """Unix seconds of a vendor timestamp `YYYY-MM-DDTHH:MM:SSZ` (UTC); `ValueError` if malformed.
    Digits are counted: strptime alone would take `2012-3-1T6:3:1Z` and serve it as written."""
    if not _TIMESTAMP.match(value):
        raise ValueError(f"not a timestamp like 2012-03-01T06:03:10Z: {value!r}")
    try:  # a million fixture dates are parsed at start: by datetime, several times faster than strptime
        moment = datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
        )
    except ValueError:  # not a date, or a leap second (:60), which strptime takes
        return calendar.timegm(time.strptime(value, TIMESTAMP_FORMAT))
    return (moment - _EPOCH) // _SECOND


@dataclass(frozen=True, slots=True)
class Registration:
    """One registration: its wire body (valueless fields omitted) and its dates as unix seconds."""

    body: Mapping[str, Any]
    dates: Mapping[str, int]

    @classmethod
    def from_fields(cls, values: Mapping[str, Any]) -> Registration:
        """Build from vendor fields; a field that is absent or None has no value and is omitted."""
        body = {name: values[name] for name in FIELDS if values.get(name) is not None}
        dates = {name: parse_timestamp(body[name]) for name in DATE_FIELDS if name in body}
        return cls(body=body, dates=dates)

    @property
    def id(self) -> str:
        return self.body["id"]


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of unix seconds; `None` leaves that end open."""

    start: int | None
    end: int | None

    def __contains__(self, instant: int) -> bool:
        return (self.start is None or instant >= self.start) and (self.end is None or instant <= self.end)


@dataclass(frozen=True, slots=True)
class RegistrationQuery:
    """The list endpoint's filters (all ANDed) and page."""

    status: str | None = None
    user_id: str | None = None
    offering_id: str | None = None
    dates: Mapping[str, DateRange] = field(default_factory=dict)
    offset: int = 0
    limit: int = 15

    def matches(self, registration: Registration) -> bool:
        body = registration.body
        if self.status is not None and body["status"] != self.status:
            return False
        if self.user_id is not None and body["userId"] != self.user_id:
            return False
        if self.offering_id is not None and body["offeringId"] != self.offering_id:
            return False
        for name, date_range in self.dates.items():
            instant = registration.dates.get(name)
            # A registration without the filtered date never matches that filter.
            if instant is None or instant not in date_range:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query: the registrations on it and how many matched in all."""

    results: list[Registration]
    total: int
