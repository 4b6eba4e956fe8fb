"""FullFabric's part of a generated fixture set: profiles, courses with units and classes, study plans,
grade states and transcripts, consistent by construction."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, Any

from mockserver.fixtures.generate import (
    AS_OF,
    DAY,
    DEGREES,
    SUBJECTS,
    UNIT_NAMES,
    WINDOW_START,
    Sizes,
    Weighted,
    between,
    chance,
    faker,
    pick,
    rng,
    sample,
)
from mockserver.ids import ObjectIds

if TYPE_CHECKING:
    from faker import Faker

# Classes start in January or September.
INTAKES = ((1, "January"), (9, "September"))
# A unit's grade schema: some of the optional components, in this order, then the final grade.
OPTIONAL_GRADES = (("__coursework", "Coursework"), ("exam", "Exam"), ("presentation", "Presentation"))
FINAL_GRADE = ("final", "Final grade")


@dataclass(frozen=True, slots=True)
class GradeBand:
    """A FullFabric grade state and the final marks that earn it."""

    name: str
    awarded: bool
    lowest: int
    highest: int


# Weighted choices: (choice, weight).
GRADE_BANDS = (
    (GradeBand("distinction", True, 70, 100), 10),
    (GradeBand("merit", True, 60, 69), 20),
    (GradeBand("pass", True, 50, 59), 55),
    (GradeBand("fail", False, 0, 49), 15),
)
REGISTRATION_STATES = (("registered", 85), ("conditional", 10), ("rejected", 5))


@dataclass(frozen=True, slots=True)
class _Context:
    """Where a profile registers: a class or the course itself, and when teaching starts there."""

    id: str
    course: Mapping[str, Any]
    starts: int


@dataclass(slots=True)
class _FullFabric:
    """The FullFabric fixture under construction, and what its transcripts are drawn from."""

    fake: Faker
    rng: Random
    ids: ObjectIds
    feedback: Sequence[str]
    units: dict[str, dict[str, Any]]
    courses: list[dict[str, Any]]
    classes: list[dict[str, Any]]
    contexts: dict[str, list[_Context]]  # course id → its classes (or the course itself) with their starts
    profile_contexts: dict[str, list[_Context]] = field(default_factory=dict)  # where each registers


_BANDS = Weighted(GRADE_BANDS)
_STATES = Weighted(REGISTRATION_STATES)


def _fullfabric(fake: Faker, rng: Random, plan_rng: Random, sizes: Sizes) -> dict[str, Any]:
    """Profiles, courses with their units and classes, study plans, grade states, and each profile's
    transcripts with their entries. `plan_rng` draws the study plans, so that `rng` draws what it drew
    before they were made."""
    made = _FullFabric(
        fake=fake,
        rng=rng,
        ids=ObjectIds(rng.getrandbits(64)),
        feedback=[fake.sentence(nb_words=10) for _ in range(30)],
        units={},
        courses=[],
        classes=[],
        contexts={},
    )
    for _ in range(sizes.courses):
        _add_course(made, sizes.units, sizes.classes)
    profiles: list[dict[str, Any]] = []
    transcripts: list[dict[str, Any]] = []
    for _ in range(sizes.profiles):
        profile, entries = _profile(made)
        profiles.append(profile)
        transcripts.extend(entries)
    # Drawn last, so that what came before is the same as without them.
    programmes = _programmes(made)
    _roles(made, profiles, transcripts)
    # Their ids come after every other id, their draws from `plan_rng`: the values above stay the same.
    study_plans = _study_plans(made, plan_rng)
    role_transcripts, transcripts = _role_transcripts(made, profiles, transcripts, study_plans)
    return {
        "tokens": [],
        "profiles": profiles,
        "courses": made.courses,
        "classes": made.classes,
        "programmes": programmes,
        "study_plans": study_plans,
        "units": list(made.units.values()),
        "grade_states": [{"name": band.name, "awarded": band.awarded} for band, _ in GRADE_BANDS],
        "role_transcripts": role_transcripts,
        "transcripts": transcripts,
    }


def _add_course(made: _FullFabric, units: int, classes: int) -> None:
    """A course created early in the window, the units it offers, and its classes (intakes)."""
    rng = made.rng
    created = between(rng, WINDOW_START, WINDOW_START + 180 * DAY)
    subject = pick(rng, SUBJECTS)
    course: dict[str, Any] = {
        "id": made.ids.new(created),
        "name": f"{pick(rng, DEGREES)} {subject}",
        "units": [],
    }
    order = sample(rng, len(UNIT_NAMES), len(UNIT_NAMES))
    for number in range(units):
        name = UNIT_NAMES[order[number % len(order)]].format(subject)
        unit = _unit(made, created, name if number < len(order) else f"{name} {number // len(order) + 1}")
        made.units[unit["id"]] = unit
        course["units"].append(unit["id"])
    made.courses.append(course)
    contexts = [_add_class(made, course) for _ in range(classes)]
    # Registering in the course itself: it starts when one of its classes does, or on an intake of its own.
    starts = pick(rng, contexts).starts if contexts else _intake(rng)
    made.contexts[course["id"]] = [*contexts, _Context(course["id"], course, starts)]


def _unit(made: _FullFabric, course_created: int, name: str) -> dict[str, Any]:
    """A unit and its grade schema (id, name, label), made with its course."""
    created = course_created + between(made.rng, 0, 7 * DAY)
    components = [grade for grade in OPTIONAL_GRADES if chance(made.rng, 0.5)]
    return {
        "id": made.ids.new(created),
        "name": name,
        "grades": [
            {"id": made.ids.new(created), "name": grade, "label": label}
            for grade, label in (*components, FINAL_GRADE)
        ],
    }


def _intake(rng: Random) -> int:
    """When a class starts: in the first two weeks of January or September, 2020 to 2025."""
    month, _ = pick(rng, INTAKES)
    day = calendar.timegm((between(rng, 2020, 2025), month, between(rng, 1, 14), 0, 0, 0))
    return day + between(rng, 0, DAY - 1)


def _add_class(made: _FullFabric, course: Mapping[str, Any]) -> _Context:
    starts = _intake(made.rng)
    when = time.gmtime(starts)
    made.classes.append(
        {
            "id": made.ids.new(starts - between(made.rng, 60, 180) * DAY),
            "course_id": course["id"],
            "name": f"{course['name']} - {dict(INTAKES)[when.tm_mon]} {when.tm_year} intake",
        }
    )
    return _Context(made.classes[-1]["id"], course, starts)


def _profile(made: _FullFabric) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A student enrolled in a course (one in ten in two), and the transcript entries that come of it."""
    rng, fake = made.rng, made.fake
    courses = list(made.contexts)
    chosen = sample(rng, len(courses), min(len(courses), 2 if chance(rng, 0.1) else 1))
    contexts = [_context(rng, made.contexts[courses[index]]) for index in chosen]
    created = max(WINDOW_START, min(context.starts for context in contexts) - between(rng, 30, 200) * DAY)
    first_name, last_name = fake.first_name(), fake.last_name()
    profile = {
        "id": made.ids.new(created),
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{_local_part(first_name)}.{_local_part(last_name)}@{fake.safe_domain_name()}",
    }
    entries = [entry for context in contexts for entry in _transcript(made, profile["id"], context)]
    made.profile_contexts[profile["id"]] = contexts
    return profile, entries


# A profile's role in a class: (state, substate), weighted.
ROLE_STATES = (
    (("student", "enrolled"), 80),
    (("student", "graduated"), 10),
    (("applicant", "submitted"), 10),
)
_ROLE_STATES = Weighted(ROLE_STATES)


def _programmes(made: _FullFabric) -> list[dict[str, Any]]:
    """A programme for each course, named as it; its classes get the programme and their dates."""
    programmes: list[dict[str, Any]] = []
    starts = {context.id: context.starts for contexts in made.contexts.values() for context in contexts}
    for course in made.courses:
        created = int(course["id"][:8], 16)
        programme = {
            "id": made.ids.new(created),
            "external_id": f"P{len(programmes) + 1:04d}",
            "name": course["name"],
            "created_at": created,
            "updated_at": created,
            "theme": None,
        }
        programmes.append(programme)
        for cls in made.classes:
            if cls["course_id"] == course["id"]:
                start = starts[cls["id"]]
                cls["programme_id"] = programme["id"]
                cls["opens_on"] = start - 300 * DAY
                cls["closes_on"] = start - 14 * DAY
                cls["starts_on"] = start
                cls["ends_on"] = start + 365 * DAY
                cls["state"] = "open" if cls["closes_on"] > AS_OF else "closed"
    return programmes


def _roles(made: _FullFabric, profiles: list[dict[str, Any]], transcripts: list[dict[str, Any]]) -> None:
    """Each profile's role in the classes it registers in (a class of the course, for the course itself),
    and its timestamps: created with its id, updated with its latest registration."""
    updated: dict[str, int] = {}
    for entry in transcripts:
        if entry["registration"] is not None:
            at = entry["registration"]["updated_at"]
            updated[entry["profile_id"]] = max(at, updated.get(entry["profile_id"], 0))
    for profile in profiles:
        classes: list[str] = []
        for context in made.profile_contexts[profile["id"]]:
            choices = [c.id for c in made.contexts[context.course["id"]][:-1]]
            chosen = context.id if context.id in choices else (choices[0] if choices else None)
            if chosen is not None and chosen not in classes:
                classes.append(chosen)
        created = int(profile["id"][:8], 16)
        profile["created_at"] = created
        profile["updated_at"] = profile["updated_data_at"] = max(created, updated.get(profile["id"], created))
        profile["roles"] = []
        for class_id in classes:
            state, substate = _ROLE_STATES.draw(made.rng)
            role_id = made.ids.new(created)
            profile["roles"].append(
                {"id": role_id, "context_id": class_id, "state": state, "substate": substate}
            )


# A class's own course: (credits, weight); its hours are ten an ECTS credit.
CORE_CREDITS = ((60, 30), (90, 20), (120, 50))
# An elective's credits, weighted; its hours are six a credit.
ELECTIVE_CREDITS = ((5, 30), (7.5, 40), (10, 20), (15, 10))
_CORE_CREDITS = Weighted(CORE_CREDITS)
_ELECTIVE_CREDITS = Weighted(ELECTIVE_CREDITS)


def _study_plans(made: _FullFabric, rng: Random) -> list[dict[str, Any]]:
    """A study plan for each class, made with it: the class's own course (Core), then up to two of the
    other courses (Elective)."""
    plans: list[dict[str, Any]] = []
    course_ids = [course["id"] for course in made.courses]
    for cls in made.classes:
        others = [course_id for course_id in course_ids if course_id != cls["course_id"]]
        electives = sample(rng, len(others), min(len(others), between(rng, 0, 2)))
        plans.append(
            {
                "id": made.ids.new(int(cls["id"][:8], 16)),
                "class_id": cls["id"],
                "courses": [
                    _plan_course(rng, cls["course_id"], core=True),
                    *(_plan_course(rng, others[index], core=False) for index in electives),
                ],
            }
        )
    return plans


def _plan_course(rng: Random, course_id: str, *, core: bool) -> dict[str, Any]:
    """A course of a study plan, as a transcript shows it as a subject."""
    credits = (_CORE_CREDITS if core else _ELECTIVE_CREDITS).draw(rng)
    return {
        "course_id": course_id,
        "course_type": "Core" if core else "Elective",
        "credits": credits,
        "hours": int(credits * (10 if core else 6)),
        "max_number_absences": between(rng, 10, 30) if core else between(rng, 2, 6),
        "subject_id": None,
        "category_id": None,
        "counts_towards_curricular_grade": core or chance(rng, 0.7),
        "counts_towards_total_credits": True,
    }


def _role_transcripts(
    made: _FullFabric,
    profiles: Sequence[Mapping[str, Any]],
    transcripts: Sequence[Mapping[str, Any]],
    study_plans: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A transcript for each of each profile's roles (one for no role, for a profile without any), made
    with the role; and the transcript entries, each naming the transcript `Transcripts.place` puts it
    on. A transcript's subjects are its class's plan's courses, then its entries' other courses."""
    plans = {plan["class_id"]: [course["course_id"] for course in plan["courses"]] for plan in study_plans}
    by_profile: dict[str, list[Mapping[str, Any]]] = {}
    for entry in transcripts:
        by_profile.setdefault(entry["profile_id"], []).append(entry)
    made_transcripts: list[dict[str, Any]] = []
    placed: dict[int, dict[str, Any]] = {}  # entry (by `id()`) → its transcript
    for profile in profiles:
        created = profile["created_at"]
        roles = profile["roles"]
        held = [
            {
                "id": made.ids.new(created),
                "profile_id": profile["id"],
                "role_id": role["id"] if role else None,
                "subjects": list(plans.get(role["context_id"], ())) if role else [],
                "created_at": created,
                "updated_at": created,
            }
            for role in roles or [None]
        ]
        in_class = {role["context_id"]: position for position, role in enumerate(roles)}
        entries = by_profile.get(profile["id"], [])
        # As `Transcripts.place` puts them: in the class of one of the roles, on the role's transcript;
        # else on the first transcript with the course, else on the first. The first rule goes first:
        # the courses it brings are among the subjects the second looks for.
        has = [set(transcript["subjects"]) for transcript in held]
        for entry in entries:
            registration = entry["registration"]
            if registration is not None and registration["context_id"] in in_class:
                position = in_class[registration["context_id"]]
                placed[id(entry)] = held[position]
                has[position].add(entry["course_id"])
        for entry in entries:
            if id(entry) not in placed:
                course_id = entry["course_id"]
                position = next((p for p, courses in enumerate(has) if course_id in courses), 0)
                placed[id(entry)] = held[position]
                has[position].add(course_id)
        for entry in entries:
            transcript = placed[id(entry)]
            if entry["course_id"] not in transcript["subjects"]:
                transcript["subjects"].append(entry["course_id"])
            if entry["registration"] is not None:
                transcript["updated_at"] = max(transcript["updated_at"], entry["registration"]["updated_at"])
        made_transcripts.extend(held)
    named = [
        {
            "profile_id": entry["profile_id"],
            "unit_id": entry["unit_id"],
            "course_id": entry["course_id"],
            "transcript_id": placed[id(entry)]["id"],
            "registration": entry["registration"],
        }
        for entry in transcripts
    ]
    return made_transcripts, named


def _context(rng: Random, contexts: Sequence[_Context]) -> _Context:
    """One of the course's classes, mostly; the course itself (listed last) one time in six, or when it
    has no classes."""
    classes = contexts[:-1]
    return pick(rng, classes) if classes and not chance(rng, 1 / 6) else contexts[-1]


def _local_part(name: str) -> str:
    return "".join(character for character in name.lower() if character.isalnum())


def _transcript(made: _FullFabric, profile_id: str, context: _Context) -> list[dict[str, Any]]:
    """Most of the course's units (at least one); three in four registered, the others not yet."""
    rng = made.rng
    offered = context.course["units"]
    taken = [unit for unit in offered if chance(rng, 0.8)] or [pick(rng, offered)]
    return [
        {
            "profile_id": profile_id,
            "unit_id": unit_id,
            "course_id": context.course["id"],
            "registration": _registration(made, made.units[unit_id], context) if chance(rng, 0.75) else None,
        }
        for unit_id in taken
    ]


def _registration(made: _FullFabric, unit: Mapping[str, Any], context: _Context) -> dict[str, Any]:
    """A registration made in the weeks before teaching starts; graded once the unit is over."""
    rng = made.rng
    created = max(WINDOW_START, context.starts - between(rng, 0, 21 * DAY))
    state = _STATES.draw(rng)
    band, grades, updated = None, [], created
    over = context.starts + 120 * DAY <= AS_OF
    if state == "registered" and over and chance(rng, 0.8):
        band = _BANDS.draw(rng)
        grades = _grades(rng, unit["grades"], band, published=chance(rng, 0.9))
        updated = min(AS_OF, context.starts + between(rng, 100 * DAY, 200 * DAY))
    elif state == "registered" and len(unit["grades"]) > 1 and chance(rng, 0.3):
        # Under way: the first component marked, not yet published.
        grades = [_grade(unit["grades"][0]["name"], str(between(rng, 30, 95)), published=False)]
        updated = min(AS_OF, context.starts + between(rng, 20 * DAY, 60 * DAY))
    return {
        "id": made.ids.new(created),
        "context_id": context.id,
        "registration_state": state,
        "grade_state_name": band.name if band else None,
        "grade_notes": "",
        "grade_feedback": pick(rng, made.feedback) if band and chance(rng, 0.3) else "",
        "grades": grades,
        "created_at": created,
        "updated_at": updated,
    }


def _grades(
    rng: Random, schema: Sequence[Mapping[str, Any]], band: GradeBand, published: bool
) -> list[dict[str, Any]]:
    """Every grade of the unit's schema: the final mark in the band, the components within 10 of it."""
    final = between(rng, band.lowest, band.highest)
    marks = {name: min(100, max(0, final + between(rng, -10, 10))) for name, _ in OPTIONAL_GRADES}
    marks[FINAL_GRADE[0]] = final
    return [_grade(definition["name"], str(marks[definition["name"]]), published) for definition in schema]


def _grade(name: str, value: str, published: bool) -> dict[str, Any]:
    """A grade as fixtures store it (and `GET /__admin/state` dumps it)."""
    return {
        "name": name,
        "value": value,
        "published": published,
        "comment": None,
        "resit_value": None,
        "resit_justification": None,
    }


def generate(seed: int, sizes: Sizes, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """FullFabric's fixture data for `seed` and `sizes` (`progress` is for registrations: not called)."""
    return _fullfabric(
        faker(seed, "fullfabric"), rng(seed, "fullfabric"), rng(seed, "fullfabric/study_plans"), sizes
    )
