"""The failure rules of a world in Redis: the same rules in every process, hits counted atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, cast

import redis

from mockserver.rules.rules import Call, MayFire, Rule, build_rule

# Lua shared by the scripts that add rules: adds (or, for a chosen id that exists, replaces in place) a rule
# with no hits, given the order list, the made-up id counter, the rules' key prefix, the chosen id or "" and
# the spec as JSON; returns the id.
_LUA_ADD_RULE = """
local function add_rule(order, counter, rule_prefix, id, spec)
  if id == '' then
    repeat
      id = 'rule-' .. redis.call('INCR', counter)
    until redis.call('EXISTS', rule_prefix .. id) == 0
  end
  if redis.call('EXISTS', rule_prefix .. id) == 0 then redis.call('RPUSH', order, id) end
  redis.call('HSET', rule_prefix .. id, 'spec', spec, 'hits', 0, 'seen', 0)
  return id
end
"""

# Adds a rule (see `add_rule`) and moves the rules' version on. KEYS[1]: the order list, KEYS[2]: the
# made-up id counter, KEYS[3]: the version; ARGV[1]: the key prefix of rules, ARGV[2]: the chosen id or "",
# ARGV[3]: the spec as JSON, ARGV[4]: the keys' time to live in ms (0: none). Returns the id.
_ADD_RULE = (
    _LUA_ADD_RULE
    + """
local id = add_rule(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
redis.call('INCR', KEYS[3])
if tonumber(ARGV[4]) > 0 then
  for _, name in ipairs({ARGV[1] .. id, KEYS[1], KEYS[2], KEYS[3]}) do
    redis.call('PEXPIRE', name, ARGV[4])
  end
end
return id
"""
)


def stored_rule(spec: Mapping[str, Any]) -> list[str]:
    """A validated rule spec as the scripts take it: the chosen id (or ""), and the rest as JSON."""
    return [spec.get("id") or "", json.dumps({name: value for name, value in spec.items() if name != "id"})]


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

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        seed: int | None,
        specs: Iterable[Mapping[str, Any]] = (),
        ttl_ms: int = 0,
    ) -> None:
        self._client = client
        self._ttl_ms = ttl_ms
        self._seed = seed
        self._order = f"{prefix}:rules"
        self._counter = f"{prefix}:rules:counter"
        self._version = f"{prefix}:rules:version"
        self._rule_prefix = f"{prefix}:rule:"
        self._add = client.register_script(_ADD_RULE)
        self._count_match = client.register_script(_COUNT_MATCH)
        self._hit = client.register_script(_HIT)
        self._cache: tuple[bytes | None, list[Rule], MayFire] = (b"", [], MayFire())
        self._noted: bytes | None = None  # the version a catch-up just read; None: read it when needed
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
        keys = [self._order, self._counter, self._version]
        rule_id = self._add(keys=keys, args=[self._rule_prefix, *stored_rule(spec), self._ttl_ms]).decode()
        self._noted = None
        return build_rule(rule_id, spec, self._seed)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self if rule.id == rule_id), None)

    def delete(self, rule_id: str) -> bool:
        with self._client.pipeline() as pipe:
            pipe.lrem(self._order, 0, rule_id)
            pipe.delete(self._rule_prefix + rule_id)
            self._move_version(pipe)
            removed = pipe.execute()[0]
        return bool(removed)

    def clear(self) -> None:
        listed = cast("list[bytes]", self._client.lrange(self._order, 0, -1))  # see `_current`
        ids = [rule_id.decode() for rule_id in listed]
        with self._client.pipeline() as pipe:
            pipe.delete(self._order, *(self._rule_prefix + rule_id for rule_id in ids))
            self._move_version(pipe)
            pipe.execute()

    def _move_version(self, pipe: Any) -> None:
        self._noted = None
        pipe.incr(self._version)
        if self._ttl_ms:
            pipe.pexpire(self._version, self._ttl_ms)

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
        """Whether any rule could fire for a request of this API, method and path (see `MayFire`)."""
        return self._current()[2](api, method, path, scope)

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

    def note_version(self, version: bytes | None) -> None:
        """The rules' version as a request's catch-up read it, which saves reading it again for that
        request; a change through this process forgets it."""
        self._noted = version

    def _current(self) -> tuple[bytes | None, list[Rule], MayFire]:
        """The rules' version, their matchers and what may fire, rebuilt when another process (or this
        one) changed them."""
        # Replies are bytes (the client does not decode them); redis-py types them `bytes | str`.
        version = (
            self._noted if self._noted is not None else cast("bytes | None", self._client.get(self._version))
        )
        if version != self._cache[0]:
            listed = cast("list[bytes]", self._client.lrange(self._order, 0, -1))
            ids = [rule_id.decode() for rule_id in listed]
            with self._client.pipeline() as pipe:
                for rule_id in ids:
                    pipe.hget(self._rule_prefix + rule_id, "spec")
                specs = pipe.execute()
            rules = [
                build_rule(rule_id, json.loads(spec), self._seed)
                for rule_id, spec in zip(ids, specs, strict=True)
                if spec is not None
            ]
            self._cache = (version, rules, MayFire(rules))
        return self._cache
