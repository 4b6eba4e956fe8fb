"""The list answers a DigitalChalk table keeps: the same request to an unchanged table gets the same bytes."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any


class Answers:
    """A table's last answers to list requests, by request: since the table never changes, the same
    request gets the same answer. At most `size` are kept, the oldest dropped first."""

    def __init__(self, size: int = 128) -> None:
        self._answers: dict[Hashable, Any] = {}
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._answers.get(key)

    def put(self, key: Hashable, answer: Any) -> None:
        with self._lock:
            if len(self._answers) >= self._size:
                del self._answers[next(iter(self._answers))]
            self._answers[key] = answer

    def __len__(self) -> int:
        return len(self._answers)
