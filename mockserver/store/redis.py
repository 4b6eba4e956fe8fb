"""Pieces of the Redis store (PRODUCT.md section 8), so that several processes share one truth.

So far: the request journal, a capped list every process appends to and reads; and the failure rules,
with hits counted atomically. Keys are prefixed per world, so that sessions and several mocks can share
one Redis."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import redis

from mockserver.failures import Call, Rule, build_rule
from mockserver.journal import _read, select

# Appends an entry with the next id, atomically, and keeps the newest ARGV[2] entries.
# KEYS[1]: the list of entries (JSON), KEYS[2]: the id counter; ARGV[1]: the entry as JSON without its id.
_APPEND = """
local id = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return id
"""


class RedisJournal:
    """The last `size` entries of one world, oldest first, in a Redis list shared by every process."""

    def __init__(self, client: redis.Redis, prefix: str, size: int) -> None:
        self._client = client
        self._entries_key = f"{prefix}:journal"
        self._ids_key = f"{prefix}:journal:ids"
        self._size = size
        self._append = client.register_script(_APPEND)

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append `entry` (its deferred values made now: other processes read it as JSON)."""
        if not entry:
            raise ValueError("a journal entry has fields")
        body = json.dumps(_read(dict(entry)), separators=(",", ":"))
        self._append(keys=[self._entries_key, self._ids_key], args=[body, self._size])

    def clear(self) -> None:
        """Forget the entries; ids go on counting."""
        self._client.delete(self._entries_key)

    def restart(self) -> None:
        """Forget the entries and count ids from 1 again (a reset)."""
        self._client.delete(self._entries_key, self._ids_key)

    def __len__(self) -> int:
        return int(self._client.llen(self._entries_key))

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `journal.select`), oldest first."""
        raw = self._client.lrange(self._entries_key, 0, -1)
        return select((json.loads(item) for item in raw), **filters)


# --- failure rules --------------------------------------------------------------------------------------

# Adds (or, for a chosen id that exists, replaces in place) a rule. KEYS[1]: the order list, KEYS[2]: the
# made-up id counter, KEYS[3]: the version; ARGV[1]: the key prefix of rules, ARGV[2]: the chosen id or "",
# ARGV[3]: the spec as JSON. Returns the id.
_ADD_RULE = """
local id = ARGV[2]
if id == '' then
  repeat
    id = 'rule-' .. redis.call('INCR', KEYS[2])
  until redis.call('EXISTS', ARGV[1] .. id) == 0
end
local key = ARGV[1] .. id
if redis.call('EXISTS', key) == 0 then
  redis.call('RPUSH', KEYS[1], id)
end
redis.call('HSET', key, 'spec', ARGV[3], 'hits', 0, 'seen', 0)
redis.call('INCR', KEYS[3])
return id
"""

# A match of a rule that is not expired, counted. KEYS[1]: the rule; ARGV[1]: times (-1: none),
# ARGV[2]: after. Returns the match's number, or -1 when it is not to fire (gone, expired, or skipped).
_COUNT_MATCH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local times = tonumber(ARGV[1])
if times >= 0 and tonumber(redis.call('HGET', KEYS[1], 'hits')) >= times then return -1 end
local seen = redis.call('HINCRBY', KEYS[1], 'seen', 1)
if seen <= tonumber(ARGV[2]) then return -1 end
return seen
"""

# A hit, unless the rule expired meanwhile (another process hit it): `times` stays exact. KEYS[1]: the
# rule; ARGV[1]: times (-1: none). Returns 1 for a hit, 0 for none.
_HIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local times = tonumber(ARGV[1])
if times >= 0 and tonumber(redis.call('HGET', KEYS[1], 'hits')) >= times then return 0 end
redis.call('HINCRBY', KEYS[1], 'hits', 1)
return 1
"""


class RedisRuleSet:
    """The failure rules of one world, in Redis: every process sees the same rules, in the order they were
    added, and counts into the same hits, atomically, so that `times` and `after` hold across processes.

    Each process keeps the rules' matchers, rebuilt when the rules' version in Redis moves on."""

    MEMO_SIZE = 1024

    def __init__(
        self, client: redis.Redis, prefix: str, seed: int | None, specs: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self._client = client
        self._seed = seed
        self._order = f"{prefix}:rules"
        self._counter = f"{prefix}:rules:counter"
        self._version = f"{prefix}:rules:version"
        self._rule_prefix = f"{prefix}:rule:"
        self._add = client.register_script(_ADD_RULE)
        self._count_match = client.register_script(_COUNT_MATCH)
        self._hit = client.register_script(_HIT)
        self._cache: tuple[bytes | None, list[Rule]] = (b"", [])
        self._may_fire: dict[tuple[Any, ...], bool] = {}
        for spec in specs:
            self.add(spec)

    def reset(self, specs: Iterable[Mapping[str, Any]] = ()) -> None:
        """Only `specs`, with no hits, and made-up ids counted from 1 again."""
        self.clear()
        self._client.delete(self._counter)
        for spec in specs:
            self.add(spec)

    def add(self, spec: Mapping[str, Any]) -> Rule:
        """A rule from a validated spec (see `RuleSchema`)."""
        chosen = spec.get("id") or ""
        stored = json.dumps({name: value for name, value in spec.items() if name != "id"})
        keys = [self._order, self._counter, self._version]
        rule_id = self._add(keys=keys, args=[self._rule_prefix, chosen, stored]).decode()
        return build_rule(rule_id, spec, self._seed)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self if rule.id == rule_id), None)

    def delete(self, rule_id: str) -> bool:
        with self._client.pipeline() as pipe:
            pipe.lrem(self._order, 0, rule_id)
            pipe.delete(self._rule_prefix + rule_id)
            pipe.incr(self._version)
            removed, _, _ = pipe.execute()
        return bool(removed)

    def clear(self) -> None:
        ids = [rule_id.decode() for rule_id in self._client.lrange(self._order, 0, -1)]
        with self._client.pipeline() as pipe:
            pipe.delete(self._order, *(self._rule_prefix + rule_id for rule_id in ids))
            pipe.incr(self._version)
            pipe.execute()

    def __len__(self) -> int:
        return int(self._client.llen(self._order))

    def __iter__(self) -> Iterator[Rule]:
        """The rules, in order, with their hits and matches as counted so far."""
        rules = self._rules()
        with self._client.pipeline() as pipe:
            for rule in rules:
                pipe.hmget(self._rule_prefix + rule.id, "hits", "seen")
            counts = pipe.execute()
        listed = []
        for rule, (hits, seen) in zip(rules, counts, strict=True):
            if hits is not None:  # not deleted meanwhile
                listed.append(replace(rule, hits=int(hits), seen=int(seen)))
        return iter(listed)

    def may_fire(self, api: str, method: str, path: str, scope: str = "request") -> bool:
        """Whether any rule could fire for a request of this API, method and path (see `Rule.may_fire`),
        remembered until the rules change."""
        version, rules = self._current()
        key = (version, api, method, path, scope)
        found = self._may_fire.get(key)
        if found is None:
            found = any(rule.may_fire(api, method, path, scope) for rule in rules)
            if len(self._may_fire) >= self.MEMO_SIZE:
                self._may_fire = {}
            self._may_fire[key] = found
        return found

    def fire(self, call: Call, scope: str) -> tuple[Rule, str] | None:
        """The first rule of `scope` that fires for `call`, and why; counted in Redis."""
        for rule in self._rules():
            if rule.scope != scope:
                continue
            reasons = rule.reasons(call)
            if reasons is None:
                continue
            key = self._rule_prefix + rule.id
            times = -1 if rule.times is None else rule.times
            seen = int(self._count_match(keys=[key], args=[times, rule.after]))
            if seen < 0 or not rule.passes_draw(seen) or not self._hit(keys=[key], args=[times]):
                continue
            return rule, rule.reason(reasons, seen)
        return None

    def _rules(self) -> list[Rule]:
        return self._current()[1]

    def _current(self) -> tuple[bytes | None, list[Rule]]:
        """The rules' version and their matchers, rebuilt when another process (or this one) changed them."""
        version = self._client.get(self._version)
        cached_version, rules = self._cache
        if version != cached_version:
            ids = [rule_id.decode() for rule_id in self._client.lrange(self._order, 0, -1)]
            with self._client.pipeline() as pipe:
                for rule_id in ids:
                    pipe.hget(self._rule_prefix + rule_id, "spec")
                specs = pipe.execute()
            rules = [
                build_rule(rule_id, json.loads(spec), self._seed)
                for rule_id, spec in zip(ids, specs, strict=True)
                if spec is not None
            ]
            self._cache = (version, rules)
        return version, rules


# --- state: one ordered log of writes per world ------------------------------------------------------


class OperationLog:
    """The writes of one world, in the order every process applies them to its copy of the state.

    A write is appended whole (a multi-item FullFabric post is one operation), with everything a process
    needs to apply it the same way as every other (its ids and its time decided by the writer), so that
    applying the log in order gives every process the same state. A process catches up before it reads,
    and after it appends, applies the log up to and including its own operation to learn its outcome."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._key = f"{prefix}:log"

    def append(self, operation: Mapping[str, Any]) -> int:
        """Append `operation`; its position in the log (1, 2, …), which no other write shares."""
        return int(self._client.rpush(self._key, json.dumps(operation, separators=(",", ":"))))

    def since(self, applied: int) -> list[dict[str, Any]]:
        """The operations after the first `applied` ones, in order."""
        return [json.loads(item) for item in self._client.lrange(self._key, applied, -1)]

    def __len__(self) -> int:
        return int(self._client.llen(self._key))

    def clear(self) -> None:
        self._client.delete(self._key)
