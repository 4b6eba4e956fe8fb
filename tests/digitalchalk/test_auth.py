"""DigitalChalk Bearer auth: any non-empty token by default; only active listed tokens once listed."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from ..conftest import DC_LIST, default_fixture


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f"},
    ],
    ids=["absent", "empty", "bearer-without-token", "bearer-blank", "basic", "no-scheme"],
)
def test_missing_credentials_get_401(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get(DC_LIST, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"errors": ["Unauthorized: missing credentials"]}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="DigitalChalk"'


@pytest.mark.parametrize("token", ["t", "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f", "YOUR_TOKEN"])
def test_default_fixtures_accept_any_token(client: FlaskClient, token: str) -> None:
    assert client.get(DC_LIST, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_scheme_is_case_insensitive(client: FlaskClient) -> None:
    assert client.get(DC_LIST, headers={"Authorization": "bearer t"}).status_code == 200


class TestListedTokens:
    @pytest.fixture
    def config(self, write_fixtures: Any) -> dict[str, Any]:
        """Fixtures listing one token in each state (a token's state defaults to active)."""
        fixture = default_fixture("digitalchalk")
        fixture["tokens"] = [
            {"token": "good"},
            {"token": "paused", "state": "suspended"},
            {"token": "gone", "state": "revoked"},
            {"token": "old", "state": "expired"},
        ]
        return {"TESTING": True, "FIXTURES": str(write_fixtures(digitalchalk=fixture))}

    @pytest.mark.parametrize(
        ("token", "status", "message"),
        [
            ("good", 200, None),
            ("paused", 401, "Unauthorized: token is suspended"),
            ("gone", 401, "Unauthorized: token is revoked"),
            ("old", 401, "Unauthorized: token is expired"),
            ("other", 401, "Unauthorized: unknown token"),
        ],
    )
    def test_only_active_listed_tokens_pass(
        self, client: FlaskClient, token: str, status: int, message: str | None
    ) -> None:
        response = client.get(DC_LIST, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status
        if message:
            assert response.get_json() == {"errors": [message]}


def test_auth_is_checked_before_parameters(client: FlaskClient) -> None:
    assert client.get(f"{DC_LIST}?status=nonsense").status_code == 401
