"""What public DigitalChalk clients are known to send, bugs included."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from ..conftest import AUTH


@pytest.mark.parametrize(
    ("query", "corrupted"),
    [
        ("limit=100?userId=6629aeada89133acedfad6d7d110123d", "limit"),
        ("userId=6629aeada89133acedfad6d7d110123d?limit=100", "userId"),
        ("status=passed?offset=2", "status"),
    ],
)
def test_a_second_question_mark_is_a_field_error(client: FlaskClient, query: str, corrupted: str) -> None:
    response = client.get(f"/dc/api/v5/registrations?{query}", headers=AUTH)
    assert response.status_code == 400
    assert list(response.get_json()["fieldErrors"]) == [corrupted]
    assert "second '?'" in response.get_json()["fieldErrors"][corrupted]
