"""The vendor's example request returns the vendor's example body, field for field and in order."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH, DC_LIST, SHARED, contract_example

VENDOR_PAGE = SHARED / "vendor-docs" / "digitalchalk-list-registrations.txt"


def vendor_page_example() -> dict[str, Any]:
    """The response body printed on the vendor's page, read as JSON (its keys are unquoted there)."""
    text = VENDOR_PAGE.read_text()
    body = text[text.index("{", text.index("Content-length")) :]
    quoted = re.sub(r"^(\s*)(\w+)\s*:", r'\1"\2":', body, flags=re.MULTILINE)
    example, _ = json.JSONDecoder().raw_decode(quoted)  # the page goes on after the body
    return example


@pytest.mark.skipif(not VENDOR_PAGE.exists(), reason="the vendor pages live in ../shared beside the checkout")
def test_vendor_request_returns_vendor_body_with_the_typo_fixed(client: FlaskClient) -> None:
    expected = vendor_page_example()
    assert expected["results"][4]["lastActiveDate"] == "22012-01-04T06:07:14Z"  # the vendor's typo
    expected["results"][4]["lastActiveDate"] = "2012-01-04T06:07:14Z"

    response = client.get(
        DC_LIST, headers={"Host": "api.digitalchalk.com", "Accept": "application/json", **AUTH}
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == expected
    assert [list(item) for item in response.get_json()["results"]] == [
        list(item) for item in expected["results"]
    ]


def test_contract_example_is_what_the_mock_serves(client: FlaskClient) -> None:
    response = client.get(DC_LIST, headers=AUTH)
    assert response.get_json() == contract_example()


def test_numbers_keep_their_type(client: FlaskClient) -> None:
    grades = [item.get("grade") for item in client.get(DC_LIST, headers=AUTH).get_json()["results"]]
    assert grades == [None, 97.15, 42.6, 100, None]
    assert isinstance(grades[3], int)
