"""DigitalChalk paging: `limit` (default 15, 1-100) and zero-based `offset`, with `next` and `prev` links."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, with_dc_references


@pytest.fixture
def fixture(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A DigitalChalk fixture of `request.param` registrations (default 40): r000, r001, … in order."""
    count: int = getattr(request, "param", 40)
    return with_dc_references(
        {
            "registrations": [
                {
                    "id": f"r{index:03d}",
                    "userId": f"u{index % 7}",
                    "offeringId": "o1",
                    "status": "passed" if index % 2 else "active",
                    "createdDate": f"2012-{1 + index % 12:02d}-01T00:00:00Z",
                }
                for index in range(count)
            ]
        }
    )


@pytest.fixture
def config(fixture: dict[str, Any], write_fixtures: Any) -> dict[str, Any]:
    """Serve `fixture` instead of the vendor's example."""
    return {"TESTING": True, "FIXTURES": str(write_fixtures(digitalchalk=fixture))}


@pytest.fixture
def registrations(fixture: dict[str, Any]) -> list[str]:
    """The served registrations' ids, in fixture order."""
    return [item["id"] for item in fixture["registrations"]]


def get(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url, headers=AUTH)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_first_page_has_fifteen_and_a_next_link(client: FlaskClient, registrations: list[str]) -> None:
    body = get(client, DC_LIST)
    assert [item["id"] for item in body["results"]] == registrations[:15]
    assert body["next"] == f"http://localhost{DC_LIST}?offset=15"
    assert "prev" not in body


def test_middle_page_links_both_ways_keeping_every_other_parameter(
    client: FlaskClient, registrations: list[str]
) -> None:
    body = get(client, f"{DC_LIST}?offeringId=o1&offset=12&limit=10&createdDate=%5B2012,%5D")
    assert [item["id"] for item in body["results"]] == registrations[12:22]
    assert (
        body["next"] == f"http://localhost{DC_LIST}?offeringId=o1&offset=22&limit=10&createdDate=%5B2012,%5D"
    )
    assert (
        body["prev"] == f"http://localhost{DC_LIST}?offeringId=o1&offset=2&limit=10&createdDate=%5B2012,%5D"
    )


@pytest.mark.parametrize(("offset", "prev"), [(1, 0), (5, 0), (39, 34), (40, 35), (1000, 995)])
def test_prev_steps_back_one_page_never_below_zero(
    client: FlaskClient, registrations: list[str], offset: int, prev: int
) -> None:
    body = get(client, f"{DC_LIST}?limit=5&offset={offset}")
    assert body["prev"] == f"http://localhost{DC_LIST}?limit=5&offset={prev}"
    assert "next" not in body or offset + 5 < 40


def test_last_page_has_no_next_and_past_the_end_is_empty(
    client: FlaskClient, registrations: list[str]
) -> None:
    last = get(client, f"{DC_LIST}?offset=30&limit=10")
    assert [item["id"] for item in last["results"]] == registrations[30:]
    assert "next" not in last
    beyond = get(client, f"{DC_LIST}?offset=40&limit=10")
    assert beyond["results"] == []
    assert "next" not in beyond


@pytest.mark.parametrize("fixture", [0, 1, 15, 16, 99, 250], indirect=True)
@pytest.mark.parametrize("limit", [1, 7, 15, 100])
def test_following_next_visits_every_registration_once_in_order(
    client: FlaskClient, registrations: list[str], limit: int
) -> None:
    seen: list[str] = []
    url: str | None = f"{DC_LIST}?limit={limit}"
    while url:
        body = get(client, url)
        assert len(body["results"]) <= limit
        seen += [item["id"] for item in body["results"]]
        url = body.get("next")
    assert seen == registrations


def test_paging_applies_after_filtering(client: FlaskClient, registrations: list[str]) -> None:
    body = get(client, f"{DC_LIST}?status=passed&limit=3&offset=3")
    assert [item["id"] for item in body["results"]] == registrations[1::2][3:6]
    assert body["next"].endswith("status=passed&limit=3&offset=6")


def test_links_use_the_host_the_client_called(client: FlaskClient) -> None:
    response = client.get(f"{DC_LIST}?limit=2", headers={"Host": "mock.internal:9000", **AUTH})
    assert response.get_json()["next"] == f"http://mock.internal:9000{DC_LIST}?limit=2&offset=2"


@pytest.mark.parametrize(
    ("query", "field_errors"),
    [
        ("limit=0", {"limit": "must be between 1 and 100"}),
        ("limit=101", {"limit": "must be between 1 and 100"}),
        ("limit=-3", {"limit": "must be between 1 and 100"}),
        ("limit=ten", {"limit": "must be an integer"}),
        ("limit=1.5", {"limit": "must be an integer"}),
        ("limit=", {"limit": "must be an integer"}),
        ("limit=%205", {"limit": "must be an integer"}),
        ("limit=1_0", {"limit": "must be an integer"}),
        ("limit=%D9%A5", {"limit": "must be an integer"}),
        ("offset=-1", {"offset": "must be 0 or more"}),
        ("offset=x", {"offset": "must be an integer"}),
        ("offset=&limit=200", {"offset": "must be an integer", "limit": "must be between 1 and 100"}),
        (f"offset={'9' * 5000}", {"offset": "must be an integer of at most 100 digits"}),
        (f"limit={'9' * 5000}", {"limit": "must be an integer of at most 100 digits"}),
        (f"offset={'1' * 101}", {"offset": "must be an integer of at most 100 digits"}),
    ],
)
def test_invalid_paging_gets_400(client: FlaskClient, query: str, field_errors: dict[str, str]) -> None:
    response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": field_errors}


def test_huge_offset_is_just_past_the_end(client: FlaskClient) -> None:
    assert get(client, f"{DC_LIST}?offset={10**30}")["results"] == []
    largest = int("9" * 100)  # the most digits an integer parameter may have
    assert get(client, f"{DC_LIST}?offset={largest}&limit=5") == {
        "results": [],
        "prev": f"http://localhost{DC_LIST}?offset={largest - 5}&limit=5",
    }


def test_leading_zeros_are_not_counted(client: FlaskClient, registrations: list[str]) -> None:
    page = get(client, f"{DC_LIST}?offset={'0' * 5000}2&limit={'0' * 5000}3")
    assert [item["id"] for item in page["results"]] == registrations[2:5]
