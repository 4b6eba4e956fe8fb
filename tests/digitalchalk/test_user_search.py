"""The users list's text filters, found through one joined text per field, match exactly what a scan of
every user would: substrings in any case, within one value, ANDed, and up to date after each write."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mockserver.digitalchalk.users import UserQuery, Users

ALPHABET = "abAB.@\x00İ"  # a separator in a value, and a letter whose lowercase is longer


def user(number: int, rng: random.Random) -> dict[str, Any]:
    def text() -> str:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6)))

    body = {
        "id": f"{number:032x}",
        "firstName": text(),
        "lastName": text(),
        "email": f"{text()}{number}@x.org",
        "createdDate": "2012-01-01T00:00:00Z",
    }
    if rng.random() < 0.5:
        body["username"] = text() + str(number)
    return body


def scanned(users: list[dict[str, Any]], text: dict[str, str]) -> list[str]:
    return [u["id"] for u in users if all(needle in u.get(name, "").lower() for name, needle in text.items())]


@pytest.mark.parametrize("seed", range(5))
def test_a_text_filter_finds_what_a_scan_finds(seed: int) -> None:
    rng = random.Random(seed)
    records = [user(number, rng) for number in range(300)]
    users = Users(records)
    for _ in range(200):
        fields = rng.sample(["firstName", "lastName", "email", "username"], rng.randint(1, 2))
        text = {
            name: "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))).lower() for name in fields
        }
        found = users.query(UserQuery(text=text, limit=1000))
        assert [body["id"] for body in found.results] == scanned(records, text), text
        assert found.total == len(scanned(records, text))


def test_a_write_is_found_at_once() -> None:
    users = Users(
        [
            {
                "id": "1" * 32,
                "firstName": "Ada",
                "lastName": "L",
                "email": "ada@x.org",
                "createdDate": "2012-01-01T00:00:00Z",
            }
        ]
    )
    query = UserQuery(text={"email": "grace"})
    assert users.query(query).total == 0
    users.add(
        {
            "id": "2" * 32,
            "firstName": "Grace",
            "lastName": "H",
            "email": "grace@x.org",
            "createdDate": "2012-01-01T00:00:00Z",
        }
    )
    assert [body["id"] for body in users.query(query).results] == ["2" * 32]
    users.update("1" * 32, {"email": "grace.ada@x.org"})
    assert [body["id"] for body in users.query(query).results] == ["1" * 32, "2" * 32]
    users.delete("2" * 32)
    assert [body["id"] for body in users.query(query).results] == ["1" * 32]
