"""The clients, pointed at the `mockserver` fixture's session: each test has its own vendors' state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from grade_sync import DigitalChalk, FullFabric, Mapping

# FullFabric ids from mockserver's default fixtures: two profiles, two units of one course.
ADA, BOB = "507f1f77bcf86cd799439011", "6385bdd4976a7719120108e9"
STATS_UNIT, DESIGN_UNIT = "6385baa7976a7719120005dc", "6385baad976a7719120008e3"
COURSE, CLASS = "6385bcf1976a77191200ba5d", "6385baad976a7719120008ca"
MAPPING = Mapping(
    profiles={"u-ada": ADA, "u-bob": BOB},
    units={"o-stats": (STATS_UNIT, COURSE), "o-design": (DESIGN_UNIT, CLASS)},
)


def registration(number: int, user: str, offering: str, status: str, **fields: Any) -> dict[str, Any]:
    """A DigitalChalk registration in the API's own field names."""
    ended = {} if status == "active" else {"endDate": "2024-03-20T17:00:00Z"}
    return {
        "id": f"r-{number}",
        "userId": user,
        "offeringId": offering,
        "title": offering.removeprefix("o-").title(),
        "status": status,
        "createdDate": "2024-01-08T09:00:00Z",
        "beginDate": "2024-01-09T10:15:00Z",
        **ended,
        **fields,
    }


@pytest.fixture(autouse=True)
def digitalchalk_catalogue(mockserver: Any) -> None:
    """The DigitalChalk users and offerings of MAPPING, in each test's session: the mock checks that a
    registration names a user and an offering that exist."""
    users = [
        {
            "id": user,
            "firstName": user.removeprefix("u-").title(),
            "lastName": "Example",
            "email": f"{user.removeprefix('u-')}@example.org",
            "createdDate": "2024-01-02T08:00:00Z",
        }
        for user in MAPPING.profiles
    ]
    offerings = [{"id": offering, "title": offering.removeprefix("o-").title()} for offering in MAPPING.units]
    mockserver.add("digitalchalk", "users", users)
    mockserver.add("digitalchalk", "offerings", offerings)


@pytest.fixture
def digitalchalk(mockserver: Any) -> Iterator[DigitalChalk]:
    client = DigitalChalk(mockserver.digitalchalk_url, "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f", page_size=2)
    yield client
    client.close()


@pytest.fixture
def fullfabric(mockserver: Any) -> Iterator[FullFabric]:
    client = FullFabric(mockserver.fullfabric_url, "sk-grade-sync-test")
    yield client
    client.close()
