"""Where worlds live: this process's memory (`MemoryStore`), or Redis (`store.redis.RedisStore`).

Knows no vendor and no Flask: see README.md beside this file."""

from __future__ import annotations

from mockserver.store.memory import MemoryStore
from mockserver.store.world import Settings, Store, World

__all__ = ["MemoryStore", "Settings", "Store", "World"]
