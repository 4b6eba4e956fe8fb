"""DigitalChalk date filters: precise, imprecise, and [START,END] ranges with open ends."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from mockserver.digitalchalk.filters import DATE_FILTER_PATTERN, InvalidDateFilter, parse_date_filter
from mockserver.resources import data_dir

from ..conftest import AUTH, DC_LIST, listed_ids

# The vendor example's registrations by title number: 1 active, 2 passed, 3 failed, 4 passed (graded by
# hand: no beginDate or lastActiveDate), 5 ejected (created in January, every other one on 2012-03-01).
R1, R2, R3, R4, R5 = (
    "65ade781cc98d136543678191005431a",
    "2319ac8de813d1365436781910787721",
    "662aced329a5643571653571936735cc",
    "ad2r922ab3bc7dc884677992923deec1",
    "21439a7db2891cde5d2eb27751ca7c7a",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # precise timestamps match to the second
        ("createdDate=2012-03-01T06:03:10Z", [R1, R2, R3, R4]),
        ("createdDate=2012-03-01T06:03:11Z", []),
        ("createdDate=2012-01-04T06:03:10Z", [R5]),
        # imprecise dates imply the whole year, month, day, hour or minute
        ("createdDate=2012", [R1, R2, R3, R4, R5]),
        ("createdDate=2011", []),
        ("createdDate=2012-01", [R5]),
        ("createdDate=2012-03", [R1, R2, R3, R4]),
        ("createdDate=2012-02", []),
        ("createdDate=2012-03-01", [R1, R2, R3, R4]),
        ("createdDate=2012-03-01T06", [R1, R2, R3, R4]),
        ("createdDate=2012-03-01T07", []),
        ("createdDate=2012-03-01T06:03", [R1, R2, R3, R4]),
        ("createdDate=2012-03-01T06:04", []),
        # ranges are inclusive, each end precise or imprecise, either end open
        ("createdDate=[2012-01,2012-03]", [R1, R2, R3, R4, R5]),
        ("createdDate=[2012-01,2012-02]", [R5]),
        ("createdDate=[2012-02,2012-03]", [R1, R2, R3, R4]),
        ("createdDate=[2012-01-04T06:03:10Z,2012-01-04T06:03:10Z]", [R5]),
        ("createdDate=[2012-01-04T06:03:11Z,2012-03-01T06:03:09Z]", []),
        ("createdDate=[2012-02,]", [R1, R2, R3, R4]),
        ("createdDate=[,2012-02]", [R5]),
        ("createdDate=[,2012-01-04T06:03:09Z]", []),
        ("createdDate=%5B2012-01%2C2012-02%5D", [R5]),  # percent-encoded, as most clients send it
        # a registration without the filtered date never matches it
        ("beginDate=2012", [R1, R2, R3, R5]),
        ("beginDate=[1970,]", [R1, R2, R3, R5]),
        ("lastActiveDate=2012-01-04", [R5]),  # the vendor page's 22012 is read as 2012
        ("lastActiveDate=[2012-03-20T19:13:05Z,]", [R1, R2, R3]),
        ("endDate=2012-03-20T19:13:05Z", [R2, R3, R4, R5]),
        ("endDate=[,2099]", [R2, R3, R4, R5]),
        # several date filters are ANDed
        ("createdDate=2012-03&beginDate=2012-03-05&endDate=2012-03", [R2, R3]),
    ],
)
def test_date_filters_select(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert listed_ids(client, query) == expected


@pytest.mark.parametrize("parameter", ["createdDate", "beginDate", "lastActiveDate", "endDate"])
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "expected a timestamp"),
        ("[,]", "expected a timestamp"),
        ("yesterday", "expected a timestamp"),
        ("2012-3", "expected a timestamp"),
        ("2012-03-01 06:03:10", "expected a timestamp"),
        ("2012-03-01T06:03:10", "expected a timestamp"),
        ("2012-03-01T06:03:10+00:00", "expected a timestamp"),
        ("2012-13", "expected a timestamp"),
        ("2012-04-31", "expected a timestamp"),
        ("2012-03-01T24", "expected a timestamp"),
        ("0000", "expected a timestamp"),
        ("22012-01-04T06:07:14Z", "expected a timestamp"),
        ("[2012-01,2012-03", "expected a timestamp"),
        ("[2012-01;2012-03]", "expected a timestamp"),
        ("2013-02-29", "2013-02-29 is not a date: 2013 is not a leap year"),
        ("[2012-03,2012-01]", "the range starts after it ends: 2012-03 is later than 2012-01"),
        ("[2012-03-01T00:00:01Z,2012-03-01T00:00:00Z]", "the range starts after it ends"),
    ],
)
def test_invalid_date_filters_get_400_naming_the_parameter(
    client: FlaskClient, parameter: str, value: str, message: str
) -> None:
    response = client.get(DC_LIST, query_string={parameter: value}, headers=AUTH)
    assert response.status_code == 400
    assert list(response.get_json()["fieldErrors"]) == [parameter]
    assert response.get_json()["fieldErrors"][parameter].startswith(message)


def test_leap_day_of_a_leap_year_is_a_date(client: FlaskClient) -> None:
    assert listed_ids(client, "createdDate=2012-02-29") == []
    assert listed_ids(client, "createdDate=[2000-02-29,2012-02-29]") == [R5]


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2012", "2012-01-01T00:00:00Z", "2012-12-31T23:59:59Z"),
        ("2012-02", "2012-02-01T00:00:00Z", "2012-02-29T23:59:59Z"),
        ("2013-02", "2013-02-01T00:00:00Z", "2013-02-28T23:59:59Z"),
        ("2012-03-01T06", "2012-03-01T06:00:00Z", "2012-03-01T06:59:59Z"),
        ("[0001,9999]", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
        ("[,2012-12-31T23]", None, "2012-12-31T23:59:59Z"),
    ],
)
def test_imprecise_dates_cover_their_whole_period(value: str, start: str | None, end: str | None) -> None:
    from mockserver.digitalchalk.domain import parse_timestamp

    selected = parse_date_filter(value)
    assert selected.start == (parse_timestamp(start) if start else None)
    assert selected.end == (parse_timestamp(end) if end else None)


@given(st.text(alphabet="0123456789-T:Z[],x ", max_size=45) | st.text(max_size=30))
def test_parser_only_ever_rejects_with_its_own_error(value: str) -> None:
    try:
        selected = parse_date_filter(value)
    except InvalidDateFilter:
        return
    assert selected.start is None or selected.end is None or selected.start <= selected.end


@given(st.from_regex(DATE_FILTER_PATTERN, fullmatch=True))
def test_every_value_of_the_grammar_parses_or_names_its_semantic_problem(value: str) -> None:
    try:
        parse_date_filter(value)
    except InvalidDateFilter as error:
        assert re.match(r"(the range starts after it ends|\d{4}-02-29 is not a date)", str(error)), error


def test_contract_pattern_is_the_parsers_grammar() -> None:
    contract: dict[str, Any] = yaml.safe_load((data_dir("contracts") / "digitalchalk.yaml").read_text())
    assert contract["components"]["schemas"]["DateFilter"]["pattern"] == DATE_FILTER_PATTERN
