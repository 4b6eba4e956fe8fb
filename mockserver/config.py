"""Defaults of the application's settings; each can be set as `MOCKSERVER_<NAME>` in the environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Folder of fixture files; None serves the packaged defaults (the vendors' examples).
    "FIXTURES": None,
    # Seed for everything the mock makes up (ids, probabilities); None: different every run.
    "SEED": None,
    # ISO 8601 instant to freeze the clock at (with SEED, ids and times are reproducible); None: real time.
    "CLOCK": None,
    # Failure rules active from the start and after each reset; None: failures.yaml in the fixtures folder.
    "FAILURES": None,
    # Entries the request journal keeps (oldest dropped first), per session.
    "JOURNAL_SIZE": 10_000,
    # Bytes the journal of one session keeps at most (oldest dropped first; 0: no bound); request and
    # response bodies are kept cut to 64 KiB each. On the Redis store, the bound of each world's list.
    "JOURNAL_BYTES": 64 * 1024 * 1024,
    # Bytes the journals of every session of one process keep together (the oldest of any go first; 0: no
    # bound). In memory only: on the Redis store journals are in Redis, each bounded by JOURNAL_BYTES.
    "JOURNAL_TOTAL_BYTES": 256 * 1024 * 1024,
    # Sessions (X-Mockserver-Session) kept at once; the least recently used is ended beyond it.
    "SESSIONS_MAX": 100,
    # Seconds a session may go unused before it ends (its world is dropped); 0: sessions never expire.
    "SESSION_TTL": 3600,
    # When set, the admin API (but /__admin/health) needs `Authorization: Bearer <it>`.
    "ADMIN_TOKEN": None,
    # Larger request bodies get 413.
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    # Request bodies read at once (each is read in full before the app runs); `mockserver run` sets it to
    # --threads. A request that finds none free waits this long for one (as many may wait), then gets 503.
    "BODY_READERS": 8,
    "BODY_WAIT_SECONDS": 1.0,
    # Answer what the real vendor would silently ignore (unknown parameters, ...) with a 400.
    "STRICT": False,
    # Where state, rules, journal and clock live: "memory" (this process), or "redis://host:port/db",
    # shared by every process using that Redis and prefix (see docs/redis-store.md).
    "STORE": "memory",
    "STORE_PREFIX": "mockserver",
    # The port HTTPS is served on (`mockserver run --tls`), or None: then a vendor call over plain HTTP is
    # journaled with a warning (the vendors accept HTTPS only), and refused in strict mode.
    "HTTPS_PORT": None,
    # Behind a proxy: links follow X-Forwarded-Proto/-Host/-Port or Forwarded (else those are ignored).
    "FORWARDED": False,
    # Redis store: a world's log of writes is compacted into a snapshot of its state every this many writes
    # (0: only by a reset); worlds of more than 100,000 registrations are not.
    "LOG_SNAPSHOT_EVERY": 1000,
    # Webhooks (docs/webhooks.md): seconds after a failed delivery attempt before each retry, in turn;
    # seconds a subscriber has to answer a 2xx; seconds `POST /__admin/webhooks/flush` waits at most.
    "WEBHOOK_RETRIES": [1, 5, 25],
    "WEBHOOK_TIMEOUT": 5.0,
    "WEBHOOK_FLUSH_SECONDS": 60.0,
}

# Settings of `mockserver run` that concern the server rather than the app.
SERVER_DEFAULTS: dict[str, Any] = {
    "HOST": "127.0.0.1",
    "PORT": 8080,
    "HTTPS_PORT": 8443,
    "THREADS": 8,
    # HTTP/1.1 only; "2" or "auto" serve HTTP/2 (cleartext, by prior knowledge) when asked for.
    "HTTP": "1",
    "LOG_FORMAT": "text",
}

# Settings that must be whole numbers, and the least each may be (a journal of 0 entries keeps nothing; with
# 0 sessions, every session would be ended as soon as it was made, losing its writes).
WHOLE_NUMBERS: dict[str, int] = {
    "JOURNAL_SIZE": 1,
    "SESSIONS_MAX": 1,
    "MAX_CONTENT_LENGTH": 1,
    "LOG_SNAPSHOT_EVERY": 0,
    "BODY_READERS": 1,
    "JOURNAL_BYTES": 0,
    "JOURNAL_TOTAL_BYTES": 0,
}


class SettingError(ValueError):
    """A setting (`MOCKSERVER_<NAME>` or the mapping given to `create_app`) that cannot be used."""


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse, before anything starts, a setting a request would otherwise trip on later."""
    for name, least in WHOLE_NUMBERS.items():
        value = config.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SettingError(f"MOCKSERVER_{name} must be a whole number from {least} up, not {value!r}")
    retries = config.get("WEBHOOK_RETRIES", [])
    if not isinstance(retries, list | tuple) or not all(_seconds(delay) for delay in retries):
        raise SettingError(f"MOCKSERVER_WEBHOOK_RETRIES must be a list of seconds from 0 up, not {retries!r}")
    for name in ("SESSION_TTL", "BODY_WAIT_SECONDS", "WEBHOOK_TIMEOUT", "WEBHOOK_FLUSH_SECONDS"):
        seconds: Any = config.get(name)
        if (
            not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or not 0 <= seconds < float("inf")
        ):
            raise SettingError(f"MOCKSERVER_{name} must be a number of seconds from 0 up, not {seconds!r}")


def _seconds(value: Any) -> bool:
    """Whether `value` is a number of seconds from 0 up."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < float("inf")
