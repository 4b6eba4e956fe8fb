"""DigitalChalk date filters: a precise timestamp, an imprecise date implying a range, or `[START,END]`.

The grammar is one regular expression, `DATE_FILTER_PATTERN`, which `contracts/digitalchalk.yaml`
repeats verbatim (a test keeps them equal) so that the contract rejects exactly what the mock rejects.
"""

from __future__ import annotations

import calendar
import re

from mockserver.digitalchalk.domain import DateRange

_YEAR = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_MONTH = "(?:0[1-9]|1[0-2])"
# Day numbers a month can have; 02-29 is checked against leap years after matching.
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-9]))"
)
_TIME = "T(?:[01][0-9]|2[0-3])(?::[0-5][0-9](?::[0-5][0-9]Z)?)?"
DATE = f"{_YEAR}(?:-{_MONTH}|-{_MONTH_DAY}(?:{_TIME})?)?"
DATE_FILTER_PATTERN = f"^(?:{DATE}|\\[{DATE},(?:{DATE})?\\]|\\[,{DATE}\\])$"

_DATE_FILTER = re.compile(DATE_FILTER_PATTERN.removesuffix("$") + r"\Z")
_NUMBERS = re.compile("[0-9]+")

EXPECTED = (
    "expected a timestamp like 2012-03-01T06:03:10Z, an imprecise date like 2012, 2012-03, "
    "2012-03-01, 2012-03-01T06 or 2012-03-01T06:03, or a range [START,END] of those with either end open"
)


class InvalidDateFilter(ValueError):
    """The value is not a date filter; the message says why, for the vendor's `fieldErrors`."""


def parse_date_filter(value: str) -> DateRange:
    """The inclusive range of unix seconds that a date filter selects."""
    if not _DATE_FILTER.match(value):
        raise InvalidDateFilter(EXPECTED)
    if not value.startswith("["):
        return DateRange(_first_second(value), _last_second(value))
    start_text, end_text = value[1:-1].split(",")
    start = _first_second(start_text) if start_text else None
    end = _last_second(end_text) if end_text else None
    if start is not None and end is not None and start > end:
        raise InvalidDateFilter(f"the range starts after it ends: {start_text} is later than {end_text}")
    return DateRange(start, end)


def _parts(date: str) -> list[int]:
    parts = [int(number) for number in _NUMBERS.findall(date)]
    if len(parts) >= 3 and parts[1:3] == [2, 29] and not calendar.isleap(parts[0]):
        raise InvalidDateFilter(f"{date[:10]} is not a date: {parts[0]} is not a leap year")
    return parts


def _first_second(date: str) -> int:
    """The first second of the period an imprecise (or precise) date names."""
    parts = _parts(date)
    year, month, day, hour, minute, second = parts + [1, 1, 0, 0, 0][len(parts) - 1 :]
    return calendar.timegm((year, month, day, hour, minute, second))


def _last_second(date: str) -> int:
    """The last second of the period an imprecise (or precise) date names."""
    parts = _parts(date)
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    hour, minute, second = (parts[3:] + [23, 59, 59][len(parts[3:]) :])[:3]
    return calendar.timegm((year, month, day, hour, minute, second))
