"""Concurrent writers lose nothing: 8 threads posting FullFabric registrations to a real server at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ..conftest import ff_path

THREADS = 8
UNITS = 25
COURSE = "c" * 24


def object_id(kind: str, number: int) -> str:
    return f"{kind}{number:023x}"


@pytest.fixture
def server(live_server: Any, write_fixtures: Any) -> Any:
    """A real server with a profile per thread and one more, and a course of 25 single-grade units."""
    units = [object_id("a", n) for n in range(UNITS)]
    fixture = {
        "profiles": [{"id": object_id("b", n)} for n in range(THREADS + 1)],
        "courses": [{"id": COURSE, "units": units}],
        "units": [
            {"id": unit, "grades": [{"id": object_id("d", n), "name": "final", "label": "Final"}]}
            for n, unit in enumerate(units)
        ],
        "grade_states": [{"name": "pass", "awarded": True}],
    }
    return live_server("--fixtures", str(write_fixtures(fullfabric=fixture)), "--threads", "8")


def post(client: httpx.Client, profile: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(ff_path(profile), json={"registrations": list(items)})
    assert response.status_code == 200, response.text
    return response.json()


def test_eight_threads_posting_at_once_lose_nothing(server: Any) -> None:
    """Each thread registers every unit for its own profile and for one profile they all share."""
    shared = object_id("b", THREADS)

    def register_every_unit(thread: int) -> tuple[list[str], list[str]]:
        with httpx.Client(base_url=server.url, headers={"FF-Auth": "t"}) as client:
            own, common = [], []
            for n in range(UNITS):
                item = {"unit_id": object_id("a", n), "context_id": COURSE}
                own.append(post(client, object_id("b", thread), item)[0]["json"]["id"])
                common.append(post(client, shared, item)[0]["json"]["id"])
            return own, common

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(register_every_unit, range(THREADS)))

    own_ids = [registration_id for own, _ in results for registration_id in own]
    assert len(set(own_ids)) == THREADS * UNITS
    # Racing to register the same unit for the same profile made one registration, which all saw.
    assert all(common == results[0][1] for _, common in results)
    assert len(set(results[0][1])) == UNITS
    health = httpx.get(f"{server.url}/__admin/health").json()
    assert health["registrations"]["fullfabric"] == THREADS * UNITS + UNITS
    # Every registration is there: posting each again updates it (same id) rather than creating one.
    with httpx.Client(base_url=server.url, headers={"FF-Auth": "t"}) as client:
        items = [{"unit_id": object_id("a", n), "context_id": COURSE} for n in range(UNITS)]
        again = post(client, object_id("b", 3), *items)
    assert [outcome["json"]["id"] for outcome in again] == results[3][0]


def test_one_requests_items_apply_together(server: Any) -> None:
    """Each request writes two units, then reads both back (items without grades): no other request's
    write may land in between, so every request sees its own value in both."""
    profile = object_id("b", 0)
    first, second = object_id("a", 0), object_id("a", 1)

    def write_and_read_both(thread: int) -> list[list[str]]:
        seen = []
        with httpx.Client(base_url=server.url, headers={"FF-Auth": "t"}) as client:
            for attempt in range(20):
                grades = [{"name": "final", "value": f"{thread}-{attempt}"}]
                outcomes = post(
                    client,
                    profile,
                    {"unit_id": first, "context_id": COURSE, "grades": grades},
                    {"unit_id": second, "context_id": COURSE, "grades": grades},
                    {"unit_id": first, "context_id": COURSE},
                    {"unit_id": second, "context_id": COURSE},
                )
                seen.append([outcome["json"]["grades"][0]["value"] for outcome in outcomes])
        return seen

    with ThreadPoolExecutor(THREADS) as pool:
        seen = [
            values
            for thread_values in pool.map(write_and_read_both, range(THREADS))
            for values in thread_values
        ]

    assert len(seen) == THREADS * 20
    assert all(len(set(values)) == 1 for values in seen), [values for values in seen if len(set(values)) > 1]
