"""The webhook settings are checked before anything starts."""

from __future__ import annotations

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
