"""A JSON fixture file in the generator's layout (a record per line) is read a part at a time, with the
same result as a parse of the whole file; any other file, valid or not, is read whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver.fixtures.load import _LINES_PER_PARSE, _read, _records_by_line

RECORD = '    {"id": "r-%d", "userId": "u-%d", "status": "active"}'


def layout(*collections: tuple[str, list[str]]) -> str:
    """The generator's layout: `{`, then each collection's records a line each, then `}`."""
    parts = []
    for name, lines in collections:
        parts.append(f'  "{name}": []' if not lines else f'  "{name}": [\n' + ",\n".join(lines) + "\n  ]")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def records(count: int) -> list[str]:
    return [RECORD % (number, number % 7) for number in range(count)]


@pytest.mark.parametrize(
    "text",
    [
        layout(("tokens", []), ("registrations", records(3)), ("users", records(1))),
        layout(("registrations", records(_LINES_PER_PARSE * 2 + 1))),  # parts and one record past them
        layout(("registrations", records(_LINES_PER_PARSE))),  # a full part that is the last
        layout(("a", records(2)), ("a", records(1))),  # a name twice: the last list wins, as in JSON
        layout(("tokens", [])),
        layout(("r\\u00e9sum\\u00e9", records(1))),
        '{\n  "nested": [\n    {"a": [1,\n    2], "b": {"c": "]"}}\n  ]\n}\n',  # a value over two lines
        json.dumps({"registrations": [{"id": "r-1"}, {"id": "r-2"}]}, indent=2) + "\n",  # any indent
    ],
    ids=[
        "collections",
        "parts",
        "full-part",
        "name-twice",
        "empty",
        "escaped-name",
        "value-over-lines",
        "indented",
    ],
)
def test_the_layout_reads_as_json_does(tmp_path: Path, text: str) -> None:
    path = tmp_path / "digitalchalk.json"
    path.write_text(text)
    assert _records_by_line(path, {}) == json.loads(text)
    assert _read(path) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        layout(("registrations", records(2))).replace('"active"}\n', '"active"},\n'),  # comma before `]`
        layout(("registrations", records(2))).replace('"active"},\n', '"active"}\n'),  # comma missing
        layout(("registrations", records(2))).replace("\n}\n", "\n}\n{}\n"),  # more after the end
        layout(("registrations", records(2))).replace("  ]\n}", "  ],\n}"),  # comma after the last
        '{\n  "registrations": [\n  ]\n}\n',  # `[` and `]` on lines of their own: not this layout
        json.dumps({"registrations": [{"id": "r-1"}]}),
    ],
    ids=[
        "trailing-comma",
        "missing-comma",
        "trailing-data",
        "comma-after-last",
        "bare-brackets",
        "one-line",
    ],
)
def test_any_other_file_is_read_whole(tmp_path: Path, text: str) -> None:
    path = tmp_path / "digitalchalk.json"
    path.write_text(text)
    assert _records_by_line(path, {}) is None
    try:
        expected: Any = json.loads(text)
    except json.JSONDecodeError:
        expected = None
    if expected is not None:
        assert _read(path) == expected


def test_shared_fields_hold_one_copy_of_each_value(tmp_path: Path) -> None:
    path = tmp_path / "digitalchalk.json"
    path.write_text(layout(("registrations", records(_LINES_PER_PARSE + 5)), ("users", records(3))))
    document = _records_by_line(path, {"registrations": ("userId",)})
    assert document is not None
    same_user = _LINES_PER_PARSE + (7 - _LINES_PER_PARSE % 7) % 7  # in the second part, as user u-0
    first, later = document["registrations"][0], document["registrations"][same_user]
    assert first["userId"] == later["userId"] == "u-0" and first["userId"] is later["userId"]
    assert first["status"] is not later["status"]  # not named: left as parsed
    assert document["users"][0]["userId"] is not first["userId"]  # another collection: not named for it
