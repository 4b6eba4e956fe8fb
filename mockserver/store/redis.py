"""Pieces of the Redis store (PRODUCT.md section 8), so that several processes share one truth.

So far: the request journal, a capped list every process appends to and reads; and the failure rules,
with hits counted atomically. Keys are prefixed per world, so that sessions and several mocks can share
one Redis."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import redis

from mockserver.clock import Clock
from mockserver.errors import MockserverError
from mockserver.failures import Call, Rule, build_rule
from mockserver.fixtures import FixtureError
from mockserver.fullfabric.transcripts import KEEP, GradeInput, RegistrationItem, _Keep
from mockserver.ids import ObjectIds
from mockserver.journal import _read, select
from mockserver.store.memory import FullFabricState, MemoryStore, Settings, World, new_registration

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
        self.size = size
        self._append = client.register_script(_APPEND)

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append `entry` (its deferred values made now: other processes read it as JSON)."""
        if not entry:
            raise ValueError("a journal entry has fields")
        body = json.dumps(_read(dict(entry)), separators=(",", ":"))
        self._append(keys=[self._entries_key, self._ids_key], args=[body, self.size])

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


# --- worlds and the store -----------------------------------------------------------------------------


class RedisClock(Clock):
    """The world's clock, frozen or not, as every process sees it: `frozen_at` lives in Redis."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self._client = client
        self._key = key

    @property  # type: ignore[override]
    def frozen_at(self) -> float | None:
        value = self._client.get(self._key)
        return None if value is None or value == b"" else float(value)

    @frozen_at.setter
    def frozen_at(self, value: float | None) -> None:
        self._client.set(self._key, "" if value is None else repr(value))


class RedisWorld(World):
    """A world whose rules, journal and clock are in Redis, and whose state every process keeps, applying
    the world's operation log in order (see docs/redis-store.md)."""

    def __init__(self, settings: Settings, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._log = OperationLog(client, prefix)
        self._applied = 0
        self._made = f"{prefix}:made"
        self._seed = self._shared_seed(settings.seed)
        super().__init__(settings)
        self.clock = RedisClock(client, f"{prefix}:clock")
        self.journal = RedisJournal(client, prefix, settings.journal_size)  # type: ignore[assignment]
        self._join()

    def _shared_seed(self, seed: int | None) -> int:
        """The seed of the world's made-up ids: the mock's, or one the first process made for all."""
        if seed is not None:
            return seed
        self._client.set(f"{self._prefix}:seed", random.getrandbits(62), nx=True)
        return int(self._client.get(f"{self._prefix}:seed") or 0)

    def _join(self) -> None:
        """Use the world as Redis has it, making it from the fixtures when this process is the first (or
        Redis lost it: restarted empty)."""
        with self.writing:
            if self._client.set(self._made, "1", nx=True):
                self._log.clear()
                self.journal.restart()
                self.rules.reset(self.settings.failures)  # type: ignore[attr-defined]
                self.reset_clock()
            self._applied = 0
            self._fresh_state()

    # rules and state as each process holds them

    def clear_failures(self) -> None:
        self.rules = RedisRuleSet(self._client, self._prefix, self._seed)  # type: ignore[assignment]

    def clear_state(self) -> None:
        """The state is the log's: nothing to clear here (see `reset`)."""

    def _fresh_state(self) -> None:
        """The fixtures' state, as the log starts from."""
        self.ids = ObjectIds(self._seed)
        self.digitalchalk = self.settings.digitalchalk
        self.fullfabric = FullFabricState(self.settings.fixtures.data["fullfabric"], self.ids, self.clock)

    def catch_up(self) -> None:
        """Apply the operations other processes appended since this one last looked. A world Redis no
        longer has (it restarted empty) is made again from the fixtures."""
        with self.writing:
            if not self._client.exists(self._made):
                self._seed = self._shared_seed(self.settings.seed)
                self.clear_failures()
                self._join()
            self._apply_new()

    def _apply_new(self) -> dict[int, Any]:
        results: dict[int, Any] = {}
        for operation in self._log.since(self._applied):
            self._applied += 1
            results[self._applied] = self._apply(operation, self._applied)
        return results

    def _write(self, operation: dict[str, Any]) -> Any:
        """Append `operation`, apply the log through it, and give its outcome (raised if an error)."""
        with self.writing:
            position = self._log.append(operation)
            outcome = self._apply_new()[position]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _apply(self, operation: Mapping[str, Any], position: int) -> Any:
        kind = operation["op"]
        try:
            if kind == "reset":
                self._fresh_state()
                return None
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
        with self.writing:
            self.rules.reset(self.settings.failures)  # type: ignore[attr-defined]
            self.journal.restart()
            self.reset_clock()
            self._write({"op": "reset"})


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
    same Redis and prefix; each request first applies what other processes wrote."""

    unavailable = (redis.RedisError,)

    def __init__(
        self, settings: Settings, url: str, prefix: str = "mockserver", max_sessions: int = 100
    ) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        super().__init__(settings, max_sessions)

    def _make_world(self, session: str | None) -> World:
        return RedisWorld(self.settings, self.client, f"{self.prefix}:{session or '-'}")

    def world(self, session: str | None = None) -> World:
        world = super().world(session)
        world.catch_up()  # type: ignore[attr-defined]
        return world

    def end_session(self, session: str) -> bool:
        """End the session here, and its world in Redis: coming back starts afresh from the fixtures."""
        ended = super().end_session(session)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", f"{self.prefix}:{session}:") + "*"
        keys = list(self.client.scan_iter(match=pattern))
        if keys:
            self.client.delete(*keys)
        return ended
