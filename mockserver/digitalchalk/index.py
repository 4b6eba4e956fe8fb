"""Indexes over DigitalChalk registrations, so that a filtered list reads only the rows it may return.

Rows are positions in the table. Equality filters (`status`, `userId`, `offeringId`) map a value to its
rows in table order; each date filter has the rows holding that date sorted by instant, found by
bisection. A query starts from its narrowest filter and checks the others on those rows only.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from mockserver.digitalchalk.domain import DATE_FIELDS, MISSING, DateRange, RegistrationQuery

EQUALITY_FIELDS = (("status", "status"), ("user_id", "userId"), ("offering_id", "offeringId"))
_NONE: Sequence[int] = array("l")


class DateColumn:
    """The rows that have one date, sorted by it (ties in table order)."""

    def __init__(self, instants: Sequence[int]) -> None:
        rows = sorted(
            (row for row, instant in enumerate(instants) if instant != MISSING), key=instants.__getitem__
        )
        self.instants = array("q", [instants[row] for row in rows])
        self.rows = array("l", rows)

    def copy(self) -> DateColumn:
        column = DateColumn.__new__(DateColumn)
        column.instants, column.rows = array("q", self.instants), array("l", self.rows)
        return column

    def _position(self, row: int, instant: int) -> int:
        """Where `row` holding `instant` stands (or would stand): among equal instants, rows are in order."""
        low, high = bisect_left(self.instants, instant), bisect_right(self.instants, instant)
        return low + bisect_left(self.rows[low:high], row)

    def insert(self, row: int, instant: int) -> None:
        at = self._position(row, instant)
        self.instants.insert(at, instant)
        self.rows.insert(at, row)

    def remove(self, row: int, instant: int) -> None:
        at = self._position(row, instant)
        del self.instants[at]
        del self.rows[at]

    def within(self, date_range: DateRange) -> tuple[int, int]:
        """The slice of `rows` whose instants lie in `date_range`."""
        low = 0 if date_range.start is None else bisect_left(self.instants, date_range.start)
        high = len(self.instants) if date_range.end is None else bisect_right(self.instants, date_range.end)
        return low, max(low, high)

    def rows_in_order(self, low: int, high: int) -> list[int]:
        """The rows of the slice `rows[low:high]`, in table order."""
        return sorted(self.rows[low:high])


class RegistrationIndex:
    """Every filter's index over one immutable table: its wire bodies, and a column of instants (or
    `MISSING`) per date field."""

    def __init__(self, bodies: Sequence[Mapping[str, Any]], dates: Mapping[str, Sequence[int]]) -> None:
        self.size = len(bodies)
        self.equal: dict[str, dict[str, array[int]]] = {}
        for attribute, name in EQUALITY_FIELDS:
            rows: dict[str, array[int]] = {}
            for row, value in enumerate([body[name] for body in bodies]):
                group = rows.get(value)
                if group is None:
                    rows[value] = group = array("l")
                group.append(row)
            self.equal[attribute] = rows
        self.dates = {name: DateColumn(dates[name]) for name in DATE_FIELDS}

    def copy(self) -> RegistrationIndex:
        """An index of its own, to change apart from this one."""
        index = RegistrationIndex.__new__(RegistrationIndex)
        index.size = self.size
        index.equal = {
            attribute: {value: array("l", rows) for value, rows in groups.items()}
            for attribute, groups in self.equal.items()
        }
        index.dates = {name: column.copy() for name, column in self.dates.items()}
        return index

    def add(self, row: int, body: Mapping[str, Any], instants: Mapping[str, int]) -> None:
        """Index a new last row (`instants`: its dates, `MISSING` where it has none)."""
        self.size = row + 1
        for attribute, name in EQUALITY_FIELDS:
            self.equal[attribute].setdefault(body[name], array("l")).append(row)
        for name, instant in instants.items():
            if instant != MISSING:
                self.dates[name].insert(row, instant)

    def change(
        self,
        row: int,
        before: tuple[Mapping[str, Any], Mapping[str, int]],
        after: tuple[Mapping[str, Any], Mapping[str, int]],
    ) -> None:
        """Index `row` by its new body and dates instead of its old ones (each a body and its instants)."""
        (old_body, old_instants), (new_body, new_instants) = before, after
        for attribute, name in EQUALITY_FIELDS:
            if old_body[name] != new_body[name]:
                groups = self.equal[attribute]
                groups[old_body[name]].remove(row)
                if not groups[old_body[name]]:
                    del groups[old_body[name]]
                insort(groups.setdefault(new_body[name], array("l")), row)
        for name, column in self.dates.items():
            old, new = old_instants[name], new_instants[name]
            if old != new:
                if old != MISSING:
                    column.remove(row, old)
                if new != MISSING:
                    column.insert(row, new)

    def rows(self, query: RegistrationQuery) -> tuple[Sequence[int], bool]:
        """Candidate rows for `query` in table order, and whether they need checking against the query
        (they do not when one filter alone chose them: its index already did)."""
        candidates: list[tuple[int, Callable[[], Sequence[int]]]] = []
        for attribute, _ in EQUALITY_FIELDS:
            value = getattr(query, attribute)
            if value is not None:
                rows = self.equal[attribute].get(value, _NONE)
                candidates.append((len(rows), partial(_given, rows)))
        for name, date_range in query.dates.items():
            column = self.dates[name]
            low, high = column.within(date_range)
            candidates.append((high - low, partial(column.rows_in_order, low, high)))
        if not candidates:
            return range(self.size), False
        _, narrowest = min(candidates, key=lambda candidate: candidate[0])
        return narrowest(), len(candidates) > 1


def _given(rows: Sequence[int]) -> Sequence[int]:
    """Rows an equality index holds ready: taken as they are."""
    return rows
