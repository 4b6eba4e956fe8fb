"""What an operator hands `mockserver run` and `mockserver fixtures check` — fixture and failures files,
`MOCKSERVER_*` settings — is refused at start with one line and exit code 2 (`check`: 1) when it would
otherwise exhaust memory, crash with a traceback, or lose what it says silently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import VENDORS, create_app
from mockserver.config import SettingError
from mockserver.fixtures.load import MAX_DEPTH, FixtureError, load_failures, load_fixtures
from mockserver.resources import data_dir
from mockserver.testing import MockserverProcess, ServerProcess, free_port

MEMORY_LIMIT = 2 << 30  # bytes of address space: a document that expands stops there, not the machine

# A "billion laughs": nine aliases of nine aliases … of "lol", 9**9 strings written out, from 567 bytes.
LAUGHS = (
    "rules:\n  - name: laughs\n    api: any\n    match: {path: /nowhere}\n    respond:\n      status: 503\n"
    "      json:\n        - &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(
        f"        - &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
)
DEEP = 10_000


def mockserver(*args: str, timeout: float = 30) -> tuple[int | None, str, str]:
    """Run `mockserver ARGS` until it exits, in at most MEMORY_LIMIT of memory: its exit code (None: it
    was still running after `timeout`, and was stopped), stdout and stderr."""
    argv = ["prlimit", f"--as={MEMORY_LIMIT}", sys.executable, "-m", "mockserver", *args]
    process = ServerProcess("mockserver", argv, health_url="http://127.0.0.1:1/")
    try:
        process.launch()
        assert process.process is not None
        try:
            code: int | None = process.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        return code, process.stdout, process.stderr
    finally:
        process.close()


def run(*args: str) -> tuple[int | None, str, str]:
    """`mockserver run ARGS` on a free port, until it exits."""
    return mockserver("run", "--port", str(free_port()), *args)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A fixtures folder holding the default fixtures."""
    made = tmp_path / "fixtures"
    made.mkdir()
    for vendor in VENDORS.names:
        (made / f"{vendor}.yaml").write_text((data_dir("fixtures") / f"{vendor}.yaml").read_text())
    return made


def test_a_billion_laughs_is_refused_before_it_expands(folder: Path) -> None:
    """674 bytes of aliases passed `fixtures check`, then filled memory once the rule's body was written."""
    file = folder / "failures.yaml"
    file.write_text(LAUGHS)
    problem = (
        f"{file}: line 13, column 11: its aliases would make it more than 1,000,000 characters long: "
        "write out what they repeat, or repeat less"
    )
    with pytest.raises(FixtureError) as raised:
        load_failures(file, VENDORS)
    assert raised.value.problems == [problem]

    code, out, err = mockserver("fixtures", "check", str(folder))
    assert (code, out, err.splitlines()) == (1, "", [problem])
    code, out, err = run("--fixtures", str(folder))
    assert (code, out, err.splitlines()) == (2, "", [problem])


def test_aliases_that_repeat_a_little_are_welcome(folder: Path) -> None:
    (folder / "failures.yaml").write_text(
        "rules:\n"
        "  - &slow {name: slow, api: digitalchalk, latency_ms: 10, times: 1}\n"
        "  - <<: *slow\n"
        "    name: slower\n"
        "    latency_ms: 20\n"
    )
    rules = load_failures(folder / "failures.yaml", VENDORS)
    assert [(rule["name"], rule["latency_ms"], rule["times"]) for rule in rules] == [
        ("slow", 10, 1),
        ("slower", 20, 1),
    ]


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("digitalchalk.yaml", f"registrations: {nested(DEEP)}\n", "line 1, column 115: "),
        ("digitalchalk.json", f'{{"registrations": {nested(DEEP)}}}', ""),
        (
            "failures.json",
            f'{{"rules": [{{"name": "deep", "respond": {{"status": 503, "json": {nested(DEEP)}}}}}]}}',
            "",
        ),
        ("failures.yaml", f"rules: {nested(DEEP)}\n", "line 1, column 107: "),
    ],
)
def test_a_document_nested_10_000_deep_is_one_line_and_exit_code_2(
    folder: Path, name: str, content: str, where: str
) -> None:
    """Nesting 10,000 deep exhausted Python's stack: a traceback and exit code 1."""
    file = folder / name
    for existing in folder.glob(f"{file.stem}.*"):
        existing.unlink()
    file.write_text(content)
    problem = f"{file}: {where}nested more than {MAX_DEPTH} levels deep"
    failures = ["--failures", str(file)] if file.stem == "failures" else []

    code, out, err = run("--fixtures", str(folder), *failures)
    assert (code, out, err.splitlines()) == (2, "", [problem])
    code, out, err = mockserver("fixtures", "check", str(folder), *failures)
    assert (code, out, err.splitlines()) == (1, "", [problem])


def test_a_rule_body_nested_to_the_limit_loads(tmp_path: Path) -> None:
    body: Any = "deepest"
    for _ in range(MAX_DEPTH - 5):  # the file, rules, the rule, respond and json take five levels
        body = [body]
    for suffix, text in ((".json", json.dumps), (".yaml", json.dumps)):  # JSON is YAML too
        file = tmp_path / f"failures{suffix}"
        file.write_text(
            text({"rules": [{"name": "deep", "api": "any", "respond": {"status": 503, "json": body}}]})
        )
        assert load_failures(file, VENDORS)[0]["respond"]["json"] == body


@pytest.mark.parametrize(
    ("vendor", "text", "problem"),
    [
        (
            "digitalchalk",
            "registrations:\n  - id: r1\n    userId: u1\n    userId: u2\n    offeringId: o1\n"
            "    status: active\n    createdDate: 2012-03-01T06:03:10Z\n",
            "line 4, column 5: duplicate key 'userId' (given first on line 3)",
        ),
        (
            "digitalchalk",
            "registrations: []\ntokens: []\nregistrations: []\n",
            "line 3, column 1: duplicate key 'registrations' (given first on line 1)",
        ),
        (
            "failures",
            "rules:\n  - {name: a, api: any, latency_ms: 5, latency_ms: 5000}\n",
            "line 2, column 40: duplicate key 'latency_ms' (given first on line 2)",
        ),
    ],
)
def test_a_key_given_twice_is_an_error(tmp_path: Path, vendor: str, text: str, problem: str) -> None:
    """YAML keeps the last of two values for one key: the first vanished without a word."""
    file = tmp_path / f"{vendor}.yaml"
    file.write_text(text)
    with pytest.raises(FixtureError) as raised:
        if vendor == "failures":
            load_failures(file, VENDORS)
        else:
            load_fixtures(tmp_path, VENDORS)
    assert raised.value.problems == [f"{file}: {problem}"]


def test_merge_keys_may_be_overridden_without_being_duplicates(tmp_path: Path) -> None:
    (tmp_path / "digitalchalk.yaml").write_text(
        "registrations:\n"
        "  - &first {id: a, userId: u1, offeringId: o1, status: active, createdDate: 2012-03-01T06:03:10Z}\n"
        "  - <<: *first\n"
        "    id: b\n"
        "    status: failed\n"
        "users: [{id: u1, firstName: A, lastName: B, email: a@example.org,\n"
        "         createdDate: 2012-01-01T00:00:00Z}]\n"
        "offerings: [{id: o1, title: Course}]\n"
    )
    registrations = load_fixtures(tmp_path, VENDORS).data["digitalchalk"]["registrations"]
    assert [(r["id"], r["userId"], r["status"]) for r in registrations] == [
        ("a", "u1", "active"),
        ("b", "u1", "failed"),
    ]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "MOCKSERVER_JOURNAL_SIZE",
            "abc",
            "MOCKSERVER_JOURNAL_SIZE must be a whole number from 1 up, not 'abc'",
        ),
        ("MOCKSERVER_JOURNAL_SIZE", "0", "MOCKSERVER_JOURNAL_SIZE must be a whole number from 1 up, not 0"),
        (
            "MOCKSERVER_JOURNAL_SIZE",
            "2.5",
            "MOCKSERVER_JOURNAL_SIZE must be a whole number from 1 up, not 2.5",
        ),
        ("MOCKSERVER_SESSIONS_MAX", "0", "MOCKSERVER_SESSIONS_MAX must be a whole number from 1 up, not 0"),
        (
            "MOCKSERVER_SESSIONS_MAX",
            "true",
            "MOCKSERVER_SESSIONS_MAX must be a whole number from 1 up, not True",
        ),
        (
            "MOCKSERVER_LOG_SNAPSHOT_EVERY",
            "-1",
            "MOCKSERVER_LOG_SNAPSHOT_EVERY must be a whole number from 0 up, not -1",
        ),
        (
            "MOCKSERVER_MAX_CONTENT_LENGTH",
            "big",
            "MOCKSERVER_MAX_CONTENT_LENGTH must be a whole number from 1 up, not 'big'",
        ),
    ],
)
def test_a_setting_that_cannot_be_used_stops_the_start_with_exit_code_2(
    variable: str, value: str, message: str
) -> None:
    """`MOCKSERVER_JOURNAL_SIZE=abc` gave a traceback; `MOCKSERVER_SESSIONS_MAX=0` started a server that
    ended every session as it was made, losing its writes."""
    server = MockserverProcess(env={variable: value})
    try:
        server.launch()
        assert server.process is not None
        try:
            code: int | None = server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        assert (code, server.stderr.splitlines()[-1:]) == (2, [f"Error: {message}"])
        assert "Traceback" not in server.stderr
    finally:
        server.close()


def test_the_factory_refuses_the_same_settings() -> None:
    with pytest.raises(SettingError, match="MOCKSERVER_SESSIONS_MAX must be a whole number from 1 up, not 0"):
        create_app({"TESTING": True, "SESSIONS_MAX": 0})
    with pytest.raises(SettingError, match="MOCKSERVER_SESSION_TTL must be a number of seconds from 0 up"):
        create_app({"TESTING": True, "SESSION_TTL": "soon"})
