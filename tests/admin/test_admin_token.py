"""`MOCKSERVER_ADMIN_TOKEN` is text, exactly as written: Flask would read `0`, `false`, `null` or `[]` as
JSON (leaving the admin API open) and `true` or `1.50` as other values."""

from __future__ import annotations

import pytest

from mockserver.app import create_app


@pytest.mark.parametrize("token", ["0", "false", "null", "[]", "{}", "true", "1.50", "12345", '"quoted"'])
def test_the_admin_token_is_the_variables_text_as_written(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", token)
    client = create_app({"TESTING": True}).test_client()

    def status(authorization: str | None) -> int:
        headers = {} if authorization is None else {"Authorization": authorization}
        return client.get("/__admin/failures", headers=headers).status_code

    assert status(None) == 401
    assert status("Bearer True") == 401
    assert status("Bearer 1.5") == 401
    assert status(f"Bearer {token}") == 200
    assert client.get("/__admin/health").status_code == 200


def test_an_empty_admin_token_leaves_the_admin_api_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", "")
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/__admin/failures").status_code == 200
