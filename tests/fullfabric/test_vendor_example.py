"""FullFabric: the vendor's curl example, byte for byte, gets the vendor's example response."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import COURSE, PROFILE, SHARED, ff_path

VENDOR_PAGE = SHARED / "vendor-docs" / "fullfabric-create-registrations.txt"
needs_vendor_page = pytest.mark.skipif(not VENDOR_PAGE.exists(), reason="the vendor pages live in ../shared")


def vendor_example() -> tuple[dict[str, str], str, list[dict[str, Any]]]:
    """The curl example's headers and body exactly as printed on the vendor's page, and its response."""
    text = VENDOR_PAGE.read_text()
    headers = dict(re.findall(r"--header '([^:]+): ([^']*)'", text))
    found = re.search(r"--data '(.*?)'\n", text, re.S)
    assert found is not None, "the vendor page shows a --data body"
    body = found.group(1)
    response, _ = json.JSONDecoder().raw_decode(text[text.index("[", text.index(body) + len(body)) :])
    return headers, body, response


@pytest.fixture
def config() -> dict[str, Any]:
    """The clock frozen at the vendor example's `updated_at`."""
    return {"TESTING": True, "SEED": 1, "CLOCK": "2024-04-01T19:33:20Z"}


@needs_vendor_page
def test_vendor_curl_example_verbatim_gets_vendor_response(client: FlaskClient) -> None:
    headers, body, expected = vendor_example()
    assert headers == {"Content-Type": "application/json", "FF-Auth": "YOUR_SECRET_TOKEN"}

    response = client.post(ff_path(PROFILE), data=body, headers=headers)

    assert response.status_code == 200
    outcomes = response.get_json()
    assert [outcome["status"] for outcome in outcomes] == [200, 200]
    for outcome, vendor in zip(outcomes, expected, strict=True):
        assert list(outcome["json"]) == list(vendor["json"])  # same fields, same order
        differing = {name for name, value in outcome["json"].items() if value != vendor["json"][name]}
        assert differing <= {"id", "created_at", "updated_at", "profile_id"}
        assert outcome["json"]["profile_id"] == PROFILE  # the path's; the vendor page shows another
    # The fixtures hold the first unit as registered on 2024-03-05 with the vendor's id, and the clock
    # is frozen at the vendor's updated_at, so the first item matches in every field but profile_id.
    assert outcomes[0]["json"] | {"profile_id": expected[0]["json"]["profile_id"]} == expected[0]["json"]
    assert outcomes[1]["json"]["created_at"] == outcomes[1]["json"]["updated_at"] == 1712000000
    assert outcomes[1]["json"]["id"].startswith(f"{1712000000:08x}")


@needs_vendor_page
def test_vendor_example_with_an_unknown_first_unit_applies_only_the_second(
    client: FlaskClient, world: Any
) -> None:
    headers, body, _ = vendor_example()
    transcripts = world.state("fullfabric").transcripts
    registered_before = copy.deepcopy(transcripts.entries()[(PROFILE, "6385baad976a7719120008e3", COURSE)])
    unknown = "6385baad976a77191200ffff"

    response = client.post(
        ff_path(PROFILE), data=body.replace("6385baad976a7719120008e3", unknown), headers=headers
    )

    assert response.status_code == 207
    failed, applied = response.get_json()
    assert failed == {
        "status": 404,
        "json": {"error": "unit_not_found", "message": f"unit {unknown} not found"},
    }
    assert applied["status"] == 200
    # State: the second unit is now registered as answered; the first item left no trace anywhere.
    transcripts = world.state("fullfabric").transcripts  # the world's own since its first write
    entries = transcripts.entries()
    assert set(entries) == {
        (PROFILE, "6385baad976a7719120008e3", COURSE),
        (PROFILE, "6385baa7976a7719120005dc", COURSE),
    }
    assert (
        transcripts.to_json(entries[(PROFILE, "6385baa7976a7719120005dc", COURSE)].registration)
        == applied["json"]
    )
    assert entries[(PROFILE, "6385baad976a7719120008e3", COURSE)] == registered_before
