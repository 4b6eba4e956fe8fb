"""The README's examples, pasted as a user would: each curl command, run against a real server, prints
the JSON shown under it; the fixture example loads.

Comments before an example say how to serve it: `<!-- served with: FLAGS -->`; `<!-- scenario: NAME -->`
(the examples of one scenario share a server, in order); `<!-- abridged -->` (the README shows only some
fields: those must match)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import VENDORS
from mockserver.fixtures.load import load_fixtures

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = list(
    re.finditer(r"(?P<notes>(?:<!-- [^>]* -->\n)*)```(?P<lang>\w*)\n(?P<body>.*?)```", README, re.S)
)


def note(block: re.Match[str], name: str) -> str | None:
    found = re.search(rf"<!-- {name}(?:: (?P<value>[^>]*))? -->", block["notes"])
    return None if found is None else (found["value"] or "").strip()


EXAMPLES = [
    {
        "command": block["body"].strip(),
        "output": following["body"],
        "args": (note(block, "served with") or "").split(),
        "scenario": note(block, "scenario") or f"example-{number}",
        "abridged": note(following, "abridged") is not None,
    }
    for number, (block, following) in enumerate(zip(BLOCKS, BLOCKS[1:], strict=False))
    if block["lang"] == "sh" and block["body"].startswith("curl") and following["lang"] == "json"
]
SCENARIOS = [
    (name, list(examples)) for name, examples in groupby(EXAMPLES, key=lambda example: example["scenario"])
]


def contains(actual: Any, shown: Any) -> bool:
    """Everything the README shows is in `actual` (dicts may hold more keys; lists match item by item)."""
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], shown[key]) for key in shown
        )
    if isinstance(shown, list):
        return isinstance(actual, list) and len(actual) == len(shown) and all(map(contains, actual, shown))
    return actual == shown


def test_the_readme_has_its_examples() -> None:
    assert len(EXAMPLES) >= 20
    assert any(len(examples) > 3 for _, examples in SCENARIOS)


@pytest.mark.parametrize(("name", "examples"), SCENARIOS, ids=[name for name, _ in SCENARIOS])
def test_curl_examples_print_what_the_readme_shows(
    live_server: Any, name: str, examples: list[dict[str, Any]]
) -> None:
    server = live_server(*examples[0]["args"])
    for example in examples:
        result = subprocess.run(
            ["bash", "-c", example["command"].replace("http://127.0.0.1:8080", server.url)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 0, f"{example['command']}\n{result.stderr}"
        actual = json.loads(result.stdout)
        shown = json.loads(example["output"].replace("http://127.0.0.1:8080", server.url))
        if example["abridged"]:
            assert contains(actual, shown), f"{example['command']}\n{json.dumps(actual, indent=1)}"
        else:
            assert actual == shown, example["command"]


def test_fixture_example_loads(tmp_path: Any) -> None:
    example = next(
        block["body"] for block in BLOCKS if block["lang"] == "yaml" and "registrations:" in block["body"]
    )
    (tmp_path / "digitalchalk.yaml").write_text(example)
    fixtures = load_fixtures(tmp_path, VENDORS)
    assert fixtures.data["digitalchalk"]["registrations"][0]["grade"] == 88.5
    assert [token["state"] for token in fixtures.data["digitalchalk"]["tokens"]] == ["active", "revoked"]


def test_pytest_example_passes(pytester: pytest.Pytester) -> None:
    (example,) = [block for block in BLOCKS if note(block, "pytest example") is not None]
    name = example["body"].splitlines()[0].removeprefix("# ")
    pytester.makepyfile(**{name.removesuffix(".py"): example["body"]})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--mockserver-no-warnings", name)
    result.assert_outcomes(passed=2)


def test_verify_example_prints_its_summary(live_server: Any, tmp_path: Path) -> None:
    (example,) = [block for block in BLOCKS if note(block, "verify example") is not None]
    shown = BLOCKS[BLOCKS.index(example) + 1]["body"]
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
