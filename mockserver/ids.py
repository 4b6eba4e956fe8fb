"""Made-up ids: FullFabric's are MongoDB ObjectIds (4 bytes of creation time, 5 per-process, a 3-byte
counter); DigitalChalk's are 32 hex digits."""

from __future__ import annotations

import random


class ObjectIds:
    """Makes ObjectIds; with a seed, the same sequence of calls gives the same ids."""

    def __init__(self, seed: int | None = None) -> None:
        rng = random.Random(seed)
        self._process = rng.getrandbits(40)
        self._counter = rng.getrandbits(24)

    @property
    def counter(self) -> int:
        """Where the sequence is: with the seed, all it takes to go on making the same ids."""
        return self._counter

    @counter.setter
    def counter(self, value: int) -> None:
        self._counter = value

    def new(self, created_at: int) -> str:
        """A fresh id whose first 4 bytes are `created_at` (unix seconds), as in `65e6e5aa…` = 1709630890."""
        self._counter = (self._counter + 1) % (1 << 24)
        return f"{created_at & 0xFFFFFFFF:08x}{self._process:010x}{self._counter:06x}"


class HexIds:
    """DigitalChalk's ids: 32 lowercase hex digits, as the vendor's example shows; with a seed, the same
    sequence of calls gives the same ids."""

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(None if seed is None else f"digitalchalk/{seed}")

    def new(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"
