"""The journal shows a body's `password` fields as `****`, at any depth, whether it kept JSON or text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mockserver.rules.journal import body_for_journal


def deep(levels: int, inner: Any) -> Any:
    value = inner
    for _ in range(levels):
        value = [{"items": value}]
    return value


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"password": "secret1"}, {"password": "****"}),
        ({"user": {"password": 5, "name": "x"}}, {"user": {"password": "****", "name": "x"}}),
        (deep(300, {"password": "secret1"}), deep(300, {"password": "****"})),
        ({"passwords": ["a"]}, {"passwords": ["a"]}),
    ],
)
def test_json_bodies_hide_passwords(body: Any, shown: Any) -> None:
    data = json.dumps(body).encode()
    assert body_for_journal(data, json.loads(data), is_json=True) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"password": "se\\"cret1", "a": 1}', '{"password": "****", "a": 1}'),
        ('{"password" :"x"', '{"password" :"****"'),
        ("password=secret1", "password=secret1"),  # a form body: not a JSON field
    ],
)
def test_text_bodies_hide_json_password_pairs(text: str, shown: str) -> None:
    assert body_for_journal(text.encode()) == shown
