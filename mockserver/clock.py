"""The mock's clock: real time, or frozen at an instant (`--clock`) so timestamps are reproducible."""

from __future__ import annotations

import time
from datetime import UTC, datetime

# The clock stays within 1970..2105, where FullFabric's ObjectIds can hold its seconds (4 bytes).
EARLIEST, LATEST = 0, 4_291_747_199  # 2105-12-31T23:59:59Z


def parse_instant(text: str) -> float:
    """Unix seconds of an ISO 8601 instant; one without a zone is taken as UTC. `ValueError` if invalid
    or outside 1970-01-01 to 2105-12-31."""
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return within_range(instant.timestamp())


def within_range(seconds: float) -> float:
    if not EARLIEST <= seconds <= LATEST:
        raise ValueError("the clock runs from 1970-01-01T00:00:00Z to 2105-12-31T23:59:59Z")
    return seconds


class Clock:
    """`now()` in unix seconds: frozen at `frozen_at` when given, else the system's."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self.frozen_at = frozen_at

    def now(self) -> int:
        return int(self.frozen_at if self.frozen_at is not None else time.time())
