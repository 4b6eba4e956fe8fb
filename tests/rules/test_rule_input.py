"""What a rule may hold: path globs match in linear time and have a maximum size; response headers and
bodies that would break an answer, or the rules' own listing, are refused when the rule is added."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.fixtures.load import FixtureError
from mockserver.rules.rules import Call, match_path

from ..conftest import AUTH, DC_LIST, LiveServer

# A glob a backtracking regex takes forever over (every split of the path between twelve `*`s is tried).
BACKTRACKING_GLOB = "*a" * 12 + "*b"
MAX_PATTERN = 1024
MAX_DEPTH = 100


def nested(depth: int) -> Any:
    """A JSON value of `depth` levels of arrays, with a string at the bottom."""
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def regex_glob(pattern: str, path: str) -> bool:
    """What a `*` glob means, said with a regex (fine for short paths, exponential for long ones)."""
    return (
        re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), path, re.DOTALL) is not None
    )


def path_matches(pattern: str, path: str) -> bool:
    return match_path(pattern)(Call("digitalchalk", "GET", path, {}, {}))[0]


def rules_of(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get("/__admin/failures")
    assert response.status_code == 200
    rules: list[dict[str, Any]] = response.get_json()
    return rules


def refused(client: FlaskClient, spec: dict[str, Any]) -> dict[str, str]:
    """POST `spec` as a rule, which must be refused with a 422 problem changing nothing; its errors."""
    before = rules_of(client)
    response = client.post("/__admin/failures", json=spec)
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert rules_of(client) == before
    errors: dict[str, str] = response.get_json()["errors"]
    return errors


# --- globs -----------------------------------------------------------------------------------------------


@given(
    pattern=st.text(alphabet="ab/*", min_size=1, max_size=8),
    path=st.text(alphabet="ab/", max_size=10),
)
def test_a_glob_matches_what_the_regex_of_it_matches(pattern: str, path: str) -> None:
    assert path_matches(pattern, path) == regex_glob(pattern, path)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("/dc/*", "/dc/", True),
        ("*/registrations", "/dc/api/v5/registrations", True),
        ("*a*a*", "/a", False),  # the two `a`s must be two characters
        ("*a*a*", "/aa", True),
        ("a*a", "a", False),  # the start and the end may not overlap
        ("/dc/*/v5/*", "/dc/api/v5/registrations", True),
        ("/dc/*/v6/*", "/dc/api/v5/registrations", False),
        ("**", "", True),
        ("*\n*", "/a\nb", True),  # `*` stands for any character
    ],
)
def test_glob_examples(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_a_backtracking_glob_does_not_hold_up_the_server(live_server: Callable[..., LiveServer]) -> None:
    server = live_server()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        spec = {"api": "digitalchalk", "match": {"path": BACKTRACKING_GLOB}, "respond": {"status": 503}}
        assert http.post("/__admin/failures", json=spec).status_code == 201
        # A regex would try every way of placing twelve `a`s among 56: the request, and the whole
        # server with it (the regex holds the GIL), would not answer within the timeout.
        assert http.get("/dc/" + "a" * 56, headers=AUTH).status_code == 404
        assert http.get("/dc/" + "a" * 56 + "b", headers=AUTH).status_code == 503
        assert http.get("/__admin/health").status_code == 200


def test_a_path_pattern_has_at_most_1024_characters(client: FlaskClient) -> None:
    longest = "/dc/" + "*" * (MAX_PATTERN - 4)
    errors = refused(client, {"match": {"path": longest + "*"}, "respond": {"status": 503}})
    assert errors == {"match.path": f"Longer than maximum length {MAX_PATTERN}."}
    response = client.post("/__admin/failures", json={"match": {"path": longest}, "respond": {"status": 503}})
    assert response.status_code == 201
    assert client.get(DC_LIST, headers=AUTH).status_code == 503


def long_pattern_file(write_fixtures: Callable[..., Path]) -> Path:
    rule = {"match": {"path": "*" * (MAX_PATTERN + 1)}, "respond": {"status": 503}}
    return write_fixtures(**{"failures.yaml": json.dumps({"rules": [rule]})})


def test_a_failures_file_with_a_longer_pattern_stops_start_up(write_fixtures: Callable[..., Path]) -> None:
    folder = long_pattern_file(write_fixtures)
    with pytest.raises(FixtureError) as raised:
        create_app({"FIXTURES": str(folder)})
    assert raised.value.problems == [
        f"{folder / 'failures.yaml'}: rules.0.match.path: Longer than maximum length {MAX_PATTERN}."
    ]


def test_fixtures_check_names_a_longer_pattern(write_fixtures: Callable[..., Path]) -> None:
    folder = long_pattern_file(write_fixtures)
    result = CliRunner().invoke(main, ["fixtures", "check", str(folder)], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"{folder / 'failures.yaml'}: rules.0.match.path: Longer than maximum length {MAX_PATTERN}.\n"
    )


# --- response headers ------------------------------------------------------------------------------------

NOT_A_NAME = "Not a header name: letters, digits and !#$%&'*+-.^_`|~ only."
NOT_A_VALUE = "Header values hold no control characters (CR, LF, NUL, …) but tab."
FRAMING = "The mock sets Content-Length, Transfer-Encoding and Connection itself."


@pytest.mark.parametrize(
    ("headers", "errors"),
    [
        ({"X-Note": "a\r\nSet-Cookie: b"}, {"respond.headers.X-Note.value": NOT_A_VALUE}),
        ({"X-Note": "a\nb"}, {"respond.headers.X-Note.value": NOT_A_VALUE}),
        ({"X-Note": "a\x00b"}, {"respond.headers.X-Note.value": NOT_A_VALUE}),
        ({"X-Note\r\nSet-Cookie": "b"}, {"respond.headers.X-Note\r\nSet-Cookie.key": NOT_A_NAME}),
        ({"X Note": "a"}, {"respond.headers.X Note.key": NOT_A_NAME}),
        ({"X-Note:": "a"}, {"respond.headers.X-Note:.key": NOT_A_NAME}),
        ({"Content-Length": "5"}, {"respond.headers.Content-Length.key": FRAMING}),
        ({"transfer-encoding": "chunked"}, {"respond.headers.transfer-encoding.key": FRAMING}),
        ({"CONNECTION": "close"}, {"respond.headers.CONNECTION.key": FRAMING}),
    ],
)
def test_response_headers_that_would_break_the_answer_are_refused(
    client: FlaskClient, headers: dict[str, str], errors: dict[str, str]
) -> None:
    spec = {
        "api": "digitalchalk",
        "respond": {"status": 503, "json": {"errors": ["down"]}, "headers": headers},
    }
    assert refused(client, spec) == errors
    assert client.get(DC_LIST, headers=AUTH).status_code == 200


def test_ordinary_response_headers_are_sent(client: FlaskClient) -> None:
    headers = {"Retry-After": "3", "X-Note": "tab\tand ümlaut", "Content-Type": "text/plain", "x-~!#": ""}
    spec = {"api": "digitalchalk", "respond": {"status": 503, "json": "down", "headers": headers}}
    assert client.post("/__admin/failures", json=spec).status_code == 201
    response = client.get(DC_LIST, headers=AUTH)
    assert response.status_code == 503
    assert {name: response.headers[name] for name in headers} == headers


# --- bodies nested deep ----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 980])
def test_a_rule_body_nested_too_deep_is_refused(client: FlaskClient, depth: int) -> None:
    body = '{"respond": {"status": 503, "json": ' + "[" * depth + "]" * depth + "}}"  # too deep to dump
    response = client.post("/__admin/failures", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert rules_of(client) == []
    assert client.get(DC_LIST, headers=AUTH).status_code == 200


def test_a_rule_body_as_deep_as_allowed_is_listed_and_answered(client: FlaskClient) -> None:
    body = nested(MAX_DEPTH - 2)  # in `respond` in the rule: the request's body is MAX_DEPTH deep
    spec = {"api": "digitalchalk", "respond": {"status": 503, "json": body}}
    assert client.post("/__admin/failures", json=spec).status_code == 201
    assert rules_of(client)[0]["respond"]["json"] == body
    response = client.get(DC_LIST, headers=AUTH)
    assert (response.status_code, response.get_json()) == (503, body)


def test_a_rule_body_nested_980_deep_over_http(live_server: Callable[..., LiveServer]) -> None:
    """Through a real server, whose stack is shallower than a test client's: such a body parses, and was
    added, and then no one could list the rules."""
    server = live_server()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        body = '{"respond": {"status": 503, "json": ' + "[" * 980 + "]" * 980 + "}}"
        response = http.post("/__admin/failures", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        listed = http.get("/__admin/failures")
        assert (listed.status_code, listed.json()) == (200, [])


def test_a_failures_file_with_a_rule_body_too_deep_stops_start_up(
    write_fixtures: Callable[..., Path],
) -> None:
    rule = {"respond": {"status": 503, "json": nested(MAX_DEPTH + 1)}}
    folder = write_fixtures(**{"failures.yaml": json.dumps({"rules": [rule]})})
    with pytest.raises(FixtureError) as raised:
        create_app({"FIXTURES": str(folder)})
    # The file's reader refuses the document's depth (rules, 0, respond, json: 4 more) before the schema
    # sees the rule; a rule added through the admin API meets the schema's limit of the same size.
    [problem] = raised.value.problems
    assert problem.startswith(f"{folder / 'failures.yaml'}: line 1, ")
    assert problem.endswith(f"nested more than {MAX_DEPTH} levels deep")
