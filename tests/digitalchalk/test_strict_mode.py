"""What DigitalChalk silently ignores: a warning by default, a 400 naming the parameter in strict mode."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockserver.app import create_app

from ..conftest import AUTH, DC_LIST, NoServerErrorsClient

CASES = [
    (
        "user_id=6629aeada89133acedfad6d7d110123d",
        "user_id",
        "unknown parameter, which DigitalChalk ignores (did you mean userId?)",
    ),
    ("page=2", "page", "unknown parameter, which DigitalChalk ignores"),
    ("Status=active", "Status", "unknown parameter, which DigitalChalk ignores (did you mean status?)"),
    ("status=active&status=passed", "status", "given 2 times; DigitalChalk uses the first"),
]


def logged_warnings(caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    return [warning for record in caplog.records for warning in record.__dict__["request"]["warnings"]]


@pytest.mark.parametrize(("query", "parameter", "message"), CASES)
def test_lenient_mode_answers_like_the_vendor_and_warns(
    client: FlaskClient, caplog: pytest.LogCaptureFixture, query: str, parameter: str, message: str
) -> None:
    caplog.set_level(logging.INFO, logger="mockserver.requests")
    response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
    assert response.status_code == 200
    assert logged_warnings(caplog) == [{"parameter": parameter, "message": message}]


def test_ignored_parameter_really_is_ignored(client: FlaskClient) -> None:
    # The bug strict mode exists for: a misspelt filter returns every registration.
    assert len(client.get(f"{DC_LIST}?user_id=nobody", headers=AUTH).get_json()["results"]) == 5


def test_repeated_parameter_uses_the_first(client: FlaskClient) -> None:
    results = client.get(f"{DC_LIST}?status=failed&status=passed", headers=AUTH).get_json()["results"]
    assert [item["status"] for item in results] == ["failed"]


class TestStrict:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "STRICT": True}

    @pytest.mark.parametrize(("query", "parameter", "message"), CASES)
    def test_strict_mode_refuses_with_400_naming_the_parameter(
        self, client: FlaskClient, query: str, parameter: str, message: str
    ) -> None:
        response = client.get(f"{DC_LIST}?{query}", headers=AUTH)
        assert response.status_code == 400
        assert response.get_json() == {"fieldErrors": {parameter: f"strict mode: {message}"}}

    def test_strict_mode_names_every_offending_parameter(self, client: FlaskClient) -> None:
        response = client.get(f"{DC_LIST}?user_id=1&offering=2&limit=5", headers=AUTH)
        assert set(response.get_json()["fieldErrors"]) == {"user_id", "offering"}

    def test_strict_mode_serves_clean_requests(self, client: FlaskClient) -> None:
        assert client.get(f"{DC_LIST}?status=passed&limit=5", headers=AUTH).status_code == 200


def test_strict_mode_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_STRICT", "1")
    app = create_app({"TESTING": True})
    app.test_client_class = NoServerErrorsClient
    assert app.test_client().get(f"{DC_LIST}?page=2", headers=AUTH).status_code == 400
