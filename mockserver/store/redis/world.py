"""A world whose rules, journal and clock are in Redis, and whose writes go through its operation log:
every process keeps the state and applies the log in order, through `World.apply` (docs/redis-store.md).

The world is made of generic parts: `RedisWrites` is its `Writes`; it carries commands, never reads them."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import redis

from mockserver.clock import Clock
from mockserver.errors import StoreUnavailable
from mockserver.events import Subscription
from mockserver.fixtures.load import validate_state
from mockserver.store.world import World, command_json, command_of
from mockserver.vendor import Command

from .journal import RedisJournal
from .oplog import Ahead, Behind, OperationLog
from .rules import _LUA_ADD_RULE, RedisRuleSet, stored_rule

if TYPE_CHECKING:
    from . import RedisStore

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

# Ends a world: its rules and its keys deleted, each by its exact name (never by a pattern, which could
# take another world's keys). KEYS: WORLD_KEYS; ARGV[1]: the rules' key prefix.
_DROP = """
for _, id in ipairs(redis.call('LRANGE', KEYS[5], 0, -1)) do redis.call('DEL', ARGV[1] .. id) end
redis.call('DEL', unpack(KEYS))
"""


def drop_world(client: redis.Redis, prefix: str) -> None:
    """Delete the keys of the world under `prefix` (`RedisStore.world_prefix`)."""
    client.eval(_DROP, len(WORLD_KEYS), *(f"{prefix}:{name}" for name in WORLD_KEYS), f"{prefix}:rule:")


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

    @property
    def frozen_at(self) -> float | None:
        value = self._client.get(self._key)
        return None if value is None or value == b"" else float(value)

    @frozen_at.setter
    def frozen_at(self, value: float | None) -> None:
        self._client.set(self._key, "" if value is None else repr(value), px=self._ttl_ms or None)


class RedisWrites:
    """A world's writes through its operation log in Redis, and how this process keeps up with it.

    The world is marked made in Redis with a value naming the fixture set it was made from and a new
    generation; a process that finds a value other than the one it joined starts again from the fixtures
    (a reset, an expiry, a Redis restarted empty), and refuses a world made from another fixture set.

    It joins the world again, too, when Redis may hold another history than the one it applied: the log
    holds fewer operations than it applied, or the server is another one (its `run_id` changed: a
    restart, maybe from an older dump; a replica promoted, maybe lagging)."""

    def __init__(self, store: RedisStore, session: str | None) -> None:
        self._store = store
        self._client = store.client
        self.session = session
        self.prefix = store.world_prefix(session)
        self.ttl_ms = store.session_ttl_ms if session is not None else 0
        self._keys = [f"{self.prefix}:{name}" for name in WORLD_KEYS] + [
            store.sessions_key if session is not None else ""
        ]
        self._rule_prefix = f"{self.prefix}:rule:"
        self._log = OperationLog(self._client, self.prefix, self.ttl_ms)
        self._make = self._client.register_script(_MAKE)
        self._touch = self._client.register_script(_TOUCH)
        # The world this process serves (its "made" value) and how many of its operations it applied: one
        # attribute, so that a catch-up reading it without the lock sees the two agree.
        self._position: tuple[bytes | None, int] = (None, 0)
        self._server = 0  # the store's count of servers when this process joined the world (`_join`)

    # making and joining

    def make(self, again: bool = False) -> bytes:
        """Make the world from the fixtures in Redis, unless it is made already (or `again`); the value
        that marks it made as it is now."""
        settings = self._store.settings
        generation = random.getrandbits(62)
        rules = [part for spec in settings.failures for part in stored_rule(spec)]
        clock = "" if settings.clock_start is None else repr(settings.clock_start)
        made = f"{self._store.fixture_set} {generation}"
        again_flag = "1" if again else "0"
        args: list[str | int] = [
            made,
            self.ttl_ms,
            self._rule_prefix,
            clock,
            again_flag,
            self.session or "",
            *rules,
        ]
        value: bytes = self._make(keys=self._keys, args=args)
        return value

    def _join(self, world: World, made: bytes, server: int) -> None:
        """Serve the world `made` names: the fixtures' state, the log to apply from its start. `server`: the
        store's count of servers before `made` was read."""
        fixture_set, generation = made.decode().split(" ")
        if fixture_set != self._store.fixture_set:
            raise OtherFixtureSet(
                f"the world in Redis was made from another fixture set ({fixture_set[:12]}) than this "
                f"server's ({self._store.fixture_set[:12]}): give every server on one Redis the same "
                "fixtures, failures, seed and clock (a server started on other ones makes the worlds again)"
            )
        seed = world.settings.seed
        world.seed = seed if seed is not None else int(generation)  # the same in every process
        world.rules = RedisRuleSet(self._client, self.prefix, world.seed, ttl_ms=self.ttl_ms)
        world.clear_state()
        world.clear_webhooks()
        self._position = (made, 0)
        self._server = server

    def _rejoin(self, world: World) -> None:
        """Join the world as Redis holds it now, made afresh if it holds none (call with the lock held)."""
        server = self._store.servers
        self._join(world, self._current(), server)

    def _current(self) -> bytes:
        """The world's "made" value; the world made when Redis no longer has it (call with the lock held)."""
        made: bytes | None = self._mark(self._client)
        if made is None:
            if self.session is not None:
                self._store.forget_expired()
            made = self.make()
            if self.session is not None:
                self._store.evict_beyond_bound()
        return made

    def catch_up(self, world: World) -> None:
        """Apply the operations other processes appended since this one last looked; start again from the
        fixtures when the world was made again (or make it, when Redis no longer has it), or when Redis may
        hold another history than the one applied here (another server, a log shorter than applied).

        One round trip when nothing changed, and no lock: the world's mark, the operations after the ones
        applied, and the rules' version (which the rules then use for this request: see `RedisRuleSet`)."""
        joined, applied = self._position
        with self._client.pipeline(transaction=False) as pipe:
            self._mark(pipe)
            self._log.since(applied, client=pipe)
            pipe.get(f"{self.prefix}:rules:version")
            made, operations, version = pipe.execute()
        if made is not None and made == joined and operations == [] and self._server == self._store.servers:
            world.rules.note_version(version)
            return
        with world.writing:
            server = self._store.servers
            made = self._current()
            if made != self._position[0] or server != self._server:
                self._join(world, made, server)
            self._apply_new(world)

    def _mark(self, client: Any) -> Any:
        """The world's "made" value (None: gone), through `client` (a pipeline queues it); using a session
        keeps it alive and marks it used."""
        if self.session is None:
            return client.get(self._keys[0])
        return self._touch(
            keys=self._keys, args=[self.ttl_ms, self._rule_prefix, self.session], client=client
        )

    # the state, as each process holds it

    def _apply_new(self, world: World) -> dict[int, Any]:
        """Apply the operations this process has not applied yet (call with the lock held), from the
        snapshot when some of them are compacted into it, from the start when this process is ahead of the
        log; the outcomes of those applied, by position."""
        outcomes: dict[int, Any] = {}
        while True:
            try:
                operations = self._log.since(self._position[1])
            except Behind:
                self._load_snapshot(world)
                continue
            except Ahead:
                self._rejoin(world)
                outcomes.clear()
                continue
            outcomes.update(self._apply_operations(world, operations))
            return outcomes

    def _load_snapshot(self, world: World) -> None:
        """Serve the state of the log's snapshot, and go on from its position; join the world again when
        it was made again meanwhile."""
        made = self._position[0]
        snapshot = self._log.snapshot()
        if snapshot is None or made is None or snapshot["made"] != made.decode():
            self._rejoin(world)
            return
        world.load(validate_state(snapshot["state"], world.vendors))
        webhooks = (Subscription.from_json(data) for data in snapshot.get("webhooks", ()))
        world.webhooks = {subscription.id: subscription for subscription in webhooks}
        self._position = (made, snapshot["position"])

    def _compact(self, world: World, position: int) -> None:
        """Compact the log through `position`, which this process has just applied (lock held), when the
        state is small enough to dump every `snapshot_every` writes."""
        made = self._position[0]
        if made is None or self._position[1] != position:
            return
        if sum(state.records() for state in world.states.values()) > SNAPSHOT_MAX_RECORDS:
            return
        snapshot = {
            "made": made.decode(),
            "position": position,
            "state": world.dump_state(),
            "webhooks": [subscription.to_json() for subscription in world.webhooks.values()],
        }
        self._log.compact(made, position, snapshot)

    def _apply_operations(self, world: World, operations: list[dict[str, Any]]) -> dict[int, Any]:
        """Apply `operations`, the next ones of the log (call with the lock held); their outcomes."""
        results: dict[int, Any] = {}
        made, applied = self._position
        for operation in operations:
            applied += 1
            results[applied] = world.apply(command_of(world.vendors, operation), applied)
            self._position = (made, applied)
        return results

    # the writes, through the log

    def write(self, world: World, command: Command) -> Any:
        """Append `command`, apply the log through it, and give its outcome (raised if an error). A world
        made again since this process last looked (a reset through another) is caught up with first, and
        so is one whose history Redis no longer holds (see `catch_up`)."""
        operation = command_json(command)
        with world.writing:
            while True:
                server = self._store.servers
                try:
                    appended = self._log.append(operation, self._position[0] or b"", self._position[1])
                except Behind:  # others' writes this process has not applied are in the snapshot now
                    self._apply_new(world)
                    continue
                except Ahead:  # writes this process applied are gone from Redis
                    self._rejoin(world)
                    self._apply_new(world)
                    continue
                if appended is not None:
                    break
                self.catch_up(world)  # the world was made again
            position, operations = appended
            if server == self._server == self._store.servers:
                outcomes = self._apply_operations(world, operations)
            else:  # appended to another server than the one this process's state came from
                self._rejoin(world)
                outcomes = self._apply_new(world)
            if position not in outcomes:  # compacted into a snapshot by another before it was applied here
                raise StoreUnavailable(
                    "the store changed while this write was applied: its outcome is unknown"
                )
            outcome = outcomes[position]
            every = self._store.snapshot_every
            if every and position % every == 0:
                self._compact(world, position)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def reset(self, world: World) -> None:
        """Back to the fixtures in one step, for every process: the world made again."""
        with world.writing:
            server = self._store.servers
            self._join(world, self.make(again=True), server)


def redis_world(store: RedisStore, session: str | None) -> World:
    """A world of `store` (the default one, or a session's), caught up with Redis."""
    writes = RedisWrites(store, session)
    settings = store.settings
    world = World(
        settings,
        rules=RedisRuleSet(store.client, writes.prefix, settings.seed, ttl_ms=writes.ttl_ms),
        journal=RedisJournal(
            store.client, writes.prefix, settings.journal_size, writes.ttl_ms, settings.journal_bytes
        ),
        clock=RedisClock(store.client, f"{writes.prefix}:clock", writes.ttl_ms),
        writes=writes,
        dispatcher=store.dispatcher,
    )
    world.catch_up()
    return world
