"""The mock's clock: real time, or frozen at an instant (`--clock`) so timestamps are reproducible."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def parse_instant(text: str) -> float:
    """Unix seconds of an ISO 8601 instant; one without a zone is taken as UTC. `ValueError` if invalid."""
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.timestamp()


class Clock:
    """`now()` in unix seconds: frozen at `frozen_at` when given, else the system's."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self.frozen_at = frozen_at

    def now(self) -> int:
        return int(self.frozen_at if self.frozen_at is not None else time.time())
