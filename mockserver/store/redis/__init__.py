"""The Redis store (PRODUCT.md section 8): several processes, one truth.

Each world (the default one, and one per session) has its keys under a prefix in Redis: its request
journal, a capped list every process appends to and reads; its failure rules, with hits counted atomically;
its clock; and its operation log, the writes every process applies in one order to its own copy of the
state. Sessions are listed in a sorted set and their keys expire when unused. docs/redis-store.md has the
design. Like the rest of `store/`, it knows no vendor: it carries commands, it never reads them."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any, cast
from urllib.parse import quote

import redis

from mockserver.errors import StoreUnavailable
from mockserver.store.world import Settings, Store, World

from .journal import RedisJournal
from .oplog import OperationLog
from .rules import RedisRuleSet
from .world import RedisClock, RedisWrites, drop_world, redis_world

RUN_ID = re.compile(rb"^run_id:(\w+)", re.M)

__all__ = ["OperationLog", "RedisClock", "RedisJournal", "RedisRuleSet", "RedisStore", "RedisWrites"]


class RedisStore(Store):
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
        # Which Redis server this process talks to: its `run_id`, read on every new connection, and how many
        # times it changed (a restart, a replica promoted). A world whose state came from another server
        # than the current one joins the world again (see `RedisWrites.catch_up`).
        self.run_id: bytes | None = None
        self.servers = 0
        self._server_lock = threading.Lock()
        self.client = redis.Redis.from_url(url, redis_connect_func=self._connected)
        self.snapshot_every = snapshot_every  # writes between compactions of a world's log (0: none)
        self.prefix = prefix
        self.sessions_key = f"{prefix}:sessions"
        self.session_ttl_ms = max(1, round(session_ttl * 1000)) if session_ttl else 0
        self.fixture_set = fixture_set_of(settings)
        # Replies are bytes (the client does not decode them); redis-py types them `bytes | str`.
        made = cast("bytes | None", self.client.get(f"{self.world_prefix(None)}:made"))
        if made is not None and made.decode().split(" ")[0] != self.fixture_set:
            self._delete_worlds()  # made from other fixtures: made again from these
        super().__init__(settings, max_sessions, session_ttl)

    def _connected(self, connection: Any) -> None:
        """A new connection (redis-py's `redis_connect_func`): set up as usual, then note the server's
        `run_id`; a server that does not tell (INFO renamed away) is taken to be the same."""
        connection.on_connect()
        try:
            connection.send_command("INFO", "server")
            found = RUN_ID.search(connection.read_response())
        except redis.ResponseError:
            return
        if found is not None and found[1] != self.run_id:
            with self._server_lock:
                self.run_id = found[1]
                self.servers += 1

    def world_prefix(self, session: str | None) -> str:
        """The prefix of a world's keys. A session id is data: percent-encoded, it holds no `:` and no glob
        character, so that no session's keys extend another's (`w` and `w:x`, or a rule id `made` in
        session `a` and the keys of session `a:rule`)."""
        if session is None:
            return f"{self.prefix}:default"
        return f"{self.prefix}:session:{quote(session, safe='')}"

    def _make_world(self, session: str | None) -> World:
        return redis_world(self, session)

    def world(self, session: str | None = None) -> World:
        world = super().world(session)
        world.catch_up()
        return world

    def sessions(self) -> list[str]:
        """The sessions of every process, least recently used first."""
        self.forget_expired()
        listed = cast("list[bytes]", self.client.zrange(self.sessions_key, 0, -1))
        return [session.decode() for session in listed]

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
            popped = cast("list[tuple[bytes, float]]", self.client.zpopmin(self.sessions_key, excess))
            for session, _ in popped:
                drop_world(self.client, self.world_prefix(session.decode()))

    def end_session(self, session: str) -> bool:
        """End the session here, and its world in Redis: coming back starts afresh from the fixtures."""
        here = super().end_session(session)
        listed = bool(self.client.zrem(self.sessions_key, session))
        drop_world(self.client, self.world_prefix(session))
        return here or listed

    def _delete_worlds(self) -> None:
        """Delete every world of the store's prefix (made from other fixtures)."""
        drop_world(self.client, self.world_prefix(None))
        self._delete_keys(f"{self.prefix}:session")
        self.client.delete(self.sessions_key)

    def _delete_keys(self, prefix: str) -> None:
        """Delete every key under `prefix` (followed by `:`): every session's, here."""
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
