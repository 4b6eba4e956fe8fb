"""The examples of the README and of every docs/ page, pasted as a user would: each curl command, run
against a real server, prints the JSON shown under it; the fixture example loads; the pytest examples
pass; the verify example prints its summary.

Comments before an example say how to serve it: `<!-- served with: FLAGS -->`; `<!-- scenario: NAME -->`
(the examples of one scenario share a server, in order, and stay on one page); `<!-- abridged -->` (the
page shows only some fields: those must match). A `sh` block that starts with `curl` and is followed by
a `json` block is an example; so is one noted `<!-- client example -->` (another client, python, node or
php, run alike; skipped where that program is not installed); write an illustration any other way.

Served with `--tls`, the server serves HTTPS too, with a CA of its own: the page writes its HTTPS port as
8443 (`https://localhost:8443`, `--resolve NAME:8443:…`) and the CA's path as `$(mockserver tls ca)`, and
the test puts the server's in their place. Every command runs with the venv's scripts first on PATH."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import VENDORS
from mockserver.fixtures.load import load_fixtures

from ..conftest import ROOT, LiveServer

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def page_name(page: Path) -> str:
    """`README.md`, or `docs/<page>.md`."""
    return page.relative_to(ROOT).as_posix()


def blocks_of(page: Path) -> list[re.Match[str]]:
    """The fenced blocks of a page, each with the comments right above it."""
    return list(
        re.finditer(
            r"(?P<notes>(?:<!-- [^>]* -->\n)*)```(?P<lang>\w*)\n(?P<body>.*?)```", page.read_text(), re.S
        )
    )


BLOCKS = {page_name(page): blocks_of(page) for page in PAGES}


def note(block: re.Match[str], name: str) -> str | None:
    found = re.search(rf"<!-- {name}(?:: (?P<value>[^>]*))? -->", block["notes"])
    return None if found is None else (found["value"] or "").strip()


def is_example(block: re.Match[str]) -> bool:
    """A `sh` block run by the test: one starting with `curl`, or noted as another client's."""
    return block["lang"] == "sh" and (
        block["body"].startswith("curl") or note(block, "client example") is not None
    )


def examples_of(page: str, blocks: list[re.Match[str]]) -> list[dict[str, Any]]:
    """The examples of one page: a `sh` block starting with `curl` (or noted a client example), then the
    `json` it prints."""
    pairs = [
        (block, following)
        for block, following in zip(blocks, blocks[1:], strict=False)
        if is_example(block) and following["lang"] == "json"
    ]
    return [
        {
            "page": page,
            "command": block["body"].strip(),
            "output": following["body"],
            "args": (note(block, "served with") or "").split(),
            "scenario": note(block, "scenario") or f"example-{number}",
            "named": note(block, "scenario") is not None,
            "abridged": note(following, "abridged") is not None,
        }
        for number, (block, following) in enumerate(pairs, start=1)
    ]


EXAMPLES = [example for page, blocks in BLOCKS.items() for example in examples_of(page, blocks)]
SCENARIOS = [
    (f"{page}:{name}", list(examples))
    for (page, name), examples in groupby(
        EXAMPLES, key=lambda example: (example["page"], example["scenario"])
    )
]


def contains(actual: Any, shown: Any) -> bool:
    """Everything the page shows is in `actual` (dicts may hold more keys; lists match item by item)."""
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], shown[key]) for key in shown
        )
    if isinstance(shown, list):
        return isinstance(actual, list) and len(actual) == len(shown) and all(map(contains, actual, shown))
    return actual == shown


def test_the_pages_have_their_examples() -> None:
    assert len(EXAMPLES) >= 30
    assert any(len(examples) > 3 for _, examples in SCENARIOS)


def test_a_scenario_is_told_on_one_page_in_one_run() -> None:
    """A scenario's examples share a server: they stay together, on one page."""
    named = {(example["page"], example["scenario"]) for example in EXAMPLES if example["named"]}
    pages = Counter(scenario for _, scenario in named)
    assert [scenario for scenario, count in pages.items() if count > 1] == []
    runs = Counter(test_id for test_id, _ in SCENARIOS)
    assert [test_id for test_id, count in runs.items() if count > 1] == []


# How a page calls the CA's path: `mockserver tls ca`, in a command substitution, perhaps by a path.
CA_PATH = re.compile(r"\$\(\s*(?:[\w./-]*/)?mockserver tls ca\s*\)")
HTTPS_PORT = re.compile(r"(?<=:)8443\b")  # the page's HTTPS port, after a host (or in `--resolve`)


def on_server(text: str, server: LiveServer) -> str:
    """`text` (a command, or what it prints) with the page's addresses and CA made the server's."""
    return on(text, server.url, server.https_port, server.ca_bundle)


def on(text: str, url: str, https_port: int | None = None, ca: Path | None = None) -> str:
    text = text.replace("http://127.0.0.1:8080", url)
    if https_port is not None:
        text = CA_PATH.sub(str(ca), text)
        text = HTTPS_PORT.sub(str(https_port), text)
    return text


@pytest.mark.parametrize(
    ("page", "served"),
    [
        (
            """curl -s --cacert "$(mockserver tls ca)" 'https://localhost:8443/dc/api/v5/registrations'""",
            """curl -s --cacert "/t/ca.pem" 'https://localhost:9443/dc/api/v5/registrations'""",
        ),
        (
            "curl --cacert $(.venv/bin/mockserver tls ca) --resolve api.digitalchalk.com:8443:127.0.0.1",
            "curl --cacert /t/ca.pem --resolve api.digitalchalk.com:9443:127.0.0.1",
        ),
        (
            '"message": "…; call https://127.0.0.1:8443/dc/api/v5/registrations", "port": 18443',
            '"message": "…; call https://127.0.0.1:9443/dc/api/v5/registrations", "port": 18443',
        ),
        ("curl -s http://127.0.0.1:8080/__admin/requests", "curl -s http://127.0.0.1:9080/__admin/requests"),
    ],
)
def test_a_pages_addresses_and_ca_become_the_servers(page: str, served: str) -> None:
    assert on(page, "http://127.0.0.1:9080", 9443, Path("/t/ca.pem")) == served


def test_without_https_the_page_keeps_its_https_addresses() -> None:
    page = 'curl --cacert "$(mockserver tls ca)" https://localhost:8443/'
    assert on(page, "http://127.0.0.1:9080") == page


def program(command: str) -> str:
    """The program a command runs: its first word after any `NAME=value` settings."""
    words = shlex.split(command)
    return next(word for word in words if not re.match(r"\w+=", word))


@pytest.mark.parametrize(("name", "examples"), SCENARIOS, ids=[name for name, _ in SCENARIOS])
def test_curl_examples_print_what_the_page_shows(
    live_server: Any, tmp_path: Path, name: str, examples: list[dict[str, Any]]
) -> None:
    for example in examples:
        if shutil.which(program(example["command"])) is None:
            pytest.skip(f"{program(example['command'])} is not installed on this machine")
    args = examples[0]["args"]
    if "--tls" in args:  # `live_server` serves HTTPS on a port of its own, with a CA of this test's
        server = live_server(*(arg for arg in args if arg != "--tls"), tls_dir=tmp_path / "tls")
    else:
        server = live_server(*args)
    scripts = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    for example in examples:
        result = subprocess.run(
            ["bash", "-c", on_server(example["command"], server)],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        assert result.returncode == 0, f"{example['command']}\n{result.stderr}"
        actual = json.loads(result.stdout)
        shown = json.loads(on_server(example["output"], server))
        if example["abridged"]:
            assert contains(actual, shown), f"{example['command']}\n{json.dumps(actual, indent=1)}"
        else:
            assert actual == shown, example["command"]


def noted(name: str) -> list[tuple[str, re.Match[str]]]:
    """Every block, on any page, under `<!-- NAME -->`, with its page."""
    return [
        (page, block) for page, blocks in BLOCKS.items() for block in blocks if note(block, name) is not None
    ]


def test_fixture_example_loads(tmp_path: Any) -> None:
    ((_, example),) = [
        (page, block)
        for page, blocks in BLOCKS.items()
        for block in blocks
        if block["lang"] == "yaml" and "registrations:" in block["body"]
    ]
    (tmp_path / "digitalchalk.yaml").write_text(example["body"])
    fixtures = load_fixtures(tmp_path, VENDORS)
    assert fixtures.data["digitalchalk"]["registrations"][0]["grade"] == 88.5
    assert [token["state"] for token in fixtures.data["digitalchalk"]["tokens"]] == ["active", "revoked"]


PYTEST_EXAMPLES = noted("pytest example")


@pytest.mark.parametrize(
    "example",
    [block for _, block in PYTEST_EXAMPLES],
    ids=[f"{page}:{block['body'].splitlines()[0].removeprefix('# ')}" for page, block in PYTEST_EXAMPLES],
)
def test_pytest_example_passes(pytester: pytest.Pytester, example: re.Match[str]) -> None:
    name = example["body"].splitlines()[0].removeprefix("# ")
    pytester.makepyfile(**{name.removesuffix(".py"): example["body"]})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mockserver-no-warnings", name)
    result.assert_outcomes(passed=len(re.findall(r"^def test_", example["body"], re.M)))


def test_verify_example_prints_its_summary(live_server: Any, tmp_path: Path) -> None:
    ((page, example),) = noted("verify example")
    shown = BLOCKS[page][BLOCKS[page].index(example) + 1]["body"]
    server = live_server()  # the example's `mockserver run &`
    (command,) = [line for line in example["body"].splitlines() if not line.endswith("&")]
    command = command.replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    result = subprocess.run(
        ["bash", "-c", command.replace("http://127.0.0.1:8080", server.url)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,  # where schemathesis leaves its folders
    )
    assert result.returncode == 0, result.stdout[-3000:]
    summary = [line for line in shown.splitlines() if line.startswith("  ")]
    assert summary and all(line in result.stdout.splitlines() for line in summary)
