"""`python -m benchmarks`: every measurement in one run on loopback, then the report (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks import servers
from benchmarks.inprocess import MAX_SECONDS_PER_QUERY
from benchmarks.load import CONNECTIONS, Background, Request, WrkResult, run_wrk
from benchmarks.report import Check, Report, Target, machine, number, quantity, ratio, table
from benchmarks.servers import AUTH, CANDIDATES, Memory, Server, fetch
from mockserver.app import create_app
from mockserver.config import DEFAULTS, SERVER_DEFAULTS
from mockserver.rules.journal import BODY_LIMIT

ROOT = servers.ROOT
DOCS = ROOT / "docs" / "benchmarks.md"
CACHE = ROOT / "benchmarks" / ".cache"
PEERS = ROOT / "benchmarks" / "peers"
CONTRACT = ROOT / "contracts" / "digitalchalk.yaml"

DC_LIST = "/dc/api/v5/registrations"
FF_POST = "/apis/registrations/profiles/507f1f77bcf86cd799439011/registrations"
JSON = {"Content-Type": "application/json"}
FF_HEADERS = {"FF-Auth": "bench", "X-API-Version": "2025-05-07", "Content-Type": "application/json"}
# Two items of the default fixtures that succeed every time (the second post of a unit updates it).
FF_ITEMS = (
    {
        "unit_id": "6385baad976a7719120008e3",
        "context_id": "6385baad976a7719120008ca",
        "grade_state_name": "pass",
        "grades": [{"name": "final", "value": "80", "published": True}],
    },
    {"unit_id": "6385baa7976a7719120005dc", "context_id": "6385bcf1976a77191200ba5d"},
)
THREADS = SERVER_DEFAULTS["THREADS"]
SEED = 1
SLOW_MS = 1000  # the latency rule's
HELD = THREADS // 2  # requests held by it at once
SESSION = "X-Mockserver-Session"
LOAD_COLUMNS = ("req/s", "p50", "p99")
REDIS_WORKERS = 4
LARGE_BODY = 10_000_000  # under MAX_CONTENT_LENGTH (10 MiB)
LARGE_BODY_WARMUP = 3  # posts before the first reading: the server's buffers for a large body, made once
MIB = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """How long and how large: the full run, or the smoke run that only shows the pipeline works."""

    smoke: bool
    seconds: int  # of each load
    warmup: int  # seconds of load, unmeasured, before each
    registrations: int  # of the large fixtures
    startups: int  # of the default fixtures, the median reported
    query_repeats: int
    ff_items: tuple[int, ...]  # items of each FullFabric post
    rule_counts: tuple[int, ...]
    thread_variants: tuple[int, ...]  # of granian, beside THREADS
    journal_posts: int  # of 10 MB each, after the warm-up's
    session_registrations: int  # of the fixtures sessions are made on
    sessions: int


FULL = Plan(
    smoke=False,
    seconds=10,
    warmup=2,
    registrations=1_000_000,
    startups=5,
    query_repeats=300,
    ff_items=(1, 10, 100),
    rule_counts=(10, 1000),
    thread_variants=(2, 32),
    journal_posts=40,
    session_registrations=100_000,
    sessions=50,
)
SMOKE = Plan(
    smoke=True,
    seconds=1,
    warmup=0,
    registrations=2_000,
    startups=1,
    query_repeats=20,
    ff_items=(1, 100),
    rule_counts=(10,),
    thread_variants=(),
    journal_posts=4,
    session_registrations=2_000,
    sessions=50,
)

_started = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f} s] {message}", file=sys.stderr, flush=True)


def load_row(what: str, result: WrkResult, baseline: WrkResult | None) -> list[str]:
    """`what`, req/s, p50, p99, and the req/s ratio to `baseline` (None: this is the baseline)."""
    figures = [
        number(result.requests_per_second),
        quantity(result.p50_ms, "ms"),
        quantity(result.p99_ms, "ms"),
    ]
    share = ratio(result.requests_per_second, baseline.requests_per_second) if baseline else "baseline"
    return [what, *figures, share]


@dataclass(frozen=True)
class Served:
    """A server's DigitalChalk list under load; its startup, and its memory before and after the load."""

    name: str
    load: WrkResult
    body: bytes
    startup_seconds: float
    started: Memory
    loaded: Memory

    def row(self, baseline: Served | None) -> list[str]:
        memory = [quantity(self.loaded.peak_rss, "MiB"), quantity(self.loaded.pss, "MiB")]
        return [
            *load_row(self.name, self.load, baseline.load if baseline else None),
            number(len(self.body)),
            *memory,
        ]


LIST_COLUMNS = (*LOAD_COLUMNS, "req/s ratio to {}", "body bytes", "peak RSS", "PSS")


class Bench:
    """The run: its plan, and the report it fills in."""

    def __init__(self, plan: Plan, report: Report) -> None:
        self.plan = plan
        self.report = report
        self.mock_list: WrkResult | None = None  # the plain list of the DigitalChalk section, for the costs'

    def measure(self, what: str, request: Request, connections: int = CONNECTIONS) -> WrkResult:
        if self.plan.warmup:
            run_wrk(request, self.plan.warmup, connections)
        result = run_wrk(request, self.plan.seconds, connections)
        log(
            f"{what}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
            f"p99 {result.p99_ms:.2f} ms"
        )
        return result

    def check(self, what: str, target: Target, value: float | None, note: str = "") -> None:
        self.report.checks.append(Check(what, target, value, note))

    def list_load(self, server: Server) -> Served:
        """Load the DigitalChalk list of `server`, which is running."""
        started = server.memory()
        body = fetch("GET", server.url(DC_LIST))
        load = self.measure(server.name, Request(server.url(DC_LIST), headers=AUTH))
        return Served(server.name, load, body, server.startup_seconds, started, server.memory())

    def candidates(self, body_file: Path) -> Served:
        """Bare Flask on each candidate server, and on granian with other thread counts; granian's figures."""
        served: dict[str, Served] = {}
        missing: list[list[str]] = []
        for candidate in CANDIDATES:
            if importlib.util.find_spec(candidate.split()[0]) is None:
                missing.append([candidate, "not installed (pip install -e '.[bench]')", *[""] * 6])
                continue
            with servers.bare(candidate, THREADS, body_file) as server:
                served[candidate] = self.list_load(server)
        bare = served["granian"]
        variants = {THREADS: bare.load}
        for threads in self.plan.thread_variants:
            with servers.bare("granian", threads, body_file) as server:
                variants[threads] = self.measure(
                    f"{server.name}, {threads} threads", Request(server.url(DC_LIST), headers=AUTH)
                )
        speed = {candidate: figures.load.requests_per_second for candidate, figures in served.items()}
        fastest = max(speed, key=speed.__getitem__)
        others = [f"{ratio(speed[fastest], speed[other])} {other}" for other in speed if other != fastest]
        columns = ("server", *LIST_COLUMNS)
        lines = [
            "The bare Flask app (benchmarks/baseline.py) answers the DigitalChalk list's exact bytes; each "
            f"server runs it in one process with a pool of {THREADS} threads. Memory is after the load, of "
            "the server's processes added up: peak RSS counts pages shared by a forked worker twice, PSS "
            "divides them.",
            "",
            *table(
                (*columns[:4], columns[4].format("granian"), *columns[5:]),
                [*(candidate.row(bare) for candidate in served.values()), *missing],
            ),
            "",
            f"**Chosen: {fastest}**, {', '.join(others) or 'the only candidate installed'} in this run. "
            "PRODUCT.md section 7's reference figures, from this kind of machine: 1.7–2.1k req/s on "
            "gunicorn gthread, 1.9–2.9k on waitress, 6–7k on granian.",
        ]
        if len(variants) > 1:
            best = max(variants, key=lambda threads: variants[threads].requests_per_second)
            rows = [
                load_row(f"{threads} threads", variants[threads], bare.load) for threads in sorted(variants)
            ]
            lines += [
                "",
                *table(("granian", *LOAD_COLUMNS, f"req/s ratio to {THREADS} threads"), rows),
                "",
                f"{THREADS} threads (`mockserver run --threads`, default) give "
                f"{ratio(bare.load.requests_per_second, variants[best].requests_per_second)} the "
                f"throughput of the best count measured ({best}); but each request held by a latency rule "
                f"takes one, so the pool must outnumber the requests tests hold at once: {THREADS} leave "
                f"{THREADS - HELD} free with {HELD} held (below).",
            ]
        lines += [
            "",
            "`mockserver run` serves on granian (WSGI) with one worker process, since the state lives in "
            f"that process, and a pool of {THREADS} blocking threads, so that a request held by a latency "
            "rule occupies one thread while the others go on (see below).",
        ]
        self.report.add("Servers: bare Flask on each candidate", lines)
        return bare

    def dc_list(self, bare: Served) -> None:
        """The mock's DigitalChalk list beside bare Flask on the same server, and the peers."""
        with servers.mock() as server:
            mock = self.list_load(server)
            new_each_time = self.measure(
                "mockserver, a new request each time", Request(server.url(DC_LIST), headers=AUTH, hosts=1000)
            )
        self.mock_list = mock.load
        if mock.body != bare.body:
            raise RuntimeError("the mock's DigitalChalk list is not the body the baseline answers")
        peers, note = self.peers()
        columns = ("server", *LIST_COLUMNS)
        through_flask = [
            *load_row("mockserver, a new request each time (through Flask)", new_each_time, bare.load),
            "—",
            "—",
            "—",
        ]
        lines = [
            "`GET /dc/api/v5/registrations` on the default fixtures (the vendor's five registrations), "
            f"`wrk -t1 -c{CONNECTIONS}`; the peers serve the same example from contracts/digitalchalk.yaml. "
            f"Peers: {note}. Memory as above. PRODUCT.md section 7's reference figures: Prism 1.8k req/s, "
            "WireMock 4.2k (p99 56 ms).",
            "",
            "wrk sends the same request again and again. The mock answers a list request it answered before "
            "from the answer it kept (mockserver/digitalchalk/repeat.py), before Flask, still journaling and "
            "logging it, unless a failure rule could fire for it; the bare Flask app goes through Flask "
            "every time. The second row makes every request new to the mock (each names the next of 1,000 "
            "`Host`s, which the body does not depend on), so that each goes through Flask, the view and the "
            "indexes: the cost of a list request the first time.",
            "",
            *table(
                (*columns[:4], columns[4].format("bare Flask"), *columns[5:]),
                [
                    mock.row(bare),
                    through_flask,
                    bare.row(None),
                    *(peer.row(bare) for peer in peers.values()),
                ],
            ),
        ]
        self.report.add("DigitalChalk list", lines)
        self.check(
            "DigitalChalk list, req/s ratio to bare Flask on granian",
            Target(0.8, "×", at_least=True),
            mock.load.requests_per_second / bare.load.requests_per_second,
        )
        self.check(
            "DigitalChalk list, a new request each time (through Flask), req/s ratio to bare Flask",
            Target(0.8, "×", at_least=True),
            new_each_time.requests_per_second / bare.load.requests_per_second,
        )
        wiremock = peers.get("WireMock")
        self.check(
            "DigitalChalk list, req/s ratio to WireMock (same run)",
            Target(1.0, "×", at_least=True),
            mock.load.requests_per_second / wiremock.load.requests_per_second if wiremock else None,
            note,
        )
        self.check(f"DigitalChalk list p99 at {CONNECTIONS} connections", Target(10, "ms"), mock.load.p99_ms)
        self.check(
            "peak RSS after the list's load, default fixtures (both processes, shared pages twice)",
            Target(100, "MiB"),
            mock.loaded.peak_rss,
        )

    def peers(self) -> tuple[dict[str, Served], str]:
        """Prism and WireMock, where `make bench-peers` installed them; a note on what ran."""
        if self.plan.smoke:
            return {}, "not run in smoke mode"
        prism = PEERS / "node_modules" / ".bin" / "prism"
        jars = sorted(PEERS.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
        if not prism.exists() or not jars:
            return {}, "not installed (make bench-peers)"
        if shutil.which("java") is None:
            return {}, "not run: WireMock needs java, which is not on the PATH"
        served: dict[str, Served] = {}
        with tempfile.TemporaryDirectory() as root:
            write_wiremock_mapping(Path(root))
            for server in (servers.prism(prism, CONTRACT), servers.wiremock(jars[-1], Path(root))):
                with server:
                    served[server.name] = self.list_load(server)
        versions = {"Prism": "@stoplight/prism-cli", "WireMock": "wiremock"}
        note = ", ".join(f"{name} {npm_version(package)}" for name, package in versions.items())
        return served, f"{note} from benchmarks/peers, on their default settings"

    def ff_posts(self) -> None:
        """FullFabric posts of 1, 10 and 100 items."""
        sizes = self.plan.ff_items
        largest = max(sizes)
        rows: list[list[str]] = []
        with servers.mock() as server:
            results: dict[int, WrkResult] = {}
            for items in sizes:
                results[items] = self.measure(f"FullFabric post of {items}", ff_request(server, items))
                rows.append(ff_row(f"{items}", results[items], items, results[sizes[0]]))
            alone = ff_request(server, largest)
            single = self.measure(f"FullFabric post of {largest}, one connection", alone, connections=1)
        rows.append(ff_row(f"{largest}, one connection", single, largest, results[sizes[0]]))
        lines = [
            f"`POST …/profiles/{{id}}/registrations` with {', '.join(map(str, sizes))} items of the default "
            f"fixtures (each answered 200), `wrk -t1 -c{CONNECTIONS}`; the last row from one connection, so "
            "its latency is a post's own, with no queue.",
            "",
            *table(("items", *LOAD_COLUMNS, f"req/s ratio to {sizes[0]} item", "items/s"), rows),
        ]
        self.report.add("FullFabric posts", lines)
        what = f"{largest}-item FullFabric post p50"
        self.check(f"{what}, one connection", Target(30, "ms"), single.p50_ms)
        self.check(f"{what}, {CONNECTIONS} connections", Target(30, "ms"), results[largest].p50_ms)

    def https(self) -> None:
        """The list and a 10-item FullFabric post over HTTPS, each beside the same over HTTP on the same
        server (`--tls` serves both ports from one process) and on a server without `--tls`; and the list
        on a new connection each time, where every request over HTTPS pays for a TLS handshake."""
        with (
            tempfile.TemporaryDirectory(prefix="bench-tls-") as tls_dir,
            servers.mock() as alone,
            servers.mock_tls(Path(tls_dir)) as server,
        ):
            lists = [
                fetch("GET", url, ca=server.ca) for url in (server.url(DC_LIST), server.url(DC_LIST, True))
            ]
            if lists[0] != lists[1]:
                raise RuntimeError("the DigitalChalk list over HTTPS is not the one over HTTP")
            close = {**AUTH, "Connection": "close"}
            # Each load three ways: HTTP on a server without --tls, then HTTP and HTTPS on the --tls one.
            ways = ((alone, False), (server, False), (server, True))
            loads = {
                "list": [Request(on.url(DC_LIST, https), headers=AUTH) for on, https in ways],
                "list, a new connection each request": [
                    Request(on.url(DC_LIST, https), headers=close) for on, https in ways
                ],
                "post of 10 items": [ff_request(on, 10, https=https) for on, https in ways],
            }
            rows: list[list[str]] = []
            for what, (http_alone, http_beside, https) in loads.items():
                base = self.measure(f"{what}, HTTP alone", http_alone)
                plain = self.measure(f"{what}, HTTP beside HTTPS", http_beside)
                secure = self.measure(f"{what}, HTTPS", https)
                rows += [
                    [*load_row(f"{what}: HTTP, without --tls", base, None)[:4], "—", "baseline"],
                    [*load_row(f"{what}: HTTP, with --tls", plain, None), ratio_of(plain, base)],
                    [*load_row(f"{what}: HTTPS", secure, plain), ratio_of(secure, base)],
                ]
        lines = [
            "`GET /dc/api/v5/registrations` and a 10-item FullFabric post on the default fixtures "
            f"(in-memory store), each three ways, one after the other, `wrk -t1 -c{CONNECTIONS}`: over HTTP "
            "to a server without `--tls`, then over HTTP and over HTTPS to one `mockserver run --tls` "
            "serving both ports from one process. TLS 1.3 (wrk's OpenSSL and granian's rustls agree on it) "
            "with an EC P-256 certificate from the local CA, which wrk does not verify (the client's work, "
            "not the server's). wrk keeps its connections open, so the list and the post pay for a "
            "handshake once per connection; the second load sends `Connection: close`, so that each "
            "request comes on a new connection, as from a client that keeps none open, and over HTTPS pays "
            "for a handshake each.",
            "",
            *table(
                (
                    "load: scheme",
                    *LOAD_COLUMNS,
                    "req/s ratio to HTTP, same server",
                    "req/s ratio to HTTP alone",
                ),
                rows,
            ),
        ]
        self.report.add("HTTPS beside HTTP", lines)

    def costs(self) -> None:
        """The list with a journal of one entry, in a session, with rules that never match; then held."""
        with servers.mock(env={"MOCKSERVER_JOURNAL_SIZE": "1"}) as server:
            small_journal = self.measure("journal of 1", Request(server.url(DC_LIST), headers=AUTH))
        with servers.mock() as server:
            list_request = Request(server.url(DC_LIST), headers=AUTH)
            plain = self.measure("plain list", list_request)
            rows = [
                load_row("plain list (journal of 10,000, no session, no rules)", plain, None),
                load_row("journal of 1 entry (MOCKSERVER_JOURNAL_SIZE=1)", small_journal, plain),
            ]
            in_session = Request(list_request.url, headers={**AUTH, SESSION: "bench"})
            rows.append(load_row(f"in one session ({SESSION})", self.measure("session", in_session), plain))
            added = 0
            for count in self.plan.rule_counts:
                for index in range(added, count):
                    rule = {
                        "name": f"never-{index}",
                        "api": "digitalchalk",
                        "match": {"path": f"/dc/api/v5/never-{index}"},
                        "respond": {"status": 503},
                    }
                    fetch("POST", server.url("/__admin/failures"), json.dumps(rule).encode(), JSON)
                added = count
                result = self.measure(f"{count} rules", list_request)
                rows.append(load_row(f"{count:,} failure rules, none matching", result, plain))
            lines = [
                "The DigitalChalk list with one feature at a time, beside the plain list on the same server "
                "(the journal of 1 on a server of its own). Every rule is checked against every request: "
                "these are for the list's API but another path.",
                "",
                *table(("list", *LOAD_COLUMNS, "req/s ratio to the plain list"), rows),
            ]
            if self.mock_list:
                lines += [
                    "",
                    "The same plain list on the fresh server of the DigitalChalk section: "
                    f"{number(self.mock_list.requests_per_second)} req/s, "
                    f"{ratio(self.mock_list.requests_per_second, plain.requests_per_second)} this one: two "
                    "measurements of the same thing differ by that much in this run.",
                ]
            self.report.add("Cost of the journal, failure rules and sessions", lines)
            fetch("DELETE", server.url("/__admin/failures"))
            self.latency_rule(server, plain)

    def latency_rule(self, server: Server, plain: WrkResult) -> None:
        """The list while requests of a session are held by a latency rule."""
        list_request = Request(server.url(DC_LIST), headers=AUTH)
        slow_headers = {SESSION: "slow"}
        rule = {"name": "slow", "api": "digitalchalk", "latency_ms": SLOW_MS}
        fetch("POST", server.url("/__admin/failures"), json.dumps(rule).encode(), {**JSON, **slow_headers})
        held = Background(Request(list_request.url, headers={**AUTH, **slow_headers}), connections=HELD)
        time.sleep(0.2)  # until they are in flight
        try:
            during = self.measure(f"list while {HELD} requests are held", list_request)
        finally:
            slow = held.stop()
        if slow.p50_ms < SLOW_MS:
            raise RuntimeError(f"the latency rule did not hold its requests (p50 {slow.p50_ms} ms)")
        rows = [
            [*load_row("list alone", plain, None), quantity(plain.max_ms, "ms")],
            [*load_row(f"list, {HELD} requests held", during, plain), quantity(during.max_ms, "ms")],
            [*load_row("the held requests", slow, None)[:4], "—", quantity(slow.max_ms, "ms")],
        ]
        lines = [
            f"On the same server, its rules removed: a rule `latency_ms: {SLOW_MS}` in one session holds "
            f"{HELD} of the {THREADS} threads at all times (wrk, {HELD} connections in that session) while "
            "another wrk loads the list outside it.",
            "",
            *table(("", *LOAD_COLUMNS, "req/s ratio to the list alone", "slowest"), rows),
        ]
        self.report.add("A request held by a latency rule", lines)
        self.check(
            f"slowest list answer while {HELD} requests are held {SLOW_MS} ms (none waits for them)",
            Target(SLOW_MS, "ms"),
            during.max_ms,
        )

    def redis_store(self) -> None:
        """The list and a FullFabric post on the Redis store, with 1 and 4 workers, beside the in-memory
        store; and what each world's log and journal hold in Redis after the posts."""
        import redis  # only here: the rest of the benchmark does not need it

        rows: list[list[str]] = []
        held: list[list[str]] = []
        baselines: dict[str, WrkResult] = {}
        with servers.redis_server() as url:
            client = redis.Redis.from_url(url)
            for name, args in (
                ("in memory, 1 process", ()),
                ("Redis, 1 worker", ("--store", url)),
                (f"Redis, {REDIS_WORKERS} workers", ("--store", url, "--workers", str(REDIS_WORKERS))),
            ):
                prefix = f"bench-{len(rows)}"
                with servers.mock(*args, env={"MOCKSERVER_STORE_PREFIX": prefix}) as server:
                    loads = {
                        "list": Request(server.url(DC_LIST), headers=AUTH),
                        "list, new each time": Request(server.url(DC_LIST), headers=AUTH, hosts=1000),
                        "post of 10 items": ff_request(server, 10),
                    }
                    for what, request in loads.items():
                        result = self.measure(f"{name}: {what}", request)
                        baseline = baselines.setdefault(what, result)
                        rows.append(
                            load_row(f"{what}: {name}", result, None if result is baseline else baseline)
                        )
                if args:
                    world = f"{prefix}:default"
                    base, kept = int(client.get(f"{world}:log:base") or 0), client.llen(f"{world}:log")
                    held.append(
                        [
                            name,
                            number(base + kept),
                            number(kept),
                            quantity(kibibytes(client, f"{world}:log"), "KiB"),
                            quantity(kibibytes(client, f"{world}:snapshot"), "KiB"),
                            number(client.llen(f"{world}:journal")),
                            quantity(kibibytes(client, f"{world}:journal") / 1024, "MiB"),
                        ]
                    )
            used = client.info("memory")["used_memory"] / 1024**2
        loads_first = ("list:", "list, new each time:", "post of 10 items:")
        rows.sort(key=lambda row: next(n for n, load in enumerate(loads_first) if row[0].startswith(load)))
        lines = [
            "`mockserver run --store redis://…` on a redis-server of its own on the same machine, with 1 and "
            f"{REDIS_WORKERS} worker processes, beside the in-memory store (each on a fresh server, "
            f"`wrk -t1 -c{CONNECTIONS}`). With Redis every request asks it whether other processes wrote "
            "(one round trip) and appends its journal entry there (a second); a write is appended to the "
            "world's operation log (a third) and applied by every process. The machine has 2 cores for wrk, "
            "Redis and the workers together.",
            "",
            *table(("load: store", *LOAD_COLUMNS, "req/s ratio to in memory"), rows),
            "",
            "What each Redis world held afterwards (`MEMORY USAGE`): the writes since the last compaction "
            "in its log, the state they made in its snapshot (the log is compacted every 1,000 writes, "
            "`MOCKSERVER_LOG_SNAPSHOT_EVERY`), and the journal's newest 10,000 entries, each with the "
            f"request's and the response's bodies. Redis used {quantity(used, 'MiB')} in all.",
            "",
            *table(("store", "writes", "in the log", "log", "snapshot", "journal entries", "journal"), held),
        ]
        self.report.add("Redis store", lines)

    def journal_memory(self, fixtures: Path) -> None:
        """A real server's RSS before and after posts of 10 MB, against the journal's bounds in bytes; what
        a read-only session costs on `fixtures`, on each store."""
        posts = self.plan.journal_posts
        with servers.mock() as server:
            url = server.url(DC_LIST)
            for _ in range(LARGE_BODY_WARMUP):
                refused_post(url, LARGE_BODY)
            before = server.memory()
            started = time.monotonic()
            for _ in range(posts):
                refused_post(url, LARGE_BODY)
            seconds = time.monotonic() - started
            after = server.memory()
            entries = json.loads(fetch("GET", server.url("/__admin/requests")))
        kept = len(entries)
        if kept != LARGE_BODY_WARMUP + posts:
            raise RuntimeError(f"the journal kept {kept} of {LARGE_BODY_WARMUP + posts} posts")
        if not entries[-1]["body"].startswith("x" * BODY_LIMIT):
            raise RuntimeError("the journal did not keep the start of the last post's body")
        rise = after.rss - before.rss
        world_bound = DEFAULTS["JOURNAL_BYTES"] / MIB
        total_bound = DEFAULTS["JOURNAL_TOTAL_BYTES"] / MIB
        log(
            f"{posts} posts of {LARGE_BODY / 1e6:.0f} MB in {seconds:.1f} s: RSS {before.rss:.1f} MiB → "
            f"{after.rss:.1f} MiB ({rise:+.1f} MiB)"
        )
        sessions: dict[str, dict[str, Any]] = {}
        with servers.redis_server() as redis_url:
            for store, args in (("in memory", []), ("Redis", ["--store", redis_url])):
                argv = [sys.executable, "-m", "benchmarks.sessions", str(fixtures)]
                argv += ["--sessions", str(self.plan.sessions), *args]
                done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
                if done.returncode:
                    raise RuntimeError(f"benchmarks.sessions exited with {done.returncode}:\n{done.stderr}")
                sessions[store] = json.loads(done.stdout.splitlines()[-1])
                if not sessions[store]["shared"]:
                    raise RuntimeError(f"a read-only session ({store}) does not share the fixtures' state")
                log(
                    f"a read-only session, {store}: {sessions[store]['kib_per_session']:.1f} KiB, "
                    f"{sessions[store]['cpu_ms_per_session']:.3f} ms of CPU"
                )
        size = f"{self.plan.session_registrations:,} registrations"
        rows = [
            [
                f"RSS of the server and its worker, {posts} posts of {LARGE_BODY / 1e6:.0f} MB",
                f"{quantity(before.rss, 'MiB')} → {quantity(after.rss, 'MiB')} "
                f"({'+' if rise >= 0 else '−'}{quantity(abs(rise), 'MiB')})",
            ],
            [
                "the rise, against the journal's bound",
                f"{quantity(100 * rise / world_bound, '%')} of {quantity(world_bound, 'MiB')} per world "
                f"(`MOCKSERVER_JOURNAL_BYTES`), {quantity(100 * rise / total_bound, '%')} of "
                f"{quantity(total_bound, 'MiB')} per process (`MOCKSERVER_JOURNAL_TOTAL_BYTES`)",
            ],
            [
                "a read-only session, memory",
                f"{quantity(sessions['in memory']['kib_per_session'], 'KiB')} "
                f"({quantity(sessions['Redis']['kib_per_session'], 'KiB')} on the Redis store)",
            ],
            [
                "a read-only session, CPU to make",
                f"{quantity(sessions['in memory']['cpu_ms_per_session'], 'ms')} "
                f"({quantity(sessions['Redis']['cpu_ms_per_session'], 'ms')} on the Redis store)",
            ],
        ]
        lines = [
            f"A real `mockserver run` (default fixtures, in-memory store): {LARGE_BODY_WARMUP} posts of "
            f"{LARGE_BODY / 1e6:.0f} MB to `POST {DC_LIST}` without a token (a journaled `401`), then "
            "the RSS of the server and its worker (`VmRSS`, `/proc/<pid>/status`) before and after "
            f"{posts} more (the journal kept all {kept}, each body cut to {BODY_LIMIT // 1024} KiB); the "
            "same check is `tests/admin/test_journal_memory.py::"
            "test_forty_posts_of_ten_megabytes_raise_rss_by_less_than_the_journal_bound`. Sessions: "
            f"{self.plan.sessions} made on fixtures of {size} (`mockserver fixtures generate --seed "
            f"{SEED}`), in a process of their own (benchmarks/sessions.py): the memory each holds "
            f"(`tracemalloc`) and the CPU time to make one (another {self.plan.sessions}), on the in-memory "
            "store and on a redis-server of its own (besides the session's keys in Redis).",
            "",
            *table(("", "this run"), rows),
            "",
            "Before the journal was bounded in bytes and sessions shared the fixtures' state (a06042a), the "
            "same measurement, made by hand on 2026-12-02 on this machine, gave: 40 posts of 10 MB raised "
            "RSS from 136 MiB to 518 MiB (+382 MiB; the journal then kept 10,000 entries of up to 10 MiB "
            "each, with no bound in bytes); a read-only session on 100,000 registrations held 3,040 KiB and "
            "took 112 ms of CPU to make.",
        ]
        self.report.add("Journal and session memory", lines)

    def startup(self, bare: Served, large: Path) -> None:
        """`mockserver run` to its first healthy answer, on the default fixtures and on the large ones."""
        times = []
        for _ in range(self.plan.startups):
            with servers.mock() as server:
                times.append(server.startup_seconds)
                default_memory = server.memory()
            log(f"startup: {times[-1]:.3f} s")
        default = statistics.median(times)
        size = f"{self.plan.registrations:,} registrations"
        with servers.mock("--fixtures", str(large), timeout=900) as server:
            large_memory = server.memory()
            seconds = server.startup_seconds
        log(f"startup, {size}: {seconds:.1f} s")
        rows: list[tuple[str, float, Memory]] = [
            ("bare Flask on granian", bare.startup_seconds, bare.started),
            ("mockserver, default fixtures", default, default_memory),
            (f"mockserver, {size}", seconds, large_memory),
        ]
        lines = [
            "From starting the process to the first 200 of its health check (polled every 5 ms); the "
            f"default fixtures' figure is the median of {self.plan.startups}. Memory just after, as above.",
            "",
            *table(
                ("server", "startup", "ratio to bare Flask", "peak RSS", "PSS"),
                [
                    [name, quantity(time_, "s"), ratio(time_, bare.startup_seconds)]
                    + [quantity(memory.peak_rss, "MiB"), quantity(memory.pss, "MiB")]
                    for name, time_, memory in rows
                ],
            ),
        ]
        self.report.add("Startup", lines)
        self.check("startup to healthy, default fixtures", Target(0.5, "s"), default)

    def large(self, fixtures: Path) -> None:
        """Load time, peak RSS and filtered queries at the large size, in a process of its own."""
        argv = [sys.executable, "-m", "benchmarks.inprocess", str(fixtures)]
        argv += ["--registrations", str(self.plan.registrations), "--repeats", str(self.plan.query_repeats)]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
        if done.returncode:
            raise RuntimeError(f"benchmarks.inprocess exited with {done.returncode}:\n{done.stderr}")
        figures = json.loads(done.stdout.splitlines()[-1])
        queries = figures["queries"]
        size = f"{self.plan.registrations:,} registrations"
        log(f"{size} in-process: loaded in {figures['load_seconds']:.1f} s")
        baseline = queries["no filter"]["p50_ms"]
        rows = [
            [name, f"`{query['query'] or '(none)'}`", quantity(query["p50_ms"], "ms")]
            + [quantity(query["p99_ms"], "ms"), str(query["samples"]), str(query["results"])]
            + [ratio(query["p50_ms"], baseline) if name != "no filter" else "baseline"]
            for name, query in queries.items()
        ]
        lines = [
            f"`create_app` on {size} made by `mockserver fixtures generate --seed {SEED}`, timed, in a "
            "process of its own; then each query through the Flask test client up to "
            f"{self.plan.query_repeats} times (at most {MAX_SECONDS_PER_QUERY} s each), with the values "
            "of a registration that exists. Each request names a `Host` of its own, so that the mock has "
            "not answered it before: the figures are the indexes', not a kept answer's.",
            "",
            f"- load: {quantity(figures['load_seconds'], 's')}",
            f"- peak RSS: {quantity(figures['peak_rss_mib'], 'MiB')}",
            "",
            *table(("filter", "query", "p50", "p99", "samples", "results", "p50 ratio to no filter"), rows),
        ]
        self.report.add(f"{size}, in-process", lines)
        self.check(f"load of {size}", Target(15, "s"), figures["load_seconds"])
        self.check(f"peak RSS with {size}", Target(1500, "MB"), figures["peak_rss_mib"] * 1024**2 / 1e6)
        self.check(f"combined filter p50 at {size}", Target(5, "ms"), queries["combined"]["p50_ms"])


def refused_post(url: str, size: int) -> None:
    """A DigitalChalk post of `size` bytes without a token, which the mock refuses (401) and journals."""
    request = urllib.request.Request(
        url, data=b"x" * size, method="POST", headers={"Content-Type": "text/plain"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 401:
        raise RuntimeError(f"a post of {size:,} bytes without a token answered {status}, not 401")


def kibibytes(client: Any, key: str) -> float:
    """What `key` takes in Redis (0 when there is no such key), in KiB."""
    return (client.memory_usage(key, samples=0) or 0) / 1024


def ratio_of(result: WrkResult, baseline: WrkResult) -> str:
    return ratio(result.requests_per_second, baseline.requests_per_second)


def ff_row(what: str, result: WrkResult, items: int, baseline: WrkResult) -> list[str]:
    """A FullFabric post's row: `load_row`'s, and items per second."""
    row = load_row(what, result, None if result is baseline else baseline)
    return [*row, number(result.requests_per_second * items)]


def ff_request(server: Server, items: int, https: bool = False) -> Request:
    """A post of `items` items (on the HTTPS port: `https`), checked once to answer 200 for each."""
    body = json.dumps({"registrations": [FF_ITEMS[index % 2] for index in range(items)]}).encode()
    url = server.url(FF_POST, https=https)
    outcomes = json.loads(fetch("POST", url, body, FF_HEADERS, ca=server.ca))
    if [outcome["status"] for outcome in outcomes] != [200] * items:
        raise RuntimeError(f"a FullFabric item failed: {outcomes}")
    return Request(url, "POST", body, FF_HEADERS)


def write_wiremock_mapping(root: Path) -> None:
    """A WireMock mapping answering the contract's example of the DigitalChalk list."""
    contract = yaml.safe_load(CONTRACT.read_text())
    answer = contract["paths"][DC_LIST]["get"]["responses"]["200"]["content"]["application/json"]
    mapping = {
        "request": {"method": "GET", "urlPath": DC_LIST},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(answer["examples"]["vendor"]["value"], separators=(",", ":")),
        },
    }
    (root / "mappings").mkdir()
    (root / "mappings" / "dc-list.json").write_text(json.dumps(mapping))


def npm_version(package: str) -> str:
    found: str = json.loads((PEERS / "node_modules" / package / "package.json").read_text())["version"]
    return found


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def list_body() -> bytes:
    """The mock's DigitalChalk list on the default fixtures, as the baseline answers it."""
    response = create_app().test_client().get(DC_LIST, headers=AUTH)
    if response.status_code != 200 or response.content_type != "application/json":
        raise RuntimeError(f"the DigitalChalk list answered {response.status_code} {response.content_type}")
    return response.get_data()


def large_fixtures(registrations: int) -> Path:
    """Generated fixtures of this size, from the cache when an earlier run made them with the same
    generator (its modules' text names the folder: a changed generator makes the files again)."""
    folder = CACHE / f"seed{SEED}-{registrations}-{generator_version()}"
    if not (folder / "digitalchalk.json").is_file():
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        started = time.monotonic()
        command = [sys.executable, "-m", "mockserver", "fixtures", "generate", "--seed", str(SEED)]
        command += ["--registrations", str(registrations), "--out", str(partial)]
        subprocess.run(command, check=True, capture_output=True)
        partial.rename(folder)
        log(f"generated {registrations:,} registrations in {time.monotonic() - started:.1f} s")
    return folder


def generator_version() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "mockserver").rglob("*generate*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def body_file(body: bytes) -> Iterator[Path]:
    with tempfile.NamedTemporaryFile(prefix="dc-list-", suffix=".json") as file:
        file.write(body)
        file.flush()
        yield Path(file.name)


def facts(plan: Plan) -> dict[str, str]:
    """What the figures were measured on, and how."""
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
    servers_used = ", ".join(f"{name} {version(name)}" for name in ("granian", "gunicorn", "waitress"))
    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **machine(),
        "Load average before the run": Path("/proc/loadavg").read_text().split()[0],
        "Servers": f"{servers_used}; Flask {version('flask')}; mockserver {version('mockserver')}",
        "Load": f"{wrk}, `wrk -t1 -c{CONNECTIONS} -d{plan.seconds}s --latency` after {plan.warmup} s of "
        "unmeasured load, on loopback, one run each, wrk and the server sharing the machine's cores",
        "Command": "`python -m benchmarks --smoke` (smoke: figures mean nothing)"
        if plan.smoke
        else "`make bench` (`python -m benchmarks`)",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="1 s loads and small sizes: checks the pipeline")
    parser.add_argument("--out", type=Path, help="where to write the report (default: docs/benchmarks.md)")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    out = args.out or (CACHE / "smoke.md" if plan.smoke else DOCS)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench` installs it (apt-get install wrk)")

    report = Report("Benchmarks", facts(plan))
    bench = Bench(plan, report)
    large = large_fixtures(plan.registrations)
    with body_file(list_body()) as path:
        bare = bench.candidates(path)
    bench.dc_list(bare)
    bench.ff_posts()
    bench.https()
    bench.costs()
    bench.redis_store()
    bench.journal_memory(large_fixtures(plan.session_registrations))
    bench.startup(bare, large)
    bench.large(large)
    wall = time.monotonic() - _started
    report.facts["Wall time"] = f"{wall:.0f} s"
    # Another process busy on the machine during the run shows here, where the figures alone would hide it.
    report.facts["Load average after the run"] = Path("/proc/loadavg").read_text().split()[0]
    report.write(out)
    log(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} in {wall:.0f} s")
    return 0
