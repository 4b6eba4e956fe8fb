"""MongoDB ObjectId-shaped ids, as FullFabric's: 4 bytes of creation time, 5 per-process, a 3-byte counter."""

from __future__ import annotations

import random


class ObjectIds:
    """Makes ObjectIds; with a seed, the same sequence of calls gives the same ids."""

    def __init__(self, seed: int | None = None) -> None:
        rng = random.Random(seed)
        self._process = rng.getrandbits(40)
        self._counter = rng.getrandbits(24)

    def new(self, created_at: int) -> str:
        """A fresh id whose first 4 bytes are `created_at` (unix seconds), as in `65e6e5aa…` = 1709630890."""
        self._counter = (self._counter + 1) % (1 << 24)
        return f"{created_at & 0xFFFFFFFF:08x}{self._process:010x}{self._counter:06x}"
