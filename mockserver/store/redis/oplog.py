"""The operation log of a world in Redis: its writes, in the one order every process applies them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis

# A world's log holds the operations after its snapshot's: `log:base` counts those compacted into the
# snapshot, so an operation's position (1, 2, …) is `base` plus its index in the list, plus one.

# Appends an operation to the log of the world as it was made, unless it was made again meanwhile (a reset,
# an expiry, a Redis that restarted empty), the writer is behind the snapshot, or the writer applied more
# operations than the log holds (a Redis restarted from an older dump). KEYS[1]: the world's "made" key,
# KEYS[2]: the log, KEYS[3]: its base; ARGV[1]: the "made" value the writer knows, ARGV[2]: the operation
# as JSON, ARGV[3]: time to live in ms (0: none), ARGV[4]: how many operations the writer applied. Returns
# the operation's position and the operations from the first the writer did not apply through its own;
# -1 when the world is not the one the writer knows, -2 when the writer is behind, -3 when it is ahead.
_APPEND_OPERATION = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local base = tonumber(redis.call('GET', KEYS[3]) or '0')
local applied = tonumber(ARGV[4])
if applied < base then return -2 end
if applied > base + redis.call('LLEN', KEYS[2]) then return -3 end
local length = redis.call('RPUSH', KEYS[2], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {base + length, redis.call('LRANGE', KEYS[2], applied - base, length - 1)}
"""

# The operations after the first ARGV[1], or false when some of them are compacted into the snapshot, or
# -3 when the log holds fewer than ARGV[1]. KEYS[1]: the log, KEYS[2]: its base.
_SINCE = """
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local applied = tonumber(ARGV[1])
if applied < base then return false end
if applied > base + redis.call('LLEN', KEYS[1]) then return -3 end
return redis.call('LRANGE', KEYS[1], applied - base, -1)
"""

# Compacts the log into a snapshot of the state through ARGV[2], unless the world was made again or the
# log is compacted that far already. KEYS[1]: "made", KEYS[2]: the log, KEYS[3]: its base, KEYS[4]: the
# snapshot; ARGV[1]: the "made" value, ARGV[2]: the position, ARGV[3]: the snapshot as JSON, ARGV[4]:
# time to live in ms (0: none). Returns 1 when compacted.
_COMPACT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local base = tonumber(redis.call('GET', KEYS[3]) or '0')
local position = tonumber(ARGV[2])
if position <= base then return 0 end
redis.call('LTRIM', KEYS[2], position - base, -1)
redis.call('SET', KEYS[3], position)
redis.call('SET', KEYS[4], ARGV[3])
if tonumber(ARGV[4]) > 0 then
  for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end
return 1
"""


class Behind(Exception):
    """Operations this process has not applied are compacted into the snapshot: load it first."""


class Ahead(Exception):
    """This process applied more operations than the log holds (a Redis restarted from an older dump, or
    a lagging replica promoted): the writes it applied last are gone from Redis; join the world again."""


class OperationLog:
    """The writes of one world, in the order every process applies them to its copy of the state.

    A write is appended whole (a multi-item FullFabric post is one operation), with everything a process
    needs to apply it the same way as every other (its ids and its time decided by the writer), so that
    applying the log in order gives every process the same state. A process catches up before it reads,
    and after it appends, applies the log up to and including its own operation to learn its outcome.

    Every so often a writer compacts the log: a snapshot of the state replaces the operations before it,
    and a process that had not applied them starts from the snapshot."""

    def __init__(self, client: redis.Redis, prefix: str, ttl_ms: int = 0) -> None:
        self._client = client
        self.key = f"{prefix}:log"
        self._base = f"{prefix}:log:base"
        self._snapshot = f"{prefix}:snapshot"
        self._made = f"{prefix}:made"
        self._ttl_ms = ttl_ms
        self._append = client.register_script(_APPEND_OPERATION)
        self._since = client.register_script(_SINCE)
        self._compact = client.register_script(_COMPACT)

    def append(
        self, operation: Mapping[str, Any], made: bytes, applied: int = 0
    ) -> tuple[int, list[dict[str, Any]]] | None:
        """Append `operation` to the world that `made` names: its position in the log (1, 2, …), which no
        other write shares, and the operations after the first `applied`, through it (one round trip);
        None when the world was made again since (nothing appended); `Behind` when operations after the
        first `applied` are compacted, `Ahead` when the log holds fewer than `applied` (nothing appended)."""
        body = json.dumps(operation, separators=(",", ":"))
        keys = [self._made, self.key, self._base]
        reply = self._append(keys=keys, args=[made, body, self._ttl_ms, applied])
        if reply == -1:
            return None
        if reply == -2:
            raise Behind()
        if reply == -3:
            raise Ahead()
        position, operations = reply
        return int(position), [json.loads(item) for item in operations]

    def since(self, applied: int, client: Any = None) -> Any:
        """The operations after the first `applied` ones, in order; `Behind` when some are compacted, `Ahead`
        when the log holds fewer than `applied`. With a pipeline as `client`, the call is queued and `decode`
        reads its reply."""
        found = self._since(keys=[self.key, self._base], args=[applied], client=client or self._client)
        return found if client is not None else self.decode(found)

    @staticmethod
    def decode(reply: Any) -> list[dict[str, Any]]:
        """`since`'s reply, read."""
        if reply is None:
            raise Behind()
        if reply == -3:
            raise Ahead()
        return [json.loads(item) for item in reply]

    def compact(self, made: bytes, position: int, snapshot: Mapping[str, Any]) -> bool:
        """Replace the operations through `position` with `snapshot`, the state they made."""
        body = json.dumps(snapshot, separators=(",", ":"))
        keys = [self._made, self.key, self._base, self._snapshot]
        return bool(self._compact(keys=keys, args=[made, position, body, self._ttl_ms]))

    def snapshot(self) -> dict[str, Any] | None:
        """The last snapshot: `made`, `position`, `state`, `object_ids`; None when there is none."""
        found = self._client.get(self._snapshot)
        return None if found is None else json.loads(found)

    def __len__(self) -> int:
        """The operations in the log now (not those compacted)."""
        return int(self._client.llen(self.key))
