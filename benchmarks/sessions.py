"""What a read-only session costs, in a process of its own: the memory and CPU time of making sessions on
generated fixtures (tests/admin/test_session_cost.py measures the memory the same way).

`python -m benchmarks.sessions DIR --sessions N [--store URL]` prints one JSON object: KiB held and
milliseconds of CPU per session, and the seconds the fixtures took to load."""

from __future__ import annotations

import argparse
import gc
import json
import time
import tracemalloc
from pathlib import Path
from typing import Any

from mockserver.app import create_app

DC_LIST = "/dc/api/v5/registrations"
AUTH = {"Authorization": "Bearer bench"}
SESSION = "X-Mockserver-Session"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("fixtures", type=Path)
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--store", help="a redis:// URL (default: the in-memory store)")
    parser.add_argument("--prefix", default="bench-sessions", help="of the keys in Redis")
    args = parser.parse_args()

    config: dict[str, Any] = {"FIXTURES": str(args.fixtures)}
    if args.store:
        config |= {"STORE": args.store, "STORE_PREFIX": args.prefix}
    started = time.perf_counter()
    app = create_app(config)
    load_seconds = time.perf_counter() - started
    store = app.extensions["mockserver"]
    base = store.settings.base
    # The first session pays for imports and the views' caches.
    response = app.test_client().get(f"{DC_LIST}?limit=1", headers={**AUTH, SESSION: "warm-up"})
    if response.status_code != 200:
        raise SystemExit(f"GET {DC_LIST} in a session answered {response.status_code}")

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(args.sessions):
            store.world(f"held-{number}")
        gc.collect()
        held = (tracemalloc.get_traced_memory()[0] - before) / args.sessions
    finally:
        tracemalloc.stop()

    # CPU time on other sessions, without tracemalloc's cost.
    cpu = time.process_time()
    for number in range(args.sessions):
        store.world(f"timed-{number}")
    cpu_ms = (time.process_time() - cpu) * 1000 / args.sessions

    shared = all(
        store.world(f"held-{number}").state(name) is state
        for number in range(args.sessions)
        for name, state in base.items()
    )
    print(
        json.dumps(
            {
                "load_seconds": load_seconds,
                "sessions": args.sessions,
                "kib_per_session": held / 1024,
                "cpu_ms_per_session": cpu_ms,
                "shared": shared,
            }
        )
    )


if __name__ == "__main__":
    main()
