"""Admin input that once gave a 500: JSON nested too deep, integers of thousands of digits. Each gets a
problem+json 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST

MAX_DEPTH = 100
MAX_DIGITS = 100
JSON_BODIES = [
    ("post", "/__admin/failures"),
    ("put", "/__admin/state"),
    ("post", "/__admin/state/digitalchalk/registrations"),
    ("post", "/__admin/state/fullfabric/profiles"),
    ("put", "/__admin/clock"),
]


def snapshot(client: FlaskClient) -> list[Any]:
    """What the admin API shows of the world: state, rules, clock (frozen, so it does not move)."""
    return [client.get(path).get_json() for path in ("/__admin/state", "/__admin/failures", "/__admin/clock")]


@pytest.fixture
def config() -> dict[str, Any]:
    return {"TESTING": True, "CLOCK": "2024-04-01T19:33:20Z"}


def nested_text(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(("method", "path"), JSON_BODIES)
@pytest.mark.parametrize("depth", [10_000, MAX_DEPTH + 1])
def test_json_nested_too_deep_is_400_and_changes_nothing(
    client: FlaskClient, method: str, path: str, depth: int
) -> None:
    before = snapshot(client)
    response = client.open(path, method=method, data=nested_text(depth), content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == (
        f"The body must be JSON, sent as application/json, nested at most {MAX_DEPTH} levels deep."
    )
    assert snapshot(client) == before


def test_json_as_deep_as_allowed_is_judged_on_its_merits(client: FlaskClient) -> None:
    response = client.put("/__admin/clock", data=nested_text(MAX_DEPTH), content_type="application/json")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("name", ["status", "limit"])
@pytest.mark.parametrize("digits", [5000, MAX_DIGITS + 1])
def test_a_journal_filter_of_too_many_digits_is_422(client: FlaskClient, name: str, digits: int) -> None:
    client.get(DC_LIST, headers=AUTH)
    response = client.get(f"/__admin/requests?{name}={'9' * digits}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {name: f"must be an integer of at most {MAX_DIGITS} digits"}


def test_a_journal_limit_of_many_digits_keeps_everything(client: FlaskClient) -> None:
    client.get(DC_LIST, headers=AUTH)
    for limit in ("9" * MAX_DIGITS, "0" * 5000 + "1"):
        response = client.get(f"/__admin/requests?limit={limit}")
        assert response.status_code == 200
        assert len(response.get_json()) == 1
