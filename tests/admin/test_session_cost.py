"""What a session costs: a request the admin token refuses makes none, and a session that only reads shares
the fixtures' state (copied on its first write), so making one costs next to nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

TOKEN = {"Authorization": "Bearer let-me-in"}


class TestARefusedAdminRequestMakesNoSession:
    @pytest.fixture
    def config(self) -> dict[str, Any]:
        return {"TESTING": True, "ADMIN_TOKEN": "let-me-in"}

    @pytest.mark.parametrize("path", ["/__admin/requests", "/__admin/state", "/__admin/nowhere"])
    @pytest.mark.parametrize("authorization", [{}, {"Authorization": "Bearer wrong"}])
    def test_with_the_header(self, client: FlaskClient, path: str, authorization: dict[str, str]) -> None:
        refused = client.get(path, headers=authorization | {"X-Mockserver-Session": "intruder"})
        assert refused.status_code == 401
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == []

    def test_with_the_path_prefix(self, client: FlaskClient) -> None:
        assert client.post("/__session/intruder/__admin/reset").status_code == 401
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == []

    def test_with_the_token_the_session_is_made(self, client: FlaskClient) -> None:
        headers = TOKEN | {"X-Mockserver-Session": "mine"}
        assert client.get("/__admin/requests", headers=headers).status_code == 200
        assert client.get("/__admin/sessions", headers=TOKEN).get_json() == ["mine"]
