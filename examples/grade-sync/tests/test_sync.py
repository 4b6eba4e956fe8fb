"""grade-sync against mockserver: the happy path, paging, and the failures a real vendor has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ADA, BOB, CLASS, COURSE, DESIGN_UNIT, MAPPING, STATS_UNIT, registration
from grade_sync import Mapping, sync

NO_WAIT = {"backoff": 0}


def transcript(mockserver: Any, profile_id: str, unit_id: str) -> dict[str, Any]:
    entries = mockserver.state()["fullfabric"]["transcripts"]
    (entry,) = [e for e in entries if (e["profile_id"], e["unit_id"]) == (profile_id, unit_id)]
    return entry["registration"]


def registration_posts(mockserver: Any) -> list[dict[str, Any]]:
    """The journal's FullFabric registration posts, in order (not the transcript read-back's calls)."""
    entries = mockserver.requests(api="fullfabric", method="POST")
    return [entry for entry in entries if entry["path"].startswith("/apis/registrations/")]


def posted(mockserver: Any) -> list[list[str]]:
    """The unit ids of each FullFabric registration post, in order."""
    return [
        [item["unit_id"] for item in entry["body"]["registrations"]]
        for entry in registration_posts(mockserver)
    ]


def read_back(mockserver: Any) -> list[tuple[str, str, int]]:
    """The transcript read-back's calls, in order: method, path, status."""
    entries = mockserver.requests(api="fullfabric")
    return [
        (entry["method"], entry["path"], entry["status"])
        for entry in entries
        if not entry["path"].startswith("/apis/registrations/")
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
    assert [entry["status"] for entry in registration_posts(mockserver)] == [207, 200]


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


TRANSCRIPTS = "/apis/transcripts/transcripts/*"


def test_each_profiles_transcript_is_read_back(mockserver: Any, digitalchalk: Any, fullfabric: Any) -> None:
    mockserver.add(
        "digitalchalk",
        "registrations",
        [
            registration(1, "u-ada", "o-design", "passed", grade=77),
            registration(2, "u-bob", "o-stats", "failed", grade=12.5),
        ],
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert set(report.synced) == {"r-1", "r-2"} and report.failed == {}
    calls = read_back(mockserver)
    # Per profile: its roles, its role's transcript (there already, so 200: not made), the transcript.
    assert [(method, status) for method, _, status in calls] == [
        ("GET", 200),
        ("POST", 200),
        ("GET", 200),
    ] * 2
    ada_role, bob_role = (profile["roles"][0]["id"] for profile in map(fullfabric.profile, (ADA, BOB)))
    assert [path for _, path, _ in calls[:2]] == [
        f"/apis/profiles/profiles/{ADA}",
        f"/apis/profiles/profiles/{ADA}/roles/{ada_role}/transcript",
    ]
    assert calls[4][1] == f"/apis/profiles/profiles/{BOB}/roles/{bob_role}/transcript"
    transcript_id = calls[2][1].rsplit("/", 1)[1]
    on_it = fullfabric.transcript(transcript_id)["registrations"]
    assert report.synced["r-1"] in [registration["id"] for registration in on_it]


def test_the_role_read_back_is_the_one_in_the_class_registered_in(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    """A profile with a role in another class first: its transcript is the role's in the class."""
    spring = "6385baad976a7719120009aa"
    mockserver.add("fullfabric", "classes", {"id": spring, "course_id": COURSE, "name": "Spring 2025"})
    cy, spring_role, class_role = (
        "6385bdd4976a7719120109a0",
        "6385bdd4976a7719120109a1",
        "6385bdd4976a7719120109a2",
    )
    roles = [{"id": spring_role, "context_id": spring}, {"id": class_role, "context_id": CLASS}]
    mockserver.add(
        "fullfabric",
        "profiles",
        {"id": cy, "first_name": "Cy", "last_name": "Example", "email": "cy@example.org", "roles": roles},
    )
    mockserver.add(
        "digitalchalk",
        "users",
        {
            "id": "u-cy",
            "firstName": "Cy",
            "lastName": "Example",
            "email": "cy@example.org",
            "createdDate": "2024-01-02T08:00:00Z",
        },
    )
    mockserver.add("digitalchalk", "registrations", registration(1, "u-cy", "o-design", "passed", grade=64))
    mapping = Mapping(profiles={"u-cy": cy}, units=MAPPING.units)
    report = sync(digitalchalk, fullfabric, mapping, **NO_WAIT)
    assert list(report.synced) == ["r-1"] and report.failed == {}
    assert read_back(mockserver)[1] == (
        "POST",
        f"/apis/profiles/profiles/{cy}/roles/{class_role}/transcript",
        200,
    )


def test_a_transcript_without_a_posted_registration_is_reported(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    mockserver.fail(
        api="fullfabric", method="GET", path=TRANSCRIPTS, status=200, json={"id": "t-1", "registrations": []}
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    (posted_id,) = [entry["response"][0]["json"]["id"] for entry in registration_posts(mockserver)]
    assert report.synced == {}
    assert report.failed == {"r-1": f"posted as {posted_id}, but transcript t-1 does not have it"}
    assert report.posts == 1  # the registration was posted once: the read-back posts nothing again


def test_a_transcript_with_another_grade_is_reported(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    first = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    graded = {
        "id": first.synced["r-1"],
        "grade_state_name": "pass",
        "grades": [{"name": "final", "value": "69"}],
    }
    mockserver.fail(
        api="fullfabric",
        method="GET",
        path=TRANSCRIPTS,
        status=200,
        json={"id": "t-1", "registrations": [graded]},
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert report.failed == {
        "r-1": f"posted as {graded['id']}, but transcript t-1 has grade final '69', not '70'"
    }


def test_a_transcript_that_cannot_be_read_is_reported(
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
    mockserver.fail(
        api="fullfabric", method="GET", path=TRANSCRIPTS, status=404, json={"error": "transcript_not_found"}
    )
    report = sync(digitalchalk, fullfabric, MAPPING, **NO_WAIT)
    assert report.synced == {} and set(report.failed) == {"r-1", "r-2"}
    assert report.failed["r-1"] == report.failed["r-2"]
    assert report.failed["r-1"].startswith("posted, but its transcript was not read back: GET ")
    assert report.failed["r-1"].endswith(
        '/apis/transcripts/transcripts/65e6e230f398a642a7022a10: 404 {"error": "transcript_not_found"}'
    )


def test_a_transcript_read_that_fails_transiently_is_read_again(
    mockserver: Any, digitalchalk: Any, fullfabric: Any
) -> None:
    mockserver.add("digitalchalk", "registrations", [registration(1, "u-ada", "o-stats", "passed", grade=70)])
    mockserver.fail(api="fullfabric", method="GET", path=TRANSCRIPTS, fault="connection_reset", times=1)
    waits: list[float] = []
    report = sync(digitalchalk, fullfabric, MAPPING, backoff=0.5, sleep=waits.append)
    assert list(report.synced) == ["r-1"] and report.failed == {}
    assert waits == [0.5]
    assert [method for method, _, _ in read_back(mockserver)] == ["GET", "POST", "GET", "GET", "POST", "GET"]


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
    assert [method for method, _, _ in read_back(mockserver)] == ["GET", "POST", "GET"]


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
