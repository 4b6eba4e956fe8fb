"""Fixtures of the webhook tests: a receiver, and a mock that retries and gives up quickly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .receiver import Receiver, receiving

CLOCK = "2024-03-05T09:28:10Z"
RETRIES = [0.05, 0.1]  # seconds: three attempts in all
TIMEOUT = 0.5  # the subscriber's deadline, in place of the vendor's 5 s


@pytest.fixture
def config() -> dict[str, Any]:
    return {
        "TESTING": True,
        "SEED": 7,
        "CLOCK": CLOCK,
        "WEBHOOK_RETRIES": RETRIES,
        "WEBHOOK_TIMEOUT": TIMEOUT,
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP endpoint recording what it receives."""
    yield from receiving()
