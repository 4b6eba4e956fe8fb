"""`mockserver verify`: schemathesis, with every check, runs each contract against a real server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ..conftest import DC_LIST, RedisServer, default_fixture, free_port

MOCKSERVER = Path(sys.executable).with_name("mockserver")
# Servers run with an admin token, so that `ignored_auth` checks the admin API's too.
ADMIN_TOKEN = "contract-admin-token"
TOKENS = ["--fullfabric-token", "contract-token", "--digitalchalk-token", "contract-token"]
# (contract, server modes): strict mode is run where the contract describes it too; FullFabric's
# contract describes the vendor's leniency towards unknown body fields, and strict mode does not
# concern the admin API.
STATEFUL = {"digitalchalk": 8, "fullfabric": 17}  # links each contract declares, at least
# Stateful scenarios, and steps in each, that reach every declared link.
SCENARIOS = {"digitalchalk": 300, "fullfabric": 150}
STEPS = {"digitalchalk": 10, "fullfabric": 20}
# Schemathesis also guesses links from field names (dependency analysis): FullFabric's ids lead from a
# registration to every profile, class and unit operation, and DigitalChalk's `userId` in a
# registration leads to every operation on `/users/{id}`, some 35 guessed links that grow with each
# resource and that no test budget covers. Its `location-headers` inference also reads URLs in bodies: a
# page's `prev` under `/users/{id}/agreements` makes links from that list to itself and to every
# operation below it, which only a page past the first can follow. Each run follows the contract's own
# links only (those from `Location` headers are declared too; strict mode, of the reads only, declares
# none: its links are all inferred). A new user leads to seven operations, and their answers to more:
# longer scenarios, and more of them, reach every link. FullFabric's chains start only at the POSTs that
# schemathesis takes for sure starts (a grade, a role's transcript; the others need ids from earlier
# answers): its links are reached through longer scenarios.
DECLARED_LINKS_ONLY = """\
[phases.stateful]
max-steps = {steps}
[phases.stateful.generation]
max-examples = {scenarios}
[phases.stateful.inference]
algorithms = []
"""

CONTRACTS = [("digitalchalk", ["lenient", "strict"]), ("fullfabric", ["lenient"]), ("admin", ["lenient"])]
# Test cases per operation, kept to what `make test` affords on two cores (the admin API's state bodies
# are slow to make); `make fuzz` sets MOCKSERVER_FUZZ_EXAMPLES to run every contract much longer.
FUZZ = int(os.environ.get("MOCKSERVER_FUZZ_EXAMPLES", "0"))
EXAMPLES = {"digitalchalk": 50, "fullfabric": 50, "admin": 25}
REDIS_EXAMPLES = 15
# The phases that call every operation, and soon: enough for the tests of what verify reports (the
# fuzzing and stateful phases are the contract tests' above).
QUICK = ("--", "--phases", "examples,coverage")


def verify(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`mockserver verify` run from `cwd` (where schemathesis keeps its example database), with none of
    the tester's MOCKSERVER_* settings, which could give it tokens."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MOCKSERVER_")}
    return subprocess.run(
        [str(MOCKSERVER), "verify", *args],
        capture_output=True,
        text=True,
        timeout=3600 if FUZZ else 300,  # `make fuzz`: 1,000 cases of each operation take minutes
        cwd=cwd,
        env=environment,
    )


def summary(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines verify prints after the runs, one per API."""
    lines = result.stdout.splitlines()
    return lines[[index for index, line in enumerate(lines) if line.startswith("mockserver verify ")][-1] :]


@pytest.fixture
def token_fixtures(write_fixtures: Any) -> Path:
    """Default fixtures with listed tokens, so that schemathesis' `ignored_auth` check can pass."""
    tokens = [{"token": "contract-token"}, {"token": "old-token", "state": "revoked"}]
    fixtures = {
        vendor: default_fixture(vendor) | {"tokens": tokens} for vendor in ("fullfabric", "digitalchalk")
    }
    return write_fixtures(**fixtures)


@pytest.mark.parametrize(
    ("contract", "mode"), [(contract, mode) for contract, modes in CONTRACTS for mode in modes]
)
def test_schemathesis_finds_no_failure(
    live_server: Any, token_fixtures: Path, tmp_path: Path, contract: str, mode: str
) -> None:
    server = live_server(
        "--fixtures",
        str(token_fixtures),
        *(["--strict"] if mode == "strict" else []),
        env={"MOCKSERVER_ADMIN_TOKEN": ADMIN_TOKEN},
    )
    if contract in STATEFUL and mode == "lenient":  # read from the folder schemathesis runs in
        config = DECLARED_LINKS_ONLY.format(scenarios=SCENARIOS[contract], steps=STEPS[contract])
        (tmp_path / "schemathesis.toml").write_text(config)
    result = verify(
        server.url,
        *("--api", contract, *TOKENS, "--admin-token", ADMIN_TOKEN),
        *("--seed", "1", "--max-examples", str(FUZZ or EXAMPLES[contract]), "--workers", "1"),
        # Strict mode refuses the unknown body fields the contract allows (the vendor ignores them), so
        # its run is of the reads, where it judges query parameters; the lenient run has every operation.
        *(["--", "--include-method", "GET"] if mode == "strict" else []),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in result.stdout
    if contract in STATEFUL and mode == "lenient":  # create → read → update, through the contract's links
        assert "✅ Stateful" in result.stdout
        covered = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", result.stdout)
        assert covered and covered[1] == covered[2] and int(covered[1]) >= STATEFUL[contract], result.stdout
    assert summary(result) == [f"mockserver verify {server.url}:", f"  {contract:<13} passed"]


def test_schemathesis_finds_no_failure_on_the_redis_store_with_two_workers(
    live_server: Any, token_fixtures: Path, tmp_path: Path, redis_server: RedisServer, redis_prefix: str
) -> None:
    """Every contract, fewer examples, against a server whose worlds are in Redis and whose requests are
    spread over two processes: the contracts hold there too, and nothing reaching Redis makes a 5xx."""
    env = {
        "MOCKSERVER_ADMIN_TOKEN": ADMIN_TOKEN,
        "MOCKSERVER_STORE_PREFIX": redis_prefix.replace("[", "(").replace("]", ")"),
    }
    server = live_server(
        "--fixtures", str(token_fixtures), "--store", redis_server.url, "--workers", "2", env=env
    )
    apis = [option for contract, _ in CONTRACTS for option in ("--api", contract)]
    # The contracts' own links only: links guessed from field names are many, and the runs above cover
    # the contracts; this one is for what Redis and two workers change, which fuzzed writes and their
    # chains reach. So it leaves out the coverage phase too (every boundary value of every schema, run
    # above: on the admin API's state bodies, two thirds of this run).
    (tmp_path / "schemathesis.toml").write_text("[phases.stateful.inference]\nalgorithms = []\n")
    result = verify(
        server.url,
        *(*apis, *TOKENS, "--admin-token", ADMIN_TOKEN),
        *("--seed", "1", "--max-examples", str(FUZZ or REDIS_EXAMPLES), "--workers", "1"),
        *("--", "--phases", "examples,fuzzing,stateful"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert result.stdout.count("✅ Stateful") == len(STATEFUL) + 1  # the admin API has links too
    first, *apis_passed = summary(result)
    assert first == f"mockserver verify {server.url}:"
    assert sorted(apis_passed) == sorted(f"  {contract:<13} passed" for contract, _ in CONTRACTS)


def test_verify_fails_when_the_server_breaks_its_contract(live_server: Any, tmp_path: Path) -> None:
    rules = tmp_path / "failures.yaml"
    teapot = {"name": "teapot", "api": "digitalchalk", "match": {"path": DC_LIST}, "respond": {"status": 418}}
    rules.write_text(yaml.safe_dump({"rules": [teapot]}))
    server = live_server("--failures", str(rules))

    apis = ("--api", "digitalchalk", "--api", "fullfabric")  # run in their own order, FullFabric first
    result = verify(server.url, *apis, "--seed", "1", "--max-examples", "5", *QUICK, cwd=tmp_path)

    assert result.returncode == 1, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Undocumented status code" in result.stdout
    assert "Received: 418" in result.stdout
    # The default tokens pass a default server, which accepts any token and so is not asked to refuse one.
    assert summary(result) == [
        f"mockserver verify {server.url}:",
        "  fullfabric    passed (auth checks skipped: no --fullfabric-token)",
        "  digitalchalk  FAILED (schemathesis exit code 1) (auth checks skipped: no --digitalchalk-token)",
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://127.0.0.1:{port}",
            "mockserver verify cannot reach http://127.0.0.1:{port}: Connection refused",
        ),
        ("127.0.0.1:{port}", "Error: Invalid value for 'BASE_URL': not an http(s) URL: '127.0.0.1:{port}'"),
    ],
)
def test_verify_cannot_run_without_a_server(tmp_path: Path, url: str, message: str) -> None:
    port = free_port()
    result = verify(url.format(port=port), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == message.format(port=port)
    assert result.stdout == ""


def test_verify_over_https_with_the_servers_ca(live_server: Any, tmp_path: Path) -> None:
    server = live_server(tls_dir=tmp_path / "tls")
    light = ("--api", "digitalchalk", "--seed", "1", "--max-examples", "5")

    result = verify(server.https_url, *light, "--ca", str(server.ca_bundle), *QUICK, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert summary(result) == [
        f"mockserver verify {server.https_url}:",
        "  digitalchalk  passed (auth checks skipped: no --digitalchalk-token)",
    ]
    journal = httpx.get(f"{server.url}/__admin/requests").json()
    by_plain_http = [
        entry for entry in journal for warning in entry["warnings"] if warning["parameter"] == "scheme"
    ]
    assert journal and by_plain_http == []

    unverified = verify(server.https_url, *light, *QUICK, cwd=tmp_path)
    assert unverified.returncode == 2
    last = unverified.stderr.splitlines()[-1]
    assert last.startswith(f"mockserver verify cannot reach {server.https_url}: certificate verify failed: ")
    assert last.endswith("; give the CA that signed its certificate with --ca (or MOCKSERVER_CA)")
    assert unverified.stdout == ""


# A case of `POST /registrations` whose ids are valid strings, as the hooks see it.
REGISTRABLE = """
import sys
from types import SimpleNamespace
from mockserver import contract_hooks

schema = SimpleNamespace(get_base_url=lambda: sys.argv[1])
case = SimpleNamespace(operation=SimpleNamespace(schema=schema), headers={"Authorization": "Bearer t"})
body = {"userId": "generated", "offeringId": "generated"}
contract_hooks._registrable(case, body)
print(body["userId"] != "generated")
"""


@pytest.mark.parametrize("ca", [True, False])
def test_the_hooks_requests_verify_the_server_with_the_ca(live_server: Any, tmp_path: Path, ca: bool) -> None:
    """The hooks make a user for a registration through the API itself, over HTTPS trusting MOCKSERVER_CA
    (as `verify --ca` sets it); unverified, they leave the body as generated. In a process of its own:
    importing the hooks registers them with schemathesis for good."""
    server = live_server(tls_dir=tmp_path / "tls", https_only=True)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MOCKSERVER_")}
    if ca:
        environment["MOCKSERVER_CA"] = str(server.ca_bundle)
    done = subprocess.run(
        [sys.executable, "-c", REGISTRABLE, server.https_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert (done.returncode, done.stdout) == (0, f"{ca}\n"), done.stderr


# A case of the unit's PATCH as the hooks see it: names and states the default fixtures' units all know.
GRADABLE = """
import json
from mockserver import contract_hooks

body = {"registrations": [
    {"registration_id": "r", "grade_state_name": "00", "grades": [{"name": "a"}, {"name": "a"}, {"name": 1}]},
    {"profile_id": "p", "grade_state_name": None, "grades": {"name": "a"}},
    "not an item",
]}
contract_hooks._gradable(body)
print(json.dumps(body))
"""


def test_the_hooks_make_fuzzed_unit_grades_known_and_leave_invalid_ones() -> None:
    """In a process of its own: importing the hooks registers them with schemathesis for good."""
    done = subprocess.run([sys.executable, "-c", GRADABLE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "registrations": [
            {"registration_id": "r", "grade_state_name": "pass", "grades": [{"name": "final"}, {"name": 1}]},
            {"profile_id": "p", "grade_state_name": None, "grades": {"name": "a"}},
            "not an item",
        ]
    }
