"""The benchmark's own logic, with no server: wrk's output parsed, its Lua scripts, the report's wording."""

from __future__ import annotations

import re

import pytest

from benchmarks.load import Request, WrkError, lua_script, lua_string, parse_wrk
from benchmarks.report import Check, Report, Target, number

# Real `wrk --latency` outputs, captured against `mockserver run` on this machine.
MILLISECONDS = """\
Running 3s test @ http://127.0.0.1:18080/dc/api/v5/registrations
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    10.95ms    8.26ms  73.29ms   82.71%
    Req/Sec     1.61k   416.27     2.76k    76.67%
  Latency Distribution
     50%    7.90ms
     75%   14.78ms
     90%   22.36ms
     99%   39.45ms
  4808 requests in 3.01s, 8.45MB read
Requests/sec:   1597.51
Transfer/sec:      2.81MB
"""
# wrk pads seconds with a space: "1.20s ".
SECONDS = "\n".join(
    [
        "Running 3s test @ http://127.0.0.1:18085/dc/api/v5/registrations",
        "  1 threads and 2 connections",
        "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
        "    Latency     1.20s   741.90us   1.20s    75.00%",
        "    Req/Sec     3.67      5.51    10.00     66.67%",
        "  Latency Distribution",
        "     50%    1.20s ",
        "     75%    1.20s ",
        "     90%    1.20s ",
        "     99%    1.20s ",
        "  4 requests in 3.01s, 7.20KB read",
        "Requests/sec:      1.33",
        "Transfer/sec:      2.39KB",
    ]
)
TIMEOUTS = """\
Running 3s test @ http://127.0.0.1:18085/dc/api/v5/registrations
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     1.00      0.00     1.00    100.00%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  4 requests in 3.01s, 7.20KB read
  Socket errors: connect 0, read 0, write 0, timeout 4
Requests/sec:      1.33
Transfer/sec:      2.39KB
"""
NOT_FOUND = """\
Running 2s test @ http://127.0.0.1:18080/dc/api/v5/nothere
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    15.11ms   11.57ms 106.41ms   93.62%
    Req/Sec     1.16k   247.23     1.50k    80.00%
  Latency Distribution
     50%   12.71ms
     75%   17.08ms
     90%   23.19ms
     99%   79.32ms
  2317 requests in 2.00s, 608.67KB read
  Non-2xx or 3xx responses: 2317
Requests/sec:   1156.61
Transfer/sec:    303.84KB
"""


@pytest.mark.parametrize(
    ("output", "figures"),
    [
        (MILLISECONDS, (1597.51, 7.90, 39.45, 73.29, 4808, 0)),
        (SECONDS, (1.33, 1200.0, 1200.0, 1200.0, 4, 0)),
        (TIMEOUTS, (1.33, 0.0, 0.0, 0.0, 4, 4)),
        (NOT_FOUND, (1156.61, 12.71, 79.32, 106.41, 2317, 2317)),
    ],
    ids=["milliseconds", "seconds", "timeouts", "not-found"],
)
def test_wrk_output_gives_throughput_latency_and_errors(output: str, figures: tuple[float, ...]) -> None:
    result = parse_wrk(output)
    rps, p50, p99, slowest, requests, errors = figures
    assert result.requests_per_second == pytest.approx(rps)
    assert result.p50_ms == pytest.approx(p50)
    assert result.p99_ms == pytest.approx(p99)
    assert result.max_ms == pytest.approx(slowest)
    assert (result.requests, result.errors) == (requests, errors)


@pytest.mark.parametrize(
    "output",
    [
        "",
        "unable to connect to 127.0.0.1:1 Connection refused",
        MILLISECONDS.replace("     99%   39.45ms\n", ""),
    ],
    ids=["empty", "connection-refused", "no-p99"],
)
def test_wrk_output_that_does_not_parse_is_an_error(output: str) -> None:
    with pytest.raises(WrkError, match="did not parse"):
        parse_wrk(output)


def unquote(literal: str) -> bytes:
    """What Lua reads from a literal written with `\\ddd` escapes only."""
    assert literal[0] == literal[-1] == '"'
    return re.sub(rb"\\(\d{3})", lambda found: bytes([int(found[1])]), literal[1:-1].encode())


@pytest.mark.parametrize(
    "text",
    ['{"registrations": [{"unit_id": "6385"}]}', 'back\\slash "quotes"\nnew line\ttab', "grade: ü, 🎓", ""],
)
def test_lua_strings_keep_every_byte(text: str) -> None:
    literal = lua_string(text)
    assert unquote(literal) == text.encode()
    assert literal.isascii() and literal.isprintable()
    assert '"' not in literal[1:-1] and "\\\\" not in literal


def test_a_post_script_sets_method_body_and_headers() -> None:
    request = Request(
        "http://127.0.0.1:8080/apis/registrations/profiles/507f1f77bcf86cd799439011/registrations",
        "POST",
        b'{"registrations": []}',
        {"Content-Type": "application/json", "FF-Auth": "bench"},
    )
    assert lua_script(request) == (
        'wrk.method = "POST"\n'
        'wrk.body = "{\\034registrations\\034: []}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["FF-Auth"] = "bench"\n'
    )


def test_a_get_script_sends_no_body() -> None:
    script = lua_script(Request("http://127.0.0.1:8080/dc/api/v5/registrations", headers={"X": "1"}))
    assert script == 'wrk.method = "GET"\nwrk.headers["X"] = "1"\n'


@pytest.mark.parametrize(
    ("target", "value", "verdict"),
    [
        (Target(10, "ms"), 4.2, "met"),
        (Target(10, "ms"), 10, "met"),
        (Target(10, "ms"), 33.2, "missed by 23.2 ms (232% over)"),
        (Target(0.5, "s"), 0.75, "missed by 0.25 s (50% over)"),
        (Target(0.8, "×", at_least=True), 0.85, "met"),
        (Target(0.8, "×", at_least=True), 0.25, "missed by 0.55× (69% short)"),
        (Target(1500, "MB"), 1931.8, "missed by 432 MB (29% over)"),
    ],
)
def test_a_target_is_met_or_missed_by_how_much(target: Target, value: float, verdict: str) -> None:
    assert target.verdict(value) == verdict


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (Target(10, "ms"), "≤ 10 ms"),
        (Target(0.8, "×", at_least=True), "≥ 0.80×"),
        (Target(1500, "MB"), "≤ 1,500 MB"),
    ],
)
def test_a_target_reads_as_its_bound(target: Target, text: str) -> None:
    assert str(target) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(6512.4, "6,512"), (99.98, "100"), (43.21, "43.2"), (9.999, "10.0"), (0.824, "0.82"), (10.0, "10")],
)
def test_figures_have_the_decimals_they_deserve(value: float, text: str) -> None:
    assert number(value) == text


def test_the_report_lists_facts_then_targets_then_sections() -> None:
    report = Report("Benchmarks", {"Date": "2026-11-23 12:00 UTC", "Python": "CPython 3.11.7"})
    report.checks += [
        Check("startup to healthy", Target(0.5, "s"), 0.34),
        Check("list p99", Target(10, "ms"), 33.2),
        Check("ratio to WireMock", Target(1, "×", at_least=True), None, "not installed (make bench-peers)"),
    ]
    report.add("Startup", ["From starting the process to its first healthy answer."])
    assert report.render() == (
        "# Benchmarks\n"
        "\n"
        "- Date: 2026-11-23 12:00 UTC\n"
        "- Python: CPython 3.11.7\n"
        "\n"
        "## Targets (PRODUCT.md section 7)\n"
        "\n"
        "| measured | target | figure | result |\n"
        "|---|---|---|---|\n"
        "| startup to healthy | ≤ 0.50 s | 0.34 s | met |\n"
        "| list p99 | ≤ 10 ms | 33.2 ms | missed by 23.2 ms (232% over) |\n"
        "| ratio to WireMock | ≥ 1× | — | not measured: not installed (make bench-peers) |\n"
        "\n"
        "## Startup\n"
        "\n"
        "From starting the process to its first healthy answer.\n"
    )


def test_a_script_with_hosts_names_the_next_host_in_each_request() -> None:
    script = lua_script(Request("http://127.0.0.1:8080/dc/api/v5/registrations", hosts=3))
    assert script == (
        'wrk.method = "GET"\n'
        "local sent = 0\n"
        "request = function()\n"
        "  wrk.headers['Host'] = 'h' .. (sent % 3)\n"
        "  sent = sent + 1\n"
        "  return wrk.format()\n"
        "end\n"
    )
