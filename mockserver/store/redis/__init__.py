"""The Redis store (PRODUCT.md section 8): several processes, one truth.

Each world (the default one, and one per session) has its keys under a prefix in Redis: its request
journal, a capped list every process appends to and reads; its failure rules, with hits counted atomically;
its clock; and its operation log, the writes every process applies in one order to its own copy of the
state. Sessions are listed in a sorted set and their keys expire when unused. docs/redis-store.md has the
design."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import redis

from mockserver.clock import Clock
from mockserver.errors import MockserverError, StoreUnavailable
from mockserver.fixtures.load import FixtureError, validate_state
from mockserver.fullfabric.transcripts import KEEP, GradeInput, RegistrationItem, _Keep
from mockserver.ids import ObjectIds
from mockserver.rules.journal import _read, select
from mockserver.rules.rules import Call, Rule, build_rule
from mockserver.store.memory import FullFabricState, MemoryStore, Settings, World, new_registration

# Appends an entry with the next id, atomically, and keeps the newest ARGV[2] entries.
# KEYS[1]: the list of entries (JSON), KEYS[2]: the id counter; ARGV[1]: the entry as JSON without its id,
# ARGV[3]: the keys' time to live in ms (0: none).
_APPEND = """
local id = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
if tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return id
"""


class RedisJournal:
    """The last `size` entries of one world, oldest first, in a Redis list shared by every process."""

    def __init__(self, client: redis.Redis, prefix: str, size: int, ttl_ms: int = 0) -> None:
        self._client = client
        self._ttl_ms = ttl_ms
        self._entries_key = f"{prefix}:journal"
        self._ids_key = f"{prefix}:journal:ids"
        self.size = size
        self._append = client.register_script(_APPEND)

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append `entry` (its deferred values made now: other processes read it as JSON)."""
        if not entry:
            raise ValueError("a journal entry has fields")
        body = json.dumps(_read(dict(entry)), separators=(",", ":"))
        self._append(keys=[self._entries_key, self._ids_key], args=[body, self.size, self._ttl_ms])

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

    MEMO_SIZE = 1024

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
        self._cache: tuple[bytes | None, list[Rule]] = (b"", [])
        self._noted: bytes | None = None  # the version a catch-up just read; None: read it when needed
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
        ids = [rule_id.decode() for rule_id in self._client.lrange(self._order, 0, -1)]
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

    def note_version(self, version: bytes | None) -> None:
        """The rules' version as a request's catch-up read it, which saves reading it again for that
        request; a change through this process forgets it."""
        self._noted = version

    def _current(self) -> tuple[bytes | None, list[Rule]]:
        """The rules' version and their matchers, rebuilt when another process (or this one) changed them."""
        version = self._noted if self._noted is not None else self._client.get(self._version)
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

# A world's log holds the operations after its snapshot's: `log:base` counts those compacted into the
# snapshot, so an operation's position (1, 2, …) is `base` plus its index in the list, plus one.

# Appends an operation to the log of the world as it was made, unless it was made again meanwhile (a reset,
# an expiry, a Redis that restarted empty), or the writer is behind the snapshot. KEYS[1]: the world's
# "made" key, KEYS[2]: the log, KEYS[3]: its base; ARGV[1]: the "made" value the writer knows, ARGV[2]: the
# operation as JSON, ARGV[3]: time to live in ms (0: none), ARGV[4]: how many operations the writer
# applied. Returns the operation's position and the operations from the first the writer did not apply
# through its own; -1 when the world is not the one the writer knows, -2 when the writer is behind.
_APPEND_OPERATION = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local base = tonumber(redis.call('GET', KEYS[3]) or '0')
local applied = tonumber(ARGV[4])
if applied < base then return -2 end
local length = redis.call('RPUSH', KEYS[2], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return {base + length, redis.call('LRANGE', KEYS[2], applied - base, length - 1)}
"""

# The operations after the first ARGV[1], or false when some of them are compacted into the snapshot.
# KEYS[1]: the log, KEYS[2]: its base.
_SINCE = """
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local applied = tonumber(ARGV[1])
if applied < base then return false end
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
        first `applied` are compacted (nothing appended)."""
        body = json.dumps(operation, separators=(",", ":"))
        keys = [self._made, self.key, self._base]
        reply = self._append(keys=keys, args=[made, body, self._ttl_ms, applied])
        if reply == -1:
            return None
        if reply == -2:
            raise Behind()
        position, operations = reply
        return int(position), [json.loads(item) for item in operations]

    def since(self, applied: int, client: Any = None) -> Any:
        """The operations after the first `applied` ones, in order; `Behind` when some are compacted. With
        a pipeline as `client`, the call is queued and `decode` reads its reply."""
        found = self._since(keys=[self.key, self._base], args=[applied], client=client or self._client)
        return found if client is not None else self.decode(found)

    @staticmethod
    def decode(reply: Any) -> list[dict[str, Any]]:
        """`since`'s reply, read."""
        if reply is None:
            raise Behind()
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


# --- worlds and the store -----------------------------------------------------------------------------

# The keys of one world, after its prefix; rules are `<prefix>:rule:<id>` besides.
WORLD_KEYS = (
    "made",
    "log",
    "journal",
    "journal:ids",
    "rules",
    "rules:counter",
    "rules:version",
    "clock",
    "log:base",
    "snapshot",
)

# Lua shared by the scripts that use a world (KEYS: WORLD_KEYS, then the store's sessions): `keep_alive`
# gives every key of it another `ttl` ms (none when 0); `mark_used` scores the session with Redis's time, in
# microseconds.
_LUA_WORLD_USED = """
local function keep_alive(rule_prefix, ttl)
  if ttl > 0 then
    for i = 1, 10 do redis.call('PEXPIRE', KEYS[i], ttl) end
    for _, id in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do
      redis.call('PEXPIRE', rule_prefix .. id, ttl)
    end
  end
end
local function mark_used(session)
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[11], now[1] * 1000000 + now[2], session)
end
"""

# Makes a world from the fixtures, in one step: its log, journal and rules emptied, the fixtures' rules
# added, the clock set and the world marked made with a new value, which tells every process to start
# again from the fixtures. Unless ARGV[5] is "1", a world already made is kept.
# KEYS: WORLD_KEYS, then the store's sessions (a sorted set; "" for the default world).
# ARGV[1]: the new "made" value, ARGV[2]: time to live in ms (0: none), ARGV[3]: the rules' key prefix,
# ARGV[4]: the clock's frozen instant or "", ARGV[5]: "1" to make it again, ARGV[6]: the session or "",
# then a chosen rule id (or "") and its spec as JSON, for each of the fixtures' rules.
# Returns the "made" value of the world as it is now.
_MAKE = (
    _LUA_ADD_RULE
    + _LUA_WORLD_USED
    + """
if ARGV[5] ~= '1' then
  local made = redis.call('GET', KEYS[1])
  if made then return made end
end
for _, id in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do redis.call('DEL', ARGV[3] .. id) end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[9], KEYS[10])
redis.call('INCR', KEYS[7])
redis.call('SET', KEYS[8], ARGV[4])
for i = 7, #ARGV, 2 do add_rule(KEYS[5], KEYS[6], ARGV[3], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[1])
keep_alive(ARGV[3], tonumber(ARGV[2]))
if ARGV[6] ~= '' then mark_used(ARGV[6]) end
return ARGV[1]
"""
)

# A session's world used: its keys live for another ARGV[1] ms and the session is marked used now.
# KEYS: WORLD_KEYS, then the store's sessions; ARGV[1]: time to live in ms (0: none), ARGV[2]: the rules'
# key prefix, ARGV[3]: the session. Returns the world's "made" value, or nil when it is gone.
_TOUCH = (
    _LUA_WORLD_USED
    + """
local made = redis.call('GET', KEYS[1])
if not made then return nil end
keep_alive(ARGV[2], tonumber(ARGV[1]))
mark_used(ARGV[3])
return made
"""
)


# A world with more registrations than this is not compacted: dumping it every `snapshot_every` writes would
# stall its writers (a million registrations take seconds); its log is compacted by a reset only.
SNAPSHOT_MAX_RECORDS = 100_000


class OtherFixtureSet(StoreUnavailable):
    """The world in Redis was made by a process started on other fixtures: this one cannot serve it."""


class RedisClock(Clock):
    """The world's clock, frozen or not, as every process sees it: `frozen_at` lives in Redis."""

    def __init__(self, client: redis.Redis, key: str, ttl_ms: int = 0) -> None:
        self._client = client
        self._key = key
        self._ttl_ms = ttl_ms

    @property  # type: ignore[override]
    def frozen_at(self) -> float | None:
        value = self._client.get(self._key)
        return None if value is None or value == b"" else float(value)

    @frozen_at.setter
    def frozen_at(self, value: float | None) -> None:
        self._client.set(self._key, "" if value is None else repr(value), px=self._ttl_ms or None)


class RedisWorld(World):
    """A world whose rules, journal and clock are in Redis, and whose state every process keeps, applying
    the world's operation log in order (see docs/redis-store.md).

    The world is marked made in Redis with a value naming the fixture set it was made from and a new
    generation; a process that finds a value other than the one it joined starts again from the fixtures
    (a reset, an expiry, a Redis restarted empty), and refuses a world made from another fixture set."""

    def __init__(self, settings: Settings, store: RedisStore, session: str | None) -> None:
        self._store = store
        self._client = store.client
        self.session = session
        self._prefix = store.world_prefix(session)
        self._ttl_ms = store.session_ttl_ms if session is not None else 0
        self._keys = [f"{self._prefix}:{name}" for name in WORLD_KEYS] + [
            store.sessions_key if session is not None else ""
        ]
        self._rule_prefix = f"{self._prefix}:rule:"
        self._log = OperationLog(self._client, self._prefix, self._ttl_ms)
        self._make = self._client.register_script(_MAKE)
        self._touch = self._client.register_script(_TOUCH)
        # The world this process serves (its "made" value) and how many of its operations it applied: one
        # attribute, so that a catch-up reading it without the lock sees the two agree.
        self._position: tuple[bytes | None, int] = (None, 0)
        super().__init__(settings)
        self.clock = RedisClock(self._client, f"{self._prefix}:clock", self._ttl_ms)
        self.journal = RedisJournal(self._client, self._prefix, settings.journal_size, self._ttl_ms)  # type: ignore[assignment]
        self.catch_up()

    # making and joining

    def make(self, again: bool = False) -> bytes:
        """Make the world from the fixtures in Redis, unless it is made already (or `again`); the value
        that marks it made as it is now."""
        generation = random.getrandbits(62)
        rules = [part for spec in self.settings.failures for part in stored_rule(spec)]
        clock = "" if self.settings.clock_start is None else repr(self.settings.clock_start)
        made = f"{self._store.fixture_set} {generation}"
        again_flag = "1" if again else "0"
        args = [made, self._ttl_ms, self._rule_prefix, clock, again_flag, self.session or "", *rules]
        value: bytes = self._make(keys=self._keys, args=args)
        return value

    def _join(self, made: bytes) -> None:
        """Serve the world `made` names: the fixtures' state, the log to apply from its start."""
        fixture_set, generation = made.decode().split(" ")
        if fixture_set != self._store.fixture_set:
            raise OtherFixtureSet(
                f"the world in Redis was made from another fixture set ({fixture_set[:12]}) than this "
                f"server's ({self._store.fixture_set[:12]}): give every server on one Redis the same "
                "fixtures, failures, seed and clock (a server started on other ones makes the worlds again)"
            )
        self._seed = self.settings.seed if self.settings.seed is not None else int(generation)
        self.rules = RedisRuleSet(self._client, self._prefix, self._seed, ttl_ms=self._ttl_ms)  # type: ignore[assignment]
        self.ids = ObjectIds(self._seed)
        self.digitalchalk = self.settings.digitalchalk
        self.fullfabric = FullFabricState(self.settings.fixtures.data["fullfabric"], self.ids, self.clock)
        self._position = (made, 0)

    def catch_up(self) -> None:
        """Apply the operations other processes appended since this one last looked; start again from the
        fixtures when the world was made again (or make it, when Redis no longer has it).

        One round trip when nothing changed, and no lock: the world's mark, the operations after the ones
        applied, and the rules' version (which the rules then use for this request: see `RedisRuleSet`)."""
        joined, applied = self._position
        with self._client.pipeline(transaction=False) as pipe:
            self._mark(pipe)
            self._log.since(applied, client=pipe)
            pipe.get(f"{self._prefix}:rules:version")
            made, operations, version = pipe.execute()
        if made is not None and made == joined and operations == []:
            self.rules.note_version(version)  # type: ignore[attr-defined]
            return
        with self.writing:
            made = self._mark(self._client)
            if made is None:
                if self.session is not None:
                    self._store.forget_expired()
                made = self.make()
                if self.session is not None:
                    self._store.evict_beyond_bound()
            if made != self._position[0]:
                self._join(made)
            self._apply_new()

    def _mark(self, client: Any) -> Any:
        """The world's "made" value (None: gone), through `client` (a pipeline queues it); using a session
        keeps it alive and marks it used."""
        if self.session is None:
            return client.get(self._keys[0])
        return self._touch(
            keys=self._keys, args=[self._ttl_ms, self._rule_prefix, self.session], client=client
        )

    # rules and state as each process holds them

    def clear_failures(self) -> None:
        """The rules are Redis's (made with the world; see `make`)."""

    def clear_state(self) -> None:
        """The state is the log's (see `_join`)."""

    def _apply_new(self) -> None:
        """Apply the operations this process has not applied yet (call with the lock held), from the
        snapshot when some of them are compacted into it."""
        while True:
            try:
                operations = self._log.since(self._position[1])
            except Behind:
                self._load_snapshot()
                continue
            self._apply_operations(operations)
            return

    def _load_snapshot(self) -> None:
        """Serve the state of the log's snapshot, and go on from its position; join the world again when
        it was made again meanwhile."""
        made = self._position[0]
        snapshot = self._log.snapshot()
        if snapshot is None or made is None or snapshot["made"] != made.decode():
            self._join(self._mark(self._client) or self.make())
            return
        self._set_state(validate_state(snapshot["state"]))
        self.ids.counter = snapshot["object_ids"]
        self._position = (made, snapshot["position"])

    def _compact(self, position: int) -> None:
        """Compact the log through `position`, which this process has just applied (lock held), when the
        state is small enough to dump every `snapshot_every` writes."""
        made = self._position[0]
        if made is None or self._position[1] != position:
            return
        records = len(self.digitalchalk) + len(self.fullfabric.transcripts.entries())
        if records > SNAPSHOT_MAX_RECORDS:
            return
        snapshot = {
            "made": made.decode(),
            "position": position,
            "state": self.dump_state(),
            "object_ids": self.ids.counter,
        }
        self._log.compact(made, position, snapshot)

    def _apply_operations(self, operations: list[dict[str, Any]]) -> dict[int, Any]:
        """Apply `operations`, the next ones of the log (call with the lock held); their outcomes."""
        results: dict[int, Any] = {}
        made, applied = self._position
        for operation in operations:
            applied += 1
            results[applied] = self._apply(operation, applied)
            self._position = (made, applied)
        return results

    def _write(self, operation: dict[str, Any]) -> Any:
        """Append `operation`, apply the log through it, and give its outcome (raised if an error). A world
        made again since this process last looked (a reset through another) is caught up with first."""
        with self.writing:
            while True:
                try:
                    appended = self._log.append(operation, self._position[0] or b"", self._position[1])
                except Behind:  # others' writes this process has not applied are in the snapshot now
                    self._apply_new()
                    continue
                if appended is not None:
                    break
                self.catch_up()  # the world was made again
            position, operations = appended
            outcome = self._apply_operations(operations)[position]
            if self._store.snapshot_every and position % self._store.snapshot_every == 0:
                self._compact(position)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _apply(self, operation: Mapping[str, Any], position: int) -> Any:
        kind = operation["op"]
        try:
            if kind == "add":
                return World.add_records(
                    self, operation["api"], operation["collection"], operation["records"]
                )
            if kind == "replace":
                return self._set_state(operation["data"])
            if kind == "dc_create":
                made = random.Random(f"{self._seed}/digitalchalk/{position}").getrandbits(128)
                fields = new_registration(
                    f"{made:032x}", operation["user"], operation["offering"], operation["now"]
                )
                return self._own_digitalchalk().add(fields)
            if kind == "dc_update":
                return World.update_digitalchalk(
                    self, operation["id"], operation["changes"], operation["now"]
                )
            if kind == "ff":
                items = [_item(raw) for raw in operation["items"]]
                return World.register(
                    self, operation["profile"], items, create=operation["create"], now=operation["now"]
                )
        except (MockserverError, FixtureError) as error:  # its outcome: every process comes to the same
            return error
        raise ValueError(f"unknown operation {kind!r}")

    # the writes, through the log

    def replace_state(self, data: Mapping[str, Any]) -> None:
        self._write({"op": "replace", "data": data})

    def add_records(self, api: str, collection: str, records: list[Any]) -> int:
        return self._write({"op": "add", "api": api, "collection": collection, "records": records})  # type: ignore[no-any-return]

    def create_digitalchalk(self, user_id: str, offering_id: str, now: int) -> Mapping[str, Any]:
        return self._write({"op": "dc_create", "user": user_id, "offering": offering_id, "now": now})  # type: ignore[no-any-return]

    def update_digitalchalk(
        self, registration_id: str, changes: Mapping[str, Any], now: int
    ) -> Mapping[str, Any] | None:
        return self._write({"op": "dc_update", "id": registration_id, "changes": dict(changes), "now": now})  # type: ignore[no-any-return]

    def register(
        self, profile_id: str, items: Sequence[Any], *, create: bool, now: int | None = None
    ) -> list[Any]:
        """FullFabric's items: the well-formed ones applied through the log, the others (already decided:
        malformed, or a failure rule's) kept in their place."""
        applied = [index for index, item in enumerate(items) if isinstance(item, RegistrationItem)]
        operation = {
            "op": "ff",
            "profile": profile_id,
            "items": [_raw(items[index]) for index in applied],
            "create": create,
            "now": self.clock.now() if now is None else now,
        }
        outcomes = list(items)
        for index, outcome in zip(applied, self._write(operation), strict=True):
            outcomes[index] = outcome
        return outcomes

    def reset(self) -> None:
        """Back to the fixtures in one step, for every process: the world made again."""
        with self.writing:
            self._join(self.make(again=True))


def _raw(item: RegistrationItem) -> dict[str, Any]:
    keep = isinstance(item.grade_state_name, _Keep)
    return {
        "unit_id": item.unit_id,
        "context_id": item.context_id,
        "grade_state_name": None if keep else item.grade_state_name,
        "keep_grade_state": keep,
        "grades": [[grade.name, grade.value, grade.published] for grade in item.grades],
    }


def _item(raw: Mapping[str, Any]) -> RegistrationItem:
    return RegistrationItem(
        unit_id=raw["unit_id"],
        context_id=raw["context_id"],
        grade_state_name=KEEP if raw["keep_grade_state"] else raw["grade_state_name"],
        grades=tuple(GradeInput(name, value, published) for name, value, published in raw["grades"]),
    )


class RedisStore(MemoryStore):
    """Worlds whose rules, journal, clock and writes are in Redis, shared by every process that uses the
    same Redis and prefix; each request first applies what other processes wrote.

    Sessions are listed in Redis (a sorted set, by last use), bounded across processes, and their keys
    expire in Redis after `session_ttl` seconds unused. A process started on other fixtures than the
    worlds in Redis were made from makes them again (see `fixture_set_of`)."""

    unavailable = (redis.RedisError, StoreUnavailable)

    def __init__(
        self,
        settings: Settings,
        url: str,
        prefix: str = "mockserver",
        max_sessions: int = 100,
        session_ttl: float | None = None,
        snapshot_every: int = 1000,
    ) -> None:
        self.client = redis.Redis.from_url(url)
        self.snapshot_every = snapshot_every  # writes between compactions of a world's log (0: none)
        self.prefix = prefix
        self.sessions_key = f"{prefix}:sessions"
        self.session_ttl_ms = max(1, round(session_ttl * 1000)) if session_ttl else 0
        self.fixture_set = fixture_set_of(settings)
        made = self.client.get(f"{self.world_prefix(None)}:made")
        if made is not None and made.decode().split(" ")[0] != self.fixture_set:
            self._delete_worlds()  # made from other fixtures: made again from these
        super().__init__(settings, max_sessions, session_ttl)

    def world_prefix(self, session: str | None) -> str:
        return f"{self.prefix}:default" if session is None else f"{self.prefix}:session:{session}"

    def _make_world(self, session: str | None) -> World:
        return RedisWorld(self.settings, self, session)

    def world(self, session: str | None = None) -> World:
        world = super().world(session)
        world.catch_up()  # type: ignore[attr-defined]
        return world

    def sessions(self) -> list[str]:
        """The sessions of every process, least recently used first."""
        self.forget_expired()
        return [session.decode() for session in self.client.zrange(self.sessions_key, 0, -1)]

    def forget_expired(self) -> None:
        """Take sessions unused for the time to live off the list (Redis expired their keys)."""
        if self.session_ttl_ms:
            seconds, microseconds = self.client.time()
            now = seconds * 1_000_000 + microseconds  # as the sessions are scored: microseconds
            self.client.zremrangebyscore(self.sessions_key, "-inf", now - self.session_ttl_ms * 1000)

    def evict_beyond_bound(self) -> None:
        """End the least recently used sessions beyond `max_sessions` (a session was just made)."""
        self.forget_expired()
        excess = int(self.client.zcard(self.sessions_key)) - self.max_sessions
        if excess > 0:
            for session, _ in self.client.zpopmin(self.sessions_key, excess):
                self._delete_keys(self.world_prefix(session.decode()))

    def end_session(self, session: str) -> bool:
        """End the session here, and its world in Redis: coming back starts afresh from the fixtures."""
        here = super().end_session(session)
        listed = bool(self.client.zrem(self.sessions_key, session))
        self._delete_keys(self.world_prefix(session))
        return here or listed

    def _delete_worlds(self) -> None:
        self._delete_keys(self.world_prefix(None))
        self._delete_keys(f"{self.prefix}:session")
        self.client.delete(self.sessions_key)

    def _delete_keys(self, prefix: str) -> None:
        """Delete every key under `prefix` (followed by `:`)."""
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", f"{prefix}:") + "*"
        keys = list(self.client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            self.client.delete(*keys[start : start + 1000])


def fixture_set_of(settings: Settings) -> str:
    """A digest of what a world is made from: the fixture files' bytes (or the data, without a file), the
    failure rules, the seed and the clock. Processes sharing a world must agree on it."""
    digest = hashlib.sha256()
    for vendor, source in sorted(settings.fixtures.sources.items()):
        digest.update(vendor.encode() + b"\0")
        if source is None:
            digest.update(json.dumps(settings.fixtures.data[vendor], sort_keys=True, default=str).encode())
        else:
            digest.update(source.read_bytes())
        digest.update(b"\0")
    rest = [list(settings.failures), settings.seed, settings.clock_start]
    digest.update(json.dumps(rest, sort_keys=True, default=str).encode())
    return digest.hexdigest()
