"""ObjectId-shaped ids carrying their creation time; `--seed` and `--clock` make them reproducible."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.clock import Clock, parse_instant
from mockserver.ids import ObjectIds

from ..conftest import CLASS, COURSE, OTHER_PROFILE, UNIT_ONE_GRADE, UNIT_TWO_GRADES, ff_path, ff_post

ITEMS = [{"unit_id": UNIT_ONE_GRADE, "context_id": COURSE}, {"unit_id": UNIT_TWO_GRADES, "context_id": CLASS}]


def new_ids(settings: dict[str, Any]) -> list[str]:
    """Ids of two new registrations (for a profile with an empty transcript) on a fresh app."""
    client = create_app({"TESTING": True, **settings}).test_client()
    return [outcome["json"]["id"] for outcome in ff_post(client, *ITEMS, profile_id=OTHER_PROFILE).get_json()]


def test_ids_are_object_ids_whose_first_four_bytes_are_created_at() -> None:
    for registration_id in new_ids({"CLOCK": "2024-03-05T09:28:10Z"}):
        assert re.fullmatch(r"[0-9a-f]{24}", registration_id)
        assert int(registration_id[:8], 16) == 1709630890


def test_same_seed_and_clock_give_the_same_ids() -> None:
    settings = {"SEED": 42, "CLOCK": "2024-03-05T09:28:10Z"}
    assert new_ids(settings) == new_ids(settings)


def test_ids_of_one_process_differ_only_in_the_counter() -> None:
    first, second = new_ids({"SEED": 42, "CLOCK": "2024-03-05T09:28:10Z"})
    assert first[:18] == second[:18]
    assert int(second[18:], 16) == int(first[18:], 16) + 1


@pytest.mark.parametrize(
    "settings", [{"SEED": 43, "CLOCK": "2024-03-05T09:28:10Z"}, {"CLOCK": "2024-03-05T09:28:10Z"}]
)
def test_another_seed_or_none_gives_other_ids(settings: dict[str, Any]) -> None:
    assert new_ids(settings) != new_ids({"SEED": 42, "CLOCK": "2024-03-05T09:28:10Z"})


def test_counter_wraps_within_three_bytes() -> None:
    ids = ObjectIds(seed=0)
    ids._counter = 0xFFFFFF
    assert ids.new(0).endswith("000000")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2024-03-05T09:28:10Z", 1709630890),
        ("2024-03-05T09:28:10+00:00", 1709630890),
        ("2024-03-05T10:28:10+01:00", 1709630890),
        ("2024-03-05T09:28:10", 1709630890),  # no zone: UTC
        ("2024-03-05", 1709596800),
    ],
)
def test_clock_instants(text: str, seconds: int) -> None:
    assert Clock(parse_instant(text)).now() == seconds


def test_without_clock_time_is_real() -> None:
    import time

    assert abs(Clock().now() - time.time()) < 2


def test_run_is_reproducible_across_processes(live_server: Any) -> None:
    args = ("--seed", "7", "--clock", "2024-03-05T09:28:10Z")
    bodies = []
    for _ in range(2):
        server = live_server(*args)
        response = httpx.post(
            f"{server.url}{ff_path(OTHER_PROFILE)}", json={"registrations": ITEMS}, headers={"FF-Auth": "t"}
        )
        bodies.append(response.json())
        server.stop()
    assert bodies[0] == bodies[1]
    assert bodies[0][0]["json"]["created_at"] == 1709630890


def test_run_refuses_an_invalid_clock() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "run", "--clock", "yesterday"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Invalid value for '--clock': not an ISO 8601 instant: 'yesterday'" in result.stderr
