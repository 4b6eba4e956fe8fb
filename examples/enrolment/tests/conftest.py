"""The client, pointed at the `mockserver` fixture's session: each test has its own DigitalChalk state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from enrolment import DigitalChalk

# Ids from mockserver's default DigitalChalk fixtures.
MARIA = "6629aeada89133acedfad6d7d110123d"  # maria.alvarez@example.org, active in COURSE_1
JAMES = "4893212a29887dcaedf0084472869c3d"  # james.okafor@example.org, passed COURSE_1
COURSE_1 = "89cd2eada89133acedfad6d766a2d931"  # open, no retakes
SAFETY = "0d3f9c1e7b2a4c5d8e6f7a8b9c0d1e2f"  # open, self-paced, retakes allowed
LEADERSHIP = "5e8b1d7c3a9f4e2b6d0c8a7f1e3b5d9c"  # registration closed in 2012
TOKEN = "ecc4dabc-8fcf-4faa-9d1b-8b3e8571b7da"


@pytest.fixture
def digitalchalk(mockserver: Any) -> Iterator[DigitalChalk]:
    """Two results a page, so that every list is read over several pages."""
    client = DigitalChalk(mockserver.digitalchalk_url, TOKEN, page_size=2)
    yield client
    client.close()
