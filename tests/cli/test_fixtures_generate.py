"""`mockserver fixtures generate` writes a consistent, byte-stable fixture set; `mockserver fixtures check`
loads a folder as `mockserver run` would and names every problem by file and path."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.digitalchalk.domain import STATUSES, parse_timestamp
from mockserver.digitalchalk.userfields import value_problem
from mockserver.fixtures.generate import AS_OF, WINDOW_START

from ..conftest import AUTH, DC_LIST, FF_AUTH, ROOT, ff_path

REGISTRATIONS = 2000
DATES = ("createdDate", "beginDate", "lastActiveDate", "endDate")
FILES = ("fullfabric.json", "digitalchalk.json")


def mockserver(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `mockserver` command."""
    command = [sys.executable, "-m", "mockserver", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def invoke(*args: str) -> Any:
    """Run `mockserver ARGS` in this process; return click's result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def generate(folder: Path, *args: str) -> Any:
    result = invoke("fixtures", "generate", "--out", str(folder), *args)
    assert result.exit_code == 0, result.output
    return result


def read(folder: Path) -> dict[str, Any]:
    """The generated files, as data: vendor → fixture."""
    return {name.removesuffix(".json"): json.loads((folder / name).read_text()) for name in FILES}


def registered(fullfabric: dict[str, Any]) -> int:
    """How many transcript entries are registered."""
    return sum(entry["registration"] is not None for entry in fullfabric["transcripts"])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder generated with seed 1 and 2,000 registrations."""
    folder = tmp_path_factory.mktemp("generated") / "set"
    generate(folder, "--seed", "1", "--registrations", str(REGISTRATIONS))
    return folder


@pytest.fixture(scope="module")
def data(generated: Path) -> dict[str, Any]:
    """What the generated files hold."""
    return read(generated)


def test_the_same_seed_gives_byte_identical_files(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = mockserver(
        *f"fixtures generate --seed 1 --registrations {REGISTRATIONS} --out".split(), str(again)
    )
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (again / name).read_bytes() == (generated / name).read_bytes(), name


def test_another_seed_gives_other_files(generated: Path, tmp_path: Path) -> None:
    generate(tmp_path, "--seed", "2", "--registrations", str(REGISTRATIONS))
    for name in FILES:
        assert (tmp_path / name).read_bytes() != (generated / name).read_bytes(), name


def test_the_summary_names_counts_and_paths(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = generate(out, *"--registrations 300 --users 40 --offerings 12 --profiles 7".split())
    fixture = read(out)
    entries, registrations = fixture["fullfabric"]["transcripts"], fixture["digitalchalk"]["registrations"]
    assert result.stdout == (
        f"Wrote 7 profiles, {len(entries)} transcript entries ({registered(fixture['fullfabric'])} "
        f"registered) to {out / 'fullfabric.json'} and 300 registrations (40 users, 12 offerings) to "
        f"{out / 'digitalchalk.json'}\n"
    )
    assert len(registrations) == 300
    assert len({r["userId"] for r in registrations}) <= 40
    assert len({r["offeringId"] for r in registrations}) <= 12


def test_files_hold_one_record_per_line(generated: Path, data: dict[str, Any]) -> None:
    lines = (generated / "digitalchalk.json").read_text().splitlines()
    assert lines[:3] == ["{", '  "tokens": [],', '  "offeringCategories": [']
    start = lines.index('  "registrations": [')  # after the catalogue: categories, then offerings
    assert lines[-2:] == ["  ]", "}"]
    users = lines.index('  "users": [')
    assert lines[users - 1] == "  ],"
    records = [json.loads(line.strip().rstrip(",")) for line in lines[start + 1 : users - 1]]
    assert records == data["digitalchalk"]["registrations"]
    agreements = lines.index('  "agreements": [')  # after the users: agreements, answers, user fields
    records = [json.loads(line.strip().rstrip(",")) for line in lines[users + 1 : agreements - 1]]
    assert records == data["digitalchalk"]["users"]
    answers = lines.index('  "userAgreements": [')
    categories = lines.index('  "userFieldCategories": [')
    records = [json.loads(line.strip().rstrip(",")) for line in lines[answers + 1 : categories - 1]]
    assert records == data["digitalchalk"]["userAgreements"]
    values = lines.index('  "userFieldValues": [')
    records = [json.loads(line.strip().rstrip(",")) for line in lines[values + 1 : -2]]
    assert records == data["digitalchalk"]["userFieldValues"]
    offerings = lines.index('  "offerings": [')
    records = [json.loads(line.strip().rstrip(",")) for line in lines[offerings + 1 : start - 1]]
    assert records == data["digitalchalk"]["offerings"]


def test_check_passes_and_counts_per_vendor(generated: Path, data: dict[str, Any]) -> None:
    result = invoke("fixtures", "check", str(generated))
    assert result.exit_code == 0, result.output
    fullfabric = data["fullfabric"]
    names = ("profiles", "courses", "classes", "programmes", "study_plans", "units", "role_transcripts")
    counts = {name: len(fullfabric[name]) for name in names}
    assert result.stdout.splitlines() == [
        f"{generated}: no problems",
        f"  fullfabric    {counts['profiles']} profiles, {counts['courses']} courses, {counts['classes']} "
        f"classes, {counts['programmes']} programmes, {counts['study_plans']} study plans, "
        f"{counts['units']} units, 4 grade states, {counts['role_transcripts']} transcripts, "
        f"{len(fullfabric['transcripts'])} transcript entries ({registered(fullfabric)} registered)  "
        f"from {generated / 'fullfabric.json'}",
        f"  digitalchalk  {REGISTRATIONS} registrations  from {generated / 'digitalchalk.json'}",
        "  failures      0 rules  from no failures file",
    ]


def test_the_app_serves_exactly_what_was_generated(generated: Path, data: dict[str, Any]) -> None:
    client = create_app({"FIXTURES": str(generated), "TESTING": True}).test_client()
    health = client.get("/__admin/health").get_json()
    assert health["registrations"] == {
        "fullfabric": registered(data["fullfabric"]),
        "digitalchalk": REGISTRATIONS,
    }
    # The state dump is the fixtures' format: the files come back unchanged, every field as written.
    assert client.get("/__admin/state").get_json() == data
    listed = client.get(f"{DC_LIST}?limit=100", headers=AUTH).get_json()["results"]
    assert listed == data["digitalchalk"]["registrations"][:100]


# Other sizes and seeds than `generated`'s: profiles in more classes and courses; and courses without classes,
# so profiles without roles.
SETS = (
    "--seed 2 --registrations 300 --profiles 60 --courses 4 --classes 3 --units 3",
    "--seed 5 --registrations 100 --profiles 30 --courses 1 --classes 0",
)


@pytest.fixture(scope="module", params=SETS)
def generated_set(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder generated with each of `SETS`' options."""
    folder = tmp_path_factory.mktemp("generated") / "set"
    generate(folder, *request.param.split())
    return folder


def test_other_sets_load_and_are_served_as_generated(generated_set: Path) -> None:
    result = invoke("fixtures", "check", str(generated_set))
    assert result.exit_code == 0, result.output
    client = create_app({"FIXTURES": str(generated_set), "TESTING": True}).test_client()
    assert client.get("/__admin/state").get_json() == read(generated_set)


# What the generator made for seed 1 before study plans and transcript ids: its FullFabric data without
# them (`study_plans`, `role_transcripts`, and each entry's `transcript_id`), as JSON, hashed.
BEFORE_TRANSCRIPT_IDS = "30b8acd3c35dac57cbdd10f7474f247b2e00d0283e7ccce20d12cf120c1b76bb"


def test_what_a_seed_made_before_is_unchanged(data: dict[str, Any]) -> None:
    before = {
        name: records
        for name, records in data["fullfabric"].items()
        if name not in ("study_plans", "role_transcripts")
    }
    before["transcripts"] = [
        {name: value for name, value in entry.items() if name != "transcript_id"}
        for entry in before["transcripts"]
    ]
    assert hashlib.sha256(json.dumps(before).encode()).hexdigest() == BEFORE_TRANSCRIPT_IDS


def test_each_class_has_a_study_plan_of_its_course_and_electives(data: dict[str, Any]) -> None:
    fullfabric = data["fullfabric"]
    courses = {course["id"] for course in fullfabric["courses"]}
    plans = {plan["class_id"]: plan for plan in fullfabric["study_plans"]}
    assert len(plans) == len(fullfabric["study_plans"])
    for cls in fullfabric["classes"]:
        planned = plans.pop(cls["id"])["courses"]
        ids = [course["course_id"] for course in planned]
        assert ids[0] == cls["course_id"] and len(set(ids)) == len(ids) <= 3 and set(ids) <= courses
        assert [course["course_type"] for course in planned] == ["Core"] + ["Elective"] * (len(ids) - 1)
        assert all(course["credits"] > 0 and course["hours"] > 0 for course in planned)
    assert not plans  # no plan for a class that is not one


def test_each_role_has_a_transcript_starting_with_its_class_plan(data: dict[str, Any]) -> None:
    fullfabric = data["fullfabric"]
    classes = {role["id"]: role["context_id"] for p in fullfabric["profiles"] for role in p["roles"]}
    plans = {plan["class_id"]: plan for plan in fullfabric["study_plans"]}
    held = Counter((t["profile_id"], t["role_id"]) for t in fullfabric["role_transcripts"])
    assert set(held.values()) == {1}
    assert {role for _, role in held} == set(classes)  # a transcript for each role, none for no role
    for transcript in fullfabric["role_transcripts"]:
        plan = [course["course_id"] for course in plans[classes[transcript["role_id"]]]["courses"]]
        assert transcript["subjects"][: len(plan)] == plan
        assert transcript["created_at"] <= transcript["updated_at"] <= AS_OF


def test_each_entry_is_on_the_transcript_the_server_would_put_it_on(
    generated: Path, data: dict[str, Any]
) -> None:
    """The entry's registration class names the profile's role there, its transcript; otherwise it is on
    the profile's first transcript with its course."""
    world = create_app({"FIXTURES": str(generated), "TESTING": True}).extensions["mockserver"].default
    placing = world.state("fullfabric").transcripts

    def make(profile_id: str, role_id: str | None) -> Any:
        raise AssertionError(f"no transcript for {profile_id}'s role {role_id}")

    by_id = {transcript["id"]: transcript for transcript in data["fullfabric"]["role_transcripts"]}
    for entry in data["fullfabric"]["transcripts"]:
        registration = entry["registration"]
        context_id = registration["context_id"] if registration else entry["course_id"]
        placed = placing.place(entry["profile_id"], context_id, entry["course_id"], make)
        assert placed.id == entry["transcript_id"]
        assert by_id[placed.id]["profile_id"] == entry["profile_id"]
        assert entry["course_id"] in by_id[placed.id]["subjects"]


def test_an_unregistered_unit_registers_through_the_vendor_api(data: dict[str, Any], generated: Path) -> None:
    entry = next(e for e in data["fullfabric"]["transcripts"] if e["registration"] is None)
    client = create_app({"FIXTURES": str(generated), "TESTING": True}).test_client()
    response = client.post(
        ff_path(entry["profile_id"]),
        json={"registrations": [{"unit_id": entry["unit_id"], "context_id": entry["course_id"]}]},
        headers=FF_AUTH,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()[0]["json"]["registration_state"] == "registered"


def test_digitalchalk_registrations_are_consistent(data: dict[str, Any]) -> None:
    registrations = data["digitalchalk"]["registrations"]
    assert len({r["id"] for r in registrations}) == len(registrations)
    assert len({(r["userId"], r["offeringId"]) for r in registrations}) == len(registrations)
    titles = {(r["offeringId"], r["title"]) for r in registrations}
    assert len(titles) == len({r["offeringId"] for r in registrations})  # one title per offering
    for registration in registrations:
        ids = (registration["id"], registration["userId"], registration["offeringId"])
        assert all(re.fullmatch("[0-9a-f]{32}", value) for value in ids)
        assert_dates_fit_the_status(registration)
    created = [r["createdDate"] for r in registrations]
    assert created == sorted(created)


def test_digitalchalk_users_are_the_registrations_users(data: dict[str, Any]) -> None:
    """Every registration's user is a user; each user was created before their first registration and
    last logged in after their last activity; ids, emails and usernames are unique."""
    registrations, users = data["digitalchalk"]["registrations"], data["digitalchalk"]["users"]
    assert len(users) == REGISTRATIONS // 5
    by_id = {user["id"]: user for user in users}
    assert len(by_id) == len(users)
    for name in ("email", "username"):
        values = [user[name].lower() for user in users if name in user]
        assert len(set(values)) == len(values)
    assert {r["userId"] for r in registrations} <= by_id.keys()
    for registration in registrations:
        user = by_id[registration["userId"]]
        assert user["createdDate"] <= registration["createdDate"]
        if "lastActiveDate" in registration:
            assert user["lastLoginDate"] >= registration["lastActiveDate"]
    for user in users:
        assert re.fullmatch("[0-9a-f]{32}", user["id"]) and user["firstName"] and user["lastName"]
        assert re.fullmatch(r"[a-z0-9.]+@[a-z.]+", user["email"]), user
        assert WINDOW_START <= parse_timestamp(user["createdDate"]) <= AS_OF
    created = [user["createdDate"] for user in users]
    assert created == sorted(created)


def test_digitalchalk_users_answered_agreements_when_they_logged_in(data: dict[str, Any]) -> None:
    """Both agreements; an answer only from a user who logged in, dated between their creation and their
    last login (so in the window, after the agreement was made); most agreed to the standard agreement,
    some answered the custom one, a few declining it."""
    agreements = data["digitalchalk"]["agreements"]
    assert [(a["type"], a["required"]) for a in agreements] == [("standard", True), ("custom", False)]
    made = {a["type"]: a["createdDate"] for a in agreements}
    users = {user["id"]: user for user in data["digitalchalk"]["users"]}
    answers = data["digitalchalk"]["userAgreements"]
    assert len({(a["userId"], a["type"]) for a in answers}) == len(answers)
    for answer in answers:
        user = users[answer["userId"]]
        assert user["createdDate"] <= answer["agreedDate"] <= user["lastLoginDate"], answer
        assert made[answer["type"]] < answer["agreedDate"] and parse_timestamp(answer["agreedDate"]) <= AS_OF
    logged_in = sum("lastLoginDate" in user for user in users.values())
    kinds = Counter((a["type"], a["agreed"]) for a in answers)
    assert 0.75 * logged_in < kinds["standard", True] < 0.95 * logged_in
    assert kinds["standard", False] == 0
    assert 0 < kinds["custom", False] < kinds["custom", True] < 0.7 * logged_in


def test_digitalchalk_user_fields_are_the_built_in_ones_and_values_fit_them(data: dict[str, Any]) -> None:
    """The built-in contact fields in a public category, two custom ones, and a third of the users (about)
    holding values, each of a field that exists and of its type."""
    dc = data["digitalchalk"]
    categories = {category["id"]: category for category in dc["userFieldCategories"]}
    fields = {field["id"]: field for field in dc["userFields"]}
    built_in = [field for field in dc["userFields"] if field.get("readOnly")]
    assert [field["name"] for field in built_in] == [
        "Phone Number",
        "Street 1",
        "Street 2",
        "City",
        "State/Province",
        "Postal Code",
    ]
    assert {categories[field["categoryId"]]["type"] for field in built_in} == {"public"}
    assert {field["type"] for field in fields.values()} == {"text", "checkbox", "dropdown"}
    users = {user["id"] for user in dc["users"]}
    holders = [entry["userId"] for entry in dc["userFieldValues"]]
    assert len(set(holders)) == len(holders) and set(holders) <= users
    assert len(users) / 4 < len(holders) < len(users) / 2.5
    for entry in dc["userFieldValues"]:
        for field_id, value in entry["values"].items():
            assert value_problem(fields[field_id], value) is None, (field_id, value)


def assert_dates_fit_the_status(registration: dict[str, Any]) -> None:
    """createdDate ≤ beginDate ≤ lastActiveDate ≤ endDate, in the window; grades only when completed."""
    status = registration["status"]
    dates = [parse_timestamp(registration[name]) for name in DATES if name in registration]
    assert dates == sorted(dates), registration
    assert WINDOW_START <= dates[0] and dates[-1] <= AS_OF, registration
    assert ("lastActiveDate" in registration) == ("beginDate" in registration), registration
    assert ("endDate" in registration) == (status != "active"), registration
    assert "graderId" in registration or "graderComment" not in registration, registration
    if status == "passed":
        assert 70 <= registration["grade"] <= 100, registration
    elif status == "failed":
        assert 0 <= registration["grade"] < 70, registration
    else:
        assert "grade" not in registration and "graderId" not in registration, registration


def test_digitalchalk_statuses_are_spread_like_real_ones(data: dict[str, Any]) -> None:
    registrations = data["digitalchalk"]["registrations"]
    statuses = Counter(r["status"] for r in registrations)
    assert set(statuses) == set(STATUSES)
    assert statuses["passed"] > statuses["active"] > statuses["ejected"] > 0
    graded_by_hand = [r for r in registrations if "graderId" in r]
    assert graded_by_hand and any("beginDate" not in r for r in graded_by_hand)
    grades = [r["grade"] for r in registrations if "grade" in r]
    assert not [grade for grade in grades if isinstance(grade, float) and grade.is_integer()]  # 100.0 is 100


def test_fullfabric_records_refer_to_each_other(data: dict[str, Any]) -> None:
    fullfabric = data["fullfabric"]
    units = {unit["id"]: unit for unit in fullfabric["units"]}
    courses = {course["id"]: course for course in fullfabric["courses"]}
    class_courses = {cls["id"]: cls["course_id"] for cls in fullfabric["classes"]}
    bands = {state["name"] for state in fullfabric["grade_states"]}
    profiles = {profile["id"] for profile in fullfabric["profiles"]}
    for entry in fullfabric["transcripts"]:
        assert entry["profile_id"] in profiles
        assert entry["unit_id"] in courses[entry["course_id"]]["units"]
        registration = entry["registration"]
        if registration is None:
            continue
        assert int(registration["id"][:8], 16) == registration["created_at"]  # an ObjectId of its creation
        assert registration["created_at"] <= registration["updated_at"] <= AS_OF
        assert class_courses.get(registration["context_id"], registration["context_id"]) == entry["course_id"]
        schema = [grade["name"] for grade in units[entry["unit_id"]]["grades"]]
        if registration["grade_state_name"] is not None:
            assert registration["grade_state_name"] in bands
            assert [grade["name"] for grade in registration["grades"]] == schema
        assert all(grade["name"] in schema for grade in registration["grades"])
    assert {entry["registration"] is None for entry in fullfabric["transcripts"]} == {True, False}
    assert all(unit["grades"][-1]["name"] == "final" for unit in units.values())


def test_a_folder_that_is_not_empty_needs_force(tmp_path: Path) -> None:
    (tmp_path / "fullfabric.yaml").write_text("profiles: []\n")
    refused = invoke("fixtures", "generate", "--out", str(tmp_path), "--registrations", "10")
    assert refused.exit_code == 2
    assert "is not empty" in refused.output
    generate(tmp_path, "--registrations", "10", "--force")
    # The YAML file it replaces is gone: two files for one vendor would not load.
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES)
    assert invoke("fixtures", "check", str(tmp_path)).exit_code == 0


def test_yaml_files_load_too(tmp_path: Path) -> None:
    generate(tmp_path, "--registrations", "50", "--format", "yaml")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["digitalchalk.yaml", "fullfabric.yaml"]
    store = create_app({"FIXTURES": str(tmp_path)}).extensions["mockserver"]
    assert store.default.state("digitalchalk").registrations() == 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--registrations", "100", "--users", "3", "--offerings", "3"), "not 3 × 3"),
        (("--registrations", "1000001"), "1000001 is not in the range 0<=x<=1000000"),
    ],
)
def test_sizes_that_cannot_work_are_refused(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("fixtures", "generate", "--out", str(tmp_path / "out"), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "out").exists()


def break_status(folder: Path) -> list[str]:
    fixture = json.loads((folder / "digitalchalk.json").read_text())
    fixture["registrations"][3]["status"] = "done"
    (folder / "digitalchalk.json").write_text(json.dumps(fixture))
    return [f"{folder / 'digitalchalk.json'}: registrations.3.status: must be one of {', '.join(STATUSES)}"]


def break_unit(folder: Path) -> list[str]:
    fixture = json.loads((folder / "fullfabric.json").read_text())
    fixture["transcripts"][2]["unit_id"] = "0" * 24
    (folder / "fullfabric.json").write_text(json.dumps(fixture))
    return [f"{folder / 'fullfabric.json'}: transcripts.2.unit_id: Unknown unit {'0' * 24}."]


def break_json(folder: Path) -> list[str]:
    lines = (folder / "digitalchalk.json").read_text().splitlines()
    (folder / "digitalchalk.json").write_text("\n".join(lines[:4]))  # cut short after the first record
    return [f"{folder / 'digitalchalk.json'}: line 4, column {len(lines[3]) + 1}: Expecting value"]


def break_failures(folder: Path) -> list[str]:
    (folder / "failures.yaml").write_text("rules:\n  - api: digitalchalk\n    respond: {status: 99}\n")
    return [
        f"{folder / 'failures.yaml'}: rules.0.respond.status: Must be greater than or equal to 100 and "
        "less than or equal to 599."
    ]


def break_everything(folder: Path) -> list[str]:
    return [*break_unit(folder), *break_status(folder), *break_failures(folder)]


@pytest.mark.parametrize("damage", [break_status, break_unit, break_json, break_failures, break_everything])
def test_check_names_every_problem_by_file_and_path(
    generated: Path, tmp_path: Path, damage: Callable[[Path], list[str]]
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in FILES:
        (folder / name).write_bytes((generated / name).read_bytes())
    expected = damage(folder)
    result = mockserver("fixtures", "check", str(folder))
    assert (result.returncode, result.stdout) == (1, "")
    assert sorted(result.stderr.splitlines()) == sorted(expected)


def test_check_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("fixtures", "check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_live_server_serves_the_generated_registrations(
    live_server: Any, generated: Path, data: dict[str, Any]
) -> None:
    server = live_server("--fixtures", str(generated))
    user = data["digitalchalk"]["registrations"][0]["userId"]
    response = httpx.get(f"{server.url}{DC_LIST}", params={"userId": user}, headers=AUTH)
    assert response.status_code == 200
    expected = [r for r in data["digitalchalk"]["registrations"] if r["userId"] == user]
    assert response.json()["results"] == expected[:15]
    assert f"({REGISTRATIONS} registrations from {generated / 'digitalchalk.json'})" in server.stdout


# --- the section of docs/fixtures.md -----------------------------------------------------------------


README_HEADING = "## Generating larger fixtures"
SMALLER = "2000"  # the page generates 100,000 registrations; the same commands at this size run faster


def readme_examples() -> list[tuple[str, str]]:
    """Each command of docs/fixtures.md's section on generating fixtures, with the output shown under it."""
    readme = (ROOT / "docs" / "fixtures.md").read_text()
    if README_HEADING not in readme:
        pytest.fail(f"docs/fixtures.md has no {README_HEADING!r} section")
    section = re.split(r"\n#{1,3} ", readme.split(README_HEADING, 1)[1], maxsplit=1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    return [
        (body.strip(), shown)
        for (lang, body), (_, shown) in zip(blocks, blocks[1:], strict=False)
        if lang == "sh" and body.startswith(".venv/bin/mockserver")
    ]


def masked(text: str) -> list[str]:
    """Lines with every number made `N`: sizes, ports and versions differ, the wording may not."""
    return [re.sub(r"[0-9]+", "N", line.rstrip()) for line in text.strip().splitlines()]


def test_the_readme_commands_print_what_it_shows(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = readme_examples()
    assert [shlex.split(command)[1] for command, _ in examples] == ["fixtures", "fixtures", "run"]
    monkeypatch.chdir(tmp_path)  # the commands write and read `my-fixtures` in the working directory
    for command, shown in examples:
        args = shlex.split(command.replace("--registrations 100000", f"--registrations {SMALLER}"))[1:]
        if args[0] == "run":
            output = live_server(*args[1:]).stdout
        else:
            result = mockserver(*args)
            assert result.returncode == 0, f"{command}\n{result.stderr}"
            output = result.stdout
        assert masked(output)[: len(masked(shown))] == masked(shown), command
