"""The webhook settings are checked before anything starts; httpx is loaded only to deliver."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.config import SettingError


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEBHOOK_RETRIES", 5),
        ("WEBHOOK_RETRIES", [1, -1]),
        ("WEBHOOK_RETRIES", ["1"]),
        ("WEBHOOK_TIMEOUT", -1),
        ("WEBHOOK_TIMEOUT", True),
        ("WEBHOOK_FLUSH_SECONDS", "60"),
    ],
)
def test_refused(name: str, value: Any) -> None:
    with pytest.raises(SettingError, match=f"MOCKSERVER_{name} must be"):
        create_app({"TESTING": True, name: value})


def test_no_retries_is_a_schedule() -> None:
    app = create_app({"TESTING": True, "WEBHOOK_RETRIES": []})
    assert app.extensions["mockserver"].dispatcher.retries == ()


def test_a_server_that_sends_no_webhook_never_imports_httpx() -> None:
    """httpx is imported by the first delivery: a server without subscriptions starts without it."""
    code = (
        "import sys; from mockserver.app import create_app; "
        "client = create_app({'TESTING': True}).test_client(); "
        "client.get('/dc/api/v5/registrations', headers={'Authorization': 'Bearer t'}); "
        "print('httpx' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr[-2000:]
