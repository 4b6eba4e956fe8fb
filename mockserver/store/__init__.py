"""The one seam for state: views reach data only through a store (memory, or `redis.RedisStore`)."""

from __future__ import annotations

from mockserver.store.memory import MemoryStore, Settings, World

__all__ = ["MemoryStore", "Settings", "World"]
