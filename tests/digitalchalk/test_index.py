"""What makes a million DigitalChalk registrations fast changes no answer: the indexes answer every query
as a scan of the table would, in the same order; the timestamp parser agrees with strptime; the fixture
check's shortcut accepts only what the schema accepts, unchanged."""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.digitalchalk.domain import (
    DATE_FIELDS,
    STATUSES,
    TIMESTAMP_FORMAT,
    DateRange,
    RegistrationQuery,
    instant_column,
    parse_timestamp,
    wire_body,
)
from mockserver.digitalchalk.schemas import RegistrationSchema, _plainly_valid
from mockserver.digitalchalk.table import DigitalChalkTable

# Few values, so that filters often match, and dates that often tie.
INSTANTS = st.sampled_from([1_300_000_000 + day * 86_400 for day in range(0, 40, 3)])


def date_of(body: Mapping[str, Any], name: str) -> int | None:
    """A registration's date `name` in unix seconds, None when it has none (as a scan reads it)."""
    return parse_timestamp(body[name]) if name in body else None


def timestamp(instant: int) -> str:
    return time.strftime(TIMESTAMP_FORMAT, time.gmtime(instant))


@st.composite
def registrations(draw: Any) -> list[dict[str, Any]]:
    rows = []
    for number in range(draw(st.integers(0, 40))):
        dates = {name: draw(st.none() | INSTANTS) for name in DATE_FIELDS}
        dates["createdDate"] = dates["createdDate"] or 1_300_000_000
        rows.append(
            {
                "id": f"r-{number}",
                "userId": draw(st.sampled_from(["u-1", "u-2", "u-3"])),
                "offeringId": draw(st.sampled_from(["o-1", "o-2"])),
                "status": draw(st.sampled_from(STATUSES)),
            }
            | {name: timestamp(instant) for name, instant in dates.items() if instant is not None}
        )
    return rows


@st.composite
def queries(draw: Any) -> RegistrationQuery:
    bounds = st.none() | INSTANTS
    dates = {}
    for name in draw(st.lists(st.sampled_from(DATE_FIELDS), unique=True, max_size=2)):
        start, end = draw(bounds), draw(bounds)
        if start is not None and end is not None and start > end:
            start, end = end, start
        dates[name] = DateRange(start, end)
    return RegistrationQuery(
        status=draw(st.none() | st.sampled_from(STATUSES)),
        user_id=draw(st.none() | st.sampled_from(["u-1", "u-2", "u-9"])),
        offering_id=draw(st.none() | st.sampled_from(["o-1", "o-2"])),
        dates=dates,
        offset=draw(st.integers(0, 12)),
        limit=draw(st.integers(1, 15)),
    )


@settings(max_examples=400)
@given(registrations(), queries())
def test_an_indexed_query_returns_what_a_scan_returns(
    rows: list[dict[str, Any]], query: RegistrationQuery
) -> None:
    table = DigitalChalkTable({"tokens": [], "registrations": rows})
    bodies = [wire_body(row) for row in rows]
    scanned = [body for body in bodies if query.matches(body, partial(date_of, body))]
    page = table.query(query)
    assert page.total == len(scanned)
    assert [r["id"] for r in page.results] == [
        r["id"] for r in scanned[query.offset : query.offset + query.limit]
    ]


@given(
    st.tuples(
        st.integers(1, 9999),
        st.integers(1, 12),
        st.integers(1, 31),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 61),
    )
)
def test_the_timestamp_parser_agrees_with_strptime(parts: tuple[int, ...]) -> None:
    value = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*parts)
    try:
        expected: int | None = calendar.timegm(time.strptime(value, TIMESTAMP_FORMAT))
    except ValueError:
        expected = None
    try:
        actual: int | None = parse_timestamp(value)
    except ValueError:
        actual = None
    assert actual == expected


ODD_VALUES: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        "",
        "x",
        0,
        -1,
        101,
        55.5,
        float("nan"),
        float("inf"),
        True,
        [],
        {},
        b"r-1",
        "2012-02-30T00:00:00Z",
        "2012-03-01T06:03:60Z",
        "2012-3-1T6:3:1Z",
        "passed",
        "ejected",
        "done",
    ]
)


@st.composite
def records(draw: Any) -> Any:
    """Valid registrations, some with a field changed to an odd value, added, or left out."""
    record: dict[str, Any] = {
        "id": "r-1",
        "userId": "u-1",
        "offeringId": "o-1",
        "title": "T",
        "status": "passed",
        "grade": 97.15,
        "graderId": "g-1",
        "graderComment": "ok",
        "createdDate": "2012-03-01T06:03:10Z",
        "endDate": "2012-03-20T19:13:05Z",
    }
    for name in draw(
        st.lists(st.sampled_from([*record, "beginDate", "lastActiveDate", "extra"]), max_size=3)
    ):
        if draw(st.booleans()):
            record[name] = draw(ODD_VALUES)
        else:
            record.pop(name, None)
    return draw(st.just(record) | st.sampled_from([None, [], "r"]))


@settings(max_examples=500)
@given(records())
def test_the_fixture_shortcut_accepts_only_what_the_schema_loads_unchanged(record: Any) -> None:
    if _plainly_valid(record):
        assert RegistrationSchema().load(record) == record


@settings(max_examples=200)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)).map(
                lambda moment: moment.strftime(TIMESTAMP_FORMAT)
            ),
            st.sampled_from(["2016-12-31T23:59:60Z", "1970-01-01T00:00:00Z"]),
        ),
        max_size=20,
    )
)
def test_a_column_of_instants_holds_each_dates_parse(values: list[str | None]) -> None:
    bodies = [{} if value is None else {"endDate": value} for value in values]
    column = instant_column(bodies, "endDate", missing=-1)
    assert list(column) == [-1 if value is None else parse_timestamp(value) for value in values]


@st.composite
def changes(draw: Any) -> list[tuple[str, Any]]:
    """Adds and updates, in some order: what POST and PUT do to a table."""
    steps: list[tuple[str, Any]] = []
    for number in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):
            added = draw(registrations())[:1]
            if added:
                steps.append(("add", {**added[0], "id": f"new-{number}"}))
        else:
            fields = {}
            if draw(st.booleans()):
                fields["status"] = draw(st.sampled_from(STATUSES))
            if draw(st.booleans()):
                fields["grade"] = draw(st.integers(0, 100))
            if draw(st.booleans()):
                fields[draw(st.sampled_from(DATE_FIELDS))] = timestamp(draw(INSTANTS))
            steps.append(("update", (draw(st.integers(0, 45)), fields)))
    return steps


@settings(max_examples=150, deadline=None)
@given(registrations(), changes(), st.lists(queries(), min_size=1, max_size=4))
def test_after_adds_and_updates_a_query_returns_what_a_scan_returns(
    rows: list[dict[str, Any]], steps: list[tuple[str, Any]], asked: list[RegistrationQuery]
) -> None:
    shared = DigitalChalkTable({"tokens": [], "registrations": rows})
    table = shared.copy()
    bodies = [wire_body(row) for row in rows]
    for kind, step in steps:
        if kind == "add":
            table.add(step)
            bodies.append(wire_body(step))
        elif bodies:
            position, fields = step
            row = position % len(bodies)
            assert table.update(bodies[row]["id"], fields) is not None
            bodies[row] = wire_body({**bodies[row], **fields})
    for query in asked:
        scanned = [body for body in bodies if query.matches(body, partial(date_of, body))]
        page = table.query(query)
        assert page.total == len(scanned)
        assert page.results == scanned[query.offset : query.offset + query.limit]
    # the table it was copied from is as it was
    assert [body["id"] for body in shared.query(RegistrationQuery(limit=100)).results] == [
        row["id"] for row in rows
    ]
