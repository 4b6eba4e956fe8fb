"""DigitalChalk registrations and queries over them, in the vendor's own field names."""

from __future__ import annotations

import calendar
import re
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.errors import MockserverError

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
REPEATED_FIELDS = ("userId", "offeringId", "title", "status", "graderId")
MISSING = -(2**63)  # in a column of instants: the row has no such date


# The vendor's words for a refused registration (its errors page), and the mock's for an unknown id.
NOT_AVAILABLE = "This offering is not available for registration for the given user."
NO_SUCH_USER = "No user exists with the given id."
NO_SUCH_OFFERING = "No offering exists with the given id."


class FieldProblems(MockserverError):
    """Fields or parameters the vendor refuses: `400 {"fieldErrors": {...}}` naming each, nothing changed."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(field_errors)
        self.field_errors = field_errors


class RegistrationRefused(MockserverError):
    """A registration cannot be made: nothing is changed."""


class UnknownReferences(RegistrationRefused, FieldProblems):
    """The user or the offering (or both) does not exist: `400 {"fieldErrors": {...}}` naming each."""


class OfferingUnavailable(RegistrationRefused):
    """Both exist, but the offering is not open to this user now: `400 {"errors": [NOT_AVAILABLE]}`."""

    def __init__(self) -> None:
        super().__init__(NOT_AVAILABLE)


_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_fromiso = datetime.fromisoformat
_SECOND = timedelta(seconds=1)


def parse_timestamp(value: str) -> int:
    """Unix seconds of a vendor timestamp `YYYY-MM-DDTHH:MM:SSZ` (UTC); `ValueError` if malformed.
    Digits are counted: strptime alone would take `2012-3-1T6:3:1Z` and serve it as written."""
    if not _TIMESTAMP.match(value):
        raise ValueError(f"not a timestamp like 2012-03-01T06:03:10Z: {value!r}")
    return _checked_instant(value)


def _checked_instant(value: str) -> int:
    """`parse_timestamp` of a value already of the vendor's shape (a fixture's, checked on load)."""
    try:  # a million fixture dates are parsed at start: fromisoformat is several times faster than strptime
        return (datetime.fromisoformat(value) - _EPOCH) // _SECOND
    except ValueError:  # not a date, or a leap second (:60), which strptime takes
        return calendar.timegm(time.strptime(value, TIMESTAMP_FORMAT))


# Every choice of fields, in the vendor's order: the key orders a wire body may have.
_WIRE_ORDERS = frozenset(
    tuple(name for bit, name in enumerate(FIELDS) if chosen >> bit & 1) for chosen in range(2 ** len(FIELDS))
)


def _is_wire_body(values: dict[str, Any]) -> bool:
    """Whether `values` is already a wire body: known fields in the vendor's order, each with a value."""
    return tuple(values) in _WIRE_ORDERS and None not in values.values()


def wire_body(values: Mapping[str, Any], strings: dict[str, str] | None = None) -> dict[str, Any]:
    """The wire body of vendor fields: a field that is absent or None has no value and is omitted. A dict
    that is a wire body already is kept, not copied (never changed: a new state builds new ones).

    With `strings`, the values that repeat across registrations (user, offering, title, status, grader)
    are replaced by one shared copy each: a million registrations name far fewer of them."""
    if isinstance(values, dict) and _is_wire_body(values):
        body = values
    else:
        body = {name: values[name] for name in FIELDS if values.get(name) is not None}
    if strings is not None:
        for name in REPEATED_FIELDS:
            if name in body:
                body[name] = strings.setdefault(body[name], body[name])
    return body


def instant_of(value: str | None) -> int:
    """A vendor timestamp's unix seconds, or `MISSING` for no date."""
    return MISSING if value is None else _checked_instant(value)


def timestamp(seconds: int) -> str:
    """The vendor's way of writing an instant: `2012-03-01T06:03:10Z`."""
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(seconds))


def instant_column(bodies: Sequence[Mapping[str, Any]], name: str, missing: int = MISSING) -> array[int]:
    """Each body's date `name` as unix seconds, `missing` where it has none. One field at a time, in one
    comprehension: a million registrations have four million dates to read at start."""
    values = [body.get(name) for body in bodies]
    try:
        return array(
            "q", [missing if value is None else (_fromiso(value) - _EPOCH) // _SECOND for value in values]
        )
    except ValueError:  # a leap second (:60), which only the slower parse takes
        return array("q", [missing if value is None else _checked_instant(value) for value in values])


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

    def matches(self, body: Mapping[str, Any], date: Callable[[str], int | None]) -> bool:
        """Whether a registration, its wire body and the instant of each date (`date(name)`, None when it
        has none), passes every filter."""
        if self.status is not None and body["status"] != self.status:
            return False
        if self.user_id is not None and body["userId"] != self.user_id:
            return False
        if self.offering_id is not None and body["offeringId"] != self.offering_id:
            return False
        for name, date_range in self.dates.items():
            instant = date(name)
            # A registration without the filtered date never matches that filter.
            if instant is None or instant not in date_range:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query: the registrations on it (wire bodies) and how many matched in all."""

    results: list[Mapping[str, Any]]
    total: int
