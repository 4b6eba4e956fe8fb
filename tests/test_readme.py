"""The README's examples, pasted as a user would: each curl command, run against a real server, prints
the JSON shown under it; the fixture example loads."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from mockserver.fixtures import load_fixtures

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = list(
    re.finditer(
        r"(?:<!-- served with: (?P<args>[^>]*) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", README, re.S
    )
)
EXAMPLES = [
    (block["body"].strip(), following["body"], (block["args"] or "").split())
    for block, following in zip(BLOCKS, BLOCKS[1:], strict=False)
    if block["lang"] == "sh" and block["body"].startswith("curl") and following["lang"] == "json"
]


def test_the_readme_has_its_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("command", "output", "args"), EXAMPLES, ids=[c[:90] for c, _, _ in EXAMPLES])
def test_curl_example_prints_what_the_readme_shows(
    live_server: Any, command: str, output: str, args: list[str]
) -> None:
    server = live_server(*args)
    result = subprocess.run(
        ["bash", "-c", command.replace("http://127.0.0.1:8080", server.url)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(output.replace("http://127.0.0.1:8080", server.url))


def test_fixture_example_loads(tmp_path: Any) -> None:
    example = next(block["body"] for block in BLOCKS if block["lang"] == "yaml")
    (tmp_path / "digitalchalk.yaml").write_text(example)
    fixtures = load_fixtures(tmp_path)
    assert fixtures.data["digitalchalk"]["registrations"][0]["grade"] == 88.5
    assert [token["state"] for token in fixtures.data["digitalchalk"]["tokens"]] == ["active", "revoked"]
