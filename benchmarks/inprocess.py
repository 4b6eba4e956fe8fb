"""Large fixtures in a process of their own: load time, peak RSS, filtered queries through the test client,
each a request new to the mock.

`python -m benchmarks.inprocess DIR --registrations N --repeats R` prints one JSON object; it exits
non-zero when a query does not answer 200."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from mockserver.app import create_app
from mockserver.digitalchalk.domain import STATUSES

DC_LIST = "/dc/api/v5/registrations"
AUTH = {"Authorization": "Bearer bench"}
MAX_SECONDS_PER_QUERY = 5


def percentile(samples: list[float], percent: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def queries(sample: dict[str, Any], deep: str, registrations: int) -> dict[str, str]:
    """The filtered queries, with values taken from `sample`, a registration that exists; the deep offset
    on status `deep`, which has registrations that far."""
    status, user, month = sample["status"], sample["userId"], sample["createdDate"][:7]
    year = month[:4]
    return {
        "no filter": "",
        "status": f"status={status}",
        "userId": f"userId={user}",
        "month": f"createdDate={month}",
        "range": f"createdDate=[{year}-01,{month}]",
        "combined": f"status={status}&createdDate={month}&userId={user}",
        "deep offset": f"status={deep}&offset={registrations // 5}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("fixtures", type=Path)
    parser.add_argument("--registrations", type=int, required=True)
    parser.add_argument("--repeats", type=int, required=True)
    args = parser.parse_args()

    started = time.perf_counter()
    app = create_app({"FIXTURES": str(args.fixtures)})
    load_seconds = time.perf_counter() - started
    client = app.test_client()
    sent = itertools.count()

    def get(query: str) -> list[dict[str, Any]]:
        # Each request names a host of its own, so that none is one the mock answered before (which it
        # would answer again from the kept answer, without the query): every figure is the indexes'.
        response = client.get(f"{DC_LIST}?{query}", headers={**AUTH, "Host": f"h{next(sent)}"})
        if response.status_code != 200:
            sys.exit(
                f"GET {DC_LIST}?{query} answered {response.status_code}: {response.get_data(as_text=True)}"
            )
        results: list[dict[str, Any]] = response.get_json()["results"]
        return results

    sample = get(f"limit=1&offset={args.registrations // 2}")[0]
    # One status in four has more than a fifth of the registrations.
    deep = next(
        status for status in STATUSES if get(f"status={status}&limit=1&offset={args.registrations // 5}")
    )
    figures: dict[str, dict[str, Any]] = {}
    for name, query in queries(sample, deep, args.registrations).items():
        timings: list[float] = []
        deadline = time.perf_counter() + MAX_SECONDS_PER_QUERY
        while len(timings) < args.repeats and (len(timings) < 2 or time.perf_counter() < deadline):
            before = time.perf_counter()
            results = get(query)
            timings.append((time.perf_counter() - before) * 1000)
        if not results:
            sys.exit(f"{name} ({query}) found nothing, though a registration matches it")
        figures[name] = {
            "query": query,
            "p50_ms": percentile(timings, 50),
            "p99_ms": percentile(timings, 99),
            "samples": len(timings),
            "results": len(results),
        }
    print(json.dumps({"load_seconds": load_seconds, "peak_rss_mib": peak_rss_mib(), "queries": figures}))


if __name__ == "__main__":
    main()
