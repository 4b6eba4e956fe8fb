"""The request journal of a world in Redis: a capped list every process appends to and reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis

from mockserver.rules.journal import _read, select

# Appends an entry with the next id, atomically, and keeps the newest ARGV[2] entries holding no more than
# ARGV[4] bytes (0: no bound), counted in KEYS[3]. KEYS[1]: the list of entries (JSON), KEYS[2]: the id
# counter, KEYS[3]: the list's bytes; ARGV[1]: the entry as JSON without its id, ARGV[3]: the keys' time to
# live in ms (0: none). The count starts again whenever the list was empty (deleted by a reset, say), and is
# made from the list when it is missing beside one (it expired apart from it).
_APPEND = """
local id = redis.call('INCR', KEYS[2])
local entry = '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2)
local length = redis.call('RPUSH', KEYS[1], entry)
local bytes
if length == 1 then
  bytes = #entry
  redis.call('SET', KEYS[3], bytes)
elseif redis.call('EXISTS', KEYS[3]) == 0 then
  bytes = 0
  for _, kept in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do bytes = bytes + #kept end
  redis.call('SET', KEYS[3], bytes)
else
  bytes = redis.call('INCRBY', KEYS[3], #entry)
end
local size, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[4])
while length > 0 and (length > size or (max_bytes > 0 and bytes > max_bytes)) do
  bytes = redis.call('DECRBY', KEYS[3], #redis.call('LPOP', KEYS[1]))
  length = length - 1
end
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
return id
"""


class RedisJournal:
    """The last `size` entries of one world, oldest first, holding at most `max_bytes` of JSON (None: no
    bound), in a Redis list shared by every process."""

    def __init__(
        self, client: redis.Redis, prefix: str, size: int, ttl_ms: int = 0, max_bytes: int | None = None
    ) -> None:
        self._client = client
        self._ttl_ms = ttl_ms
        self._entries_key = f"{prefix}:journal"
        self._ids_key = f"{prefix}:journal:ids"
        self._bytes_key = f"{prefix}:journal:bytes"
        self.size = size
        self.max_bytes = max_bytes or None
        self._append = client.register_script(_APPEND)

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append `entry` (its deferred values made now: other processes read it as JSON)."""
        if not entry:
            raise ValueError("a journal entry has fields")
        body = json.dumps(_read(dict(entry)), separators=(",", ":"))
        self._append(
            keys=[self._entries_key, self._ids_key, self._bytes_key],
            args=[body, self.size, self._ttl_ms, self.max_bytes or 0],
        )

    def clear(self) -> None:
        """Forget the entries; ids go on counting."""
        self._client.delete(self._entries_key, self._bytes_key)

    def restart(self) -> None:
        """Forget the entries and count ids from 1 again (a reset)."""
        self._client.delete(self._entries_key, self._ids_key, self._bytes_key)

    def __len__(self) -> int:
        return int(self._client.llen(self._entries_key))

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `journal.select`), oldest first."""
        raw = self._client.lrange(self._entries_key, 0, -1)
        return select((json.loads(item) for item in raw), **filters)
