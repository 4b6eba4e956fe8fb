"""DigitalChalk filters status, userId and offeringId: each alone, ANDed, and their errors."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, listed_ids

OFFERING = "89cd2eada89133acedfad6d766a2d931"
TWO_REGISTRATIONS_USER = "8792decaa79914345364861afed8a21d"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", ["65ade781cc98d136543678191005431a"]),
        ("status=passed", ["2319ac8de813d1365436781910787721", "ad2r922ab3bc7dc884677992923deec1"]),
        ("status=failed", ["662aced329a5643571653571936735cc"]),
        ("status=ejected", ["21439a7db2891cde5d2eb27751ca7c7a"]),
        (
            f"userId={TWO_REGISTRATIONS_USER}",
            ["ad2r922ab3bc7dc884677992923deec1", "21439a7db2891cde5d2eb27751ca7c7a"],
        ),
        ("userId=6629aeada89133acedfad6d7d110123d", ["65ade781cc98d136543678191005431a"]),
        ("userId=nobody", []),
        (
            f"offeringId={OFFERING}",
            [
                "65ade781cc98d136543678191005431a",
                "2319ac8de813d1365436781910787721",
                "662aced329a5643571653571936735cc",
                "ad2r922ab3bc7dc884677992923deec1",
                "21439a7db2891cde5d2eb27751ca7c7a",
            ],
        ),
        ("offeringId=none", []),
        (f"status=passed&userId={TWO_REGISTRATIONS_USER}", ["ad2r922ab3bc7dc884677992923deec1"]),
        (f"status=active&userId={TWO_REGISTRATIONS_USER}", []),
        (
            f"status=ejected&userId={TWO_REGISTRATIONS_USER}&offeringId={OFFERING}&createdDate=2012-01",
            ["21439a7db2891cde5d2eb27751ca7c7a"],
        ),
    ],
)
def test_filters_are_anded(client: FlaskClient, query: str, expected: list[str]) -> None:
    assert listed_ids(client, query) == expected


@pytest.mark.parametrize(
    ("query", "field_errors"),
    [
        ("status=done", {"status": "must be one of active, passed, failed, ejected"}),
        ("status=Active", {"status": "must be one of active, passed, failed, ejected"}),
        ("status=", {"status": "must be one of active, passed, failed, ejected"}),
        ("userId=", {"userId": "must not be empty"}),
        ("offeringId=", {"offeringId": "must not be empty"}),
        (
            "status=done&userId=&limit=0",
            {
                "status": "must be one of active, passed, failed, ejected",
                "userId": "must not be empty",
                "limit": "must be between 1 and 100",
            },
        ),
    ],
)
def test_invalid_filters_get_400_naming_each_parameter(
    client: FlaskClient, query: str, field_errors: dict[str, str]
) -> None:
    response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json() == {"fieldErrors": field_errors}
