"""grade-sync against mockserver: the happy path, paging, and the failures a real vendor has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ADA, BOB, DESIGN_UNIT, MAPPING, STATS_UNIT, registration
from grade_sync import sync

NO_WAIT = {"backoff": 0}


def transcript(mockserver: Any, profile_id: str, unit_id: str) -> dict[str, Any]:
    entries = mockserver.state()["fullfabric"]["transcripts"]
    (entry,) = [e for e in entries if (e["profile_id"], e["unit_id"]) == (profile_id, unit_id)]
    return entry["registration"]


def posted(mockserver: Any) -> list[list[str]]:
    """The unit ids of each FullFabric post, in order."""
    return [
        [item["unit_id"] for item in entry["body"]["registrations"]]
        for entry in mockserver.requests(api="fullfabric", method="POST")
    ]


def test_completed_registrations_become_graded_fullfabric_registrations(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add(
        "digitalchalk",
        "registrations",
        [
            registration(1, "u-ada", "o-stats", "passed", grade=88.5),
            registration(2, "u-bob", "o-design", "failed", grade=0),
            registration(3, "u-ada", "o-design", "active"),
        ],
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)

    assert set(report.synced) == {"r-1", "r-2"} and report.failed == {}
    assert "r-3" not in report.skipped  # active: not finished, so not asked for
    # The vendor's own example registrations belong to users this mapping does not know.
    assert all("has no FullFabric profile" in why for why in report.skipped.values())
    stats = transcript(mockserver, ADA, STATS_UNIT)
    assert (stats["registration_state"], stats["grade_state_name"]) == ("registered", "pass")
    assert [(g["name"], g["value"], g["published"]) for g in stats["grades"]] == [("final", "88.5", True)]
    design = transcript(mockserver, BOB, DESIGN_UNIT)
    assert (design["grade_state_name"], design["grades"][0]["value"]) == ("fail", "0")
    assert posted(mockserver) == [[STATS_UNIT], [DESIGN_UNIT]]  # one post per profile


def test_every_page_is_read(mockserver: Any, digitalchalk: Any, fullfabric: Any) -> None:
    mockserver.add(
        "digitalchalk",
        "registrations",
        [registration(n, "u-ada", "o-stats", "passed", grade=50 + n) for n in range(5)],
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert set(report.synced) == {f"r-{n}" for n in range(5)}
    offsets = [entry["query"].get("offset") for entry in mockserver.requests(api="digitalchalk")]
    assert offsets == [None, "2", "4", "6", None]  # passed: the vendor's 2 and our 5, by 2; then failed: 1


def test_an_item_that_fails_transiently_is_posted_again_alone(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add(
        "digitalchalk",
        "registrations",
        [
            registration(1, "u-ada", "o-stats", "passed", grade=70),
            registration(2, "u-ada", "o-design", "passed", grade=80),
        ],
    )
    mockserver.fail(unit_id=STATS_UNIT, status=503, json={"error": "busy"}, times=1)
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert set(report.synced) == {"r-1", "r-2"}
    assert posted(mockserver) == [[STATS_UNIT, DESIGN_UNIT], [STATS_UNIT]]
    assert [entry["status"] for entry in mockserver.requests(api="fullfabric")] == [207, 200]


def test_an_item_the_vendor_refuses_is_reported_not_retried(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    mockserver.fail(unit_id=STATS_UNIT, status=422, json={"error": "locked", "message": "Grades are locked."})
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert report.failed == {"r-1": "422: {'error': 'locked', 'message': 'Grades are locked.'}"}
    assert report.posts == 1


def test_a_dropped_connection_is_posted_again(mockserver: Any, digitalchalk: Any, fullfabric: Any) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    mockserver.fail(api="fullfabric", method="POST", fault="connection_reset", times=1)
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert list(report.synced) == ["r-1"] and report.posts == 2


def test_a_vendor_that_stays_down_is_reported_after_the_last_attempt(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    mockserver.fail(api="fullfabric", status=503, json={"error": "maintenance"})
    waits: list[float] = []
    report = sync(digitalchalk, fullfabric, MAPPING, attempts=3, backoff=0.5, sleep=waits.append)
    assert list(report.failed) == ["r-1"] and "503" in report.failed["r-1"]
    assert report.posts == 3 and waits == [0.5, 1.0]


def test_only_registrations_ended_since_a_date_are_synced(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add(
        "digitalchalk",
        "registrations",
        [
            registration(1, "u-ada", "o-stats", "passed", grade=70, endDate="2024-02-28T23:59:59Z"),
            registration(2, "u-bob", "o-stats", "passed", grade=75, endDate="2024-03-01T00:00:00Z"),
        ],
    )
    report = sync(digitalchalk, fullfabric, MAPPING, ended_since="2024-03", **NO_WAIT)
    assert list(report.synced) == ["r-2"]
    assert mockserver.requests(api="digitalchalk")[0]["query"]["endDate"] == "[2024-03,]"


def run_cli(mockserver: Any, mapping: Path) -> subprocess.CompletedProcess[str]:
    """`python -m grade_sync MAPPING`, configured by environment as in a container."""
    env = os.environ | {
        "FULLFABRIC_URL": mockserver.fullfabric_url,
        "FULLFABRIC_TOKEN": "sk-grade-sync-test",
        "DIGITALCHALK_URL": mockserver.digitalchalk_url,
        "DIGITALCHALK_TOKEN": "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    command = [sys.executable, "-m", "grade_sync", str(mapping)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def test_the_command_line(mockserver: Any, tmp_path: Path) -> None:
    mockserver.add("digitalchalk", "registrations", registration(1, "u-bob", "o-design", "passed", grade=91))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"profiles": MAPPING.profiles, "units": MAPPING.units}))
    result = run_cli(mockserver, mapping)
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)["synced"]) == ["r-1"]
    assert transcript(mockserver, BOB, DESIGN_UNIT)["grades"][0]["value"] == "91"


def test_the_containers_mapping_syncs_the_vendors_example(mockserver: Any) -> None:
    """What docker-compose.example.yml runs: mapping.json against the mock's default fixtures."""
    mapping = Path(__file__).resolve().parents[1] / "mapping.json"
    result = run_cli(mockserver, mapping)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # Of the vendor's example: the passed and the failed registrations of the two mapped users.
    assert sorted(report["synced"]) == [
        "2319ac8de813d1365436781910787721",
        "662aced329a5643571653571936735cc",
    ]
    assert report["failed"] == {}
    assert transcript(mockserver, BOB, STATS_UNIT)["grade_state_name"] == "fail"
