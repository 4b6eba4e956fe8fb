"""Larger fixture sets made up with faker: the same seed gives the same data, consistent by construction."""

from __future__ import annotations

import bisect
import calendar
import functools
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import TYPE_CHECKING, Any

import yaml

from mockserver.ids import ObjectIds

if TYPE_CHECKING:
    from faker import Faker

# Every date lies in this window; nothing depends on the wall clock. The data is as seen at its end.
WINDOW_START = calendar.timegm((2019, 1, 1, 0, 0, 0))
AS_OF = calendar.timegm((2025, 12, 31, 23, 59, 59))
DAY = 86_400
MAX_REGISTRATIONS = 1_000_000
PROGRESS_STEP = 10_000  # registrations made between two calls of `progress`
FORMATS = ("json", "yaml")

SUBJECTS = (
    "Finance",
    "Accounting",
    "Marketing",
    "Management",
    "Economics",
    "Data Science",
    "Computer Science",
    "Psychology",
    "Public Health",
    "Nursing",
    "Education",
    "Law",
    "International Relations",
    "Mathematics",
    "Statistics",
    "Engineering",
    "Architecture",
    "Sociology",
    "History",
    "Biology",
)
DEGREES = ("BSc", "BA", "MSc", "MA", "MBA", "LLM")
UNIT_NAMES = (
    "Introduction to {}",
    "Foundations of {}",
    "Advanced {}",
    "Applied {}",
    "{} in Practice",
    "Topics in {}",
    "Ethics and {}",
    "{} Project",
    "Quantitative Methods",
    "Research Methods",
    "Professional Skills",
    "Dissertation",
)
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
# DigitalChalk: an offering still running at the end of the window has mostly active registrations; a
# finished one mostly completed ones, and a few never finished (still active).
RUNNING_STATUSES = (("active", 90), ("ejected", 10))
FINISHED_STATUSES = (("passed", 65), ("failed", 17), ("ejected", 8), ("active", 10))


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much to make. FullFabric: `profiles`, `courses`, and `units` and `classes` per course.
    DigitalChalk: `registrations` among `users` × `offerings`, at most one per user and offering."""

    profiles: int
    courses: int
    units: int
    classes: int
    registrations: int
    users: int
    offerings: int

    @classmethod
    def scaled(cls, registrations: int, **given: int | None) -> Sizes:
        """The sizes `given` (None: not given), the others scaled to `registrations`; `ValueError` if
        there are fewer user and offering pairs than registrations."""
        chosen = {name: value for name, value in given.items() if value is not None}
        profiles = chosen.get("profiles", max(10, registrations // 100))
        defaults = {
            "profiles": profiles,
            "courses": min(max(2, profiles // 50), 100),
            "units": 6,
            "classes": 2,
            "users": max(10, registrations // 5),
            "offerings": max(10, registrations // 100),
        }
        sizes = cls(registrations=registrations, **(defaults | chosen))
        if sizes.users * sizes.offerings < registrations:
            raise ValueError(
                f"{registrations} registrations need at least as many users × offerings "
                f"(one registration per user and offering), not {sizes.users} × {sizes.offerings}"
            )
        return sizes


def generate(seed: int, sizes: Sizes, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Both vendors' fixture data for `seed`, in the fixture files' format (DigitalChalk's registrations as
    a `Registrations`). `progress` is called with the number of registrations made since its last call.
    Each vendor draws from generators of its own, so its data depends only on its own sizes."""
    return {
        "fullfabric": _fullfabric(_faker(seed, "fullfabric"), Random(f"{seed}:fullfabric"), sizes),
        "digitalchalk": _digitalchalk(
            _faker(seed, "digitalchalk"), Random(f"{seed}:digitalchalk"), sizes, progress
        ),
    }


def _faker(seed: int, vendor: str) -> Faker:
    from faker import Faker  # here, not above: `mockserver run` starts faster without it

    fake = Faker("en_US")
    fake.seed_instance(f"{seed}:{vendor}")
    return fake


# --- drawing ---------------------------------------------------------------------------------------------


def _between(rng: Random, low: int, high: int) -> int:
    """A whole number from `low` to `high`, both included. Built on `random()`, the one draw whose
    sequence Python keeps the same across versions."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: Random, choices: Sequence[Any]) -> Any:
    return choices[int(rng.random() * len(choices))]


def _chance(rng: Random, probability: float) -> bool:
    return rng.random() < probability


def _sample(rng: Random, population: int, count: int) -> list[int]:
    """`count` different whole numbers below `population` (Floyd's algorithm: one draw each, however
    large the population), in the order drawn."""
    chosen: set[int] = set()
    drawn: list[int] = []
    for last in range(population - count, population):
        number = _between(rng, 0, last)
        if number in chosen:
            number = last
        chosen.add(number)
        drawn.append(number)
    return drawn


class _Weighted:
    """A weighted draw among (choice, weight) pairs."""

    def __init__(self, weighted: Sequence[tuple[Any, int]]) -> None:
        self.choices = [choice for choice, _ in weighted]
        self.totals = list(itertools.accumulate(weight for _, weight in weighted))

    def draw(self, rng: Random) -> Any:
        return self.choices[bisect.bisect(self.totals, rng.random() * self.totals[-1])]


# --- FullFabric ------------------------------------------------------------------------------------------


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


_BANDS = _Weighted(GRADE_BANDS)
_STATES = _Weighted(REGISTRATION_STATES)


def _fullfabric(fake: Faker, rng: Random, sizes: Sizes) -> dict[str, Any]:
    """Profiles, courses with their units and classes, grade states, and each profile's transcript."""
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
    return {
        "tokens": [],
        "profiles": profiles,
        "courses": made.courses,
        "classes": made.classes,
        "units": list(made.units.values()),
        "grade_states": [{"name": band.name, "awarded": band.awarded} for band, _ in GRADE_BANDS],
        "transcripts": transcripts,
    }


def _add_course(made: _FullFabric, units: int, classes: int) -> None:
    """A course created early in the window, the units it offers, and its classes (intakes)."""
    rng = made.rng
    created = _between(rng, WINDOW_START, WINDOW_START + 180 * DAY)
    subject = _pick(rng, SUBJECTS)
    course = {
        "id": made.ids.new(created),
        "name": f"{_pick(rng, DEGREES)} {subject}",
        "units": [],
    }
    order = _sample(rng, len(UNIT_NAMES), len(UNIT_NAMES))
    for number in range(units):
        name = UNIT_NAMES[order[number % len(order)]].format(subject)
        unit = _unit(made, created, name if number < len(order) else f"{name} {number // len(order) + 1}")
        made.units[unit["id"]] = unit
        course["units"].append(unit["id"])
    made.courses.append(course)
    contexts = [_add_class(made, course) for _ in range(classes)]
    # Registering in the course itself: it starts when one of its classes does, or on an intake of its own.
    starts = _pick(rng, contexts).starts if contexts else _intake(rng)
    made.contexts[course["id"]] = [*contexts, _Context(course["id"], course, starts)]


def _unit(made: _FullFabric, course_created: int, name: str) -> dict[str, Any]:
    """A unit and its grade schema (id, name, label), made with its course."""
    created = course_created + _between(made.rng, 0, 7 * DAY)
    components = [grade for grade in OPTIONAL_GRADES if _chance(made.rng, 0.5)]
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
    month, _ = _pick(rng, INTAKES)
    day = calendar.timegm((_between(rng, 2020, 2025), month, _between(rng, 1, 14), 0, 0, 0))
    return day + _between(rng, 0, DAY - 1)


def _add_class(made: _FullFabric, course: Mapping[str, Any]) -> _Context:
    starts = _intake(made.rng)
    when = time.gmtime(starts)
    made.classes.append(
        {
            "id": made.ids.new(starts - _between(made.rng, 60, 180) * DAY),
            "course_id": course["id"],
            "name": f"{course['name']} - {dict(INTAKES)[when.tm_mon]} {when.tm_year} intake",
        }
    )
    return _Context(made.classes[-1]["id"], course, starts)


def _profile(made: _FullFabric) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A student enrolled in a course (one in ten in two), and the transcript entries that come of it."""
    rng, fake = made.rng, made.fake
    courses = list(made.contexts)
    chosen = _sample(rng, len(courses), min(len(courses), 2 if _chance(rng, 0.1) else 1))
    contexts = [_context(rng, made.contexts[courses[index]]) for index in chosen]
    created = max(WINDOW_START, min(context.starts for context in contexts) - _between(rng, 30, 200) * DAY)
    first_name, last_name = fake.first_name(), fake.last_name()
    profile = {
        "id": made.ids.new(created),
        "first_name": first_name,
        "last_name": last_name,
        "email": f"{_local_part(first_name)}.{_local_part(last_name)}@{fake.safe_domain_name()}",
    }
    entries = [entry for context in contexts for entry in _transcript(made, profile["id"], context)]
    return profile, entries


def _context(rng: Random, contexts: Sequence[_Context]) -> _Context:
    """One of the course's classes, mostly; the course itself (listed last) one time in six, or when it
    has no classes."""
    classes = contexts[:-1]
    return _pick(rng, classes) if classes and not _chance(rng, 1 / 6) else contexts[-1]


def _local_part(name: str) -> str:
    return "".join(character for character in name.lower() if character.isalnum())


def _transcript(made: _FullFabric, profile_id: str, context: _Context) -> list[dict[str, Any]]:
    """Most of the course's units (at least one); three in four registered, the others not yet."""
    rng = made.rng
    offered = context.course["units"]
    taken = [unit for unit in offered if _chance(rng, 0.8)] or [_pick(rng, offered)]
    return [
        {
            "profile_id": profile_id,
            "unit_id": unit_id,
            "course_id": context.course["id"],
            "registration": _registration(made, made.units[unit_id], context) if _chance(rng, 0.75) else None,
        }
        for unit_id in taken
    ]


def _registration(made: _FullFabric, unit: Mapping[str, Any], context: _Context) -> dict[str, Any]:
    """A registration made in the weeks before teaching starts; graded once the unit is over."""
    rng = made.rng
    created = max(WINDOW_START, context.starts - _between(rng, 0, 21 * DAY))
    state = _STATES.draw(rng)
    band, grades, updated = None, [], created
    over = context.starts + 120 * DAY <= AS_OF
    if state == "registered" and over and _chance(rng, 0.8):
        band = _BANDS.draw(rng)
        grades = _grades(rng, unit["grades"], band, published=_chance(rng, 0.9))
        updated = min(AS_OF, context.starts + _between(rng, 100 * DAY, 200 * DAY))
    elif state == "registered" and len(unit["grades"]) > 1 and _chance(rng, 0.3):
        # Under way: the first component marked, not yet published.
        grades = [_grade(unit["grades"][0]["name"], str(_between(rng, 30, 95)), published=False)]
        updated = min(AS_OF, context.starts + _between(rng, 20 * DAY, 60 * DAY))
    return {
        "id": made.ids.new(created),
        "context_id": context.id,
        "registration_state": state,
        "grade_state_name": band.name if band else None,
        "grade_notes": "",
        "grade_feedback": _pick(rng, made.feedback) if band and _chance(rng, 0.3) else "",
        "grades": grades,
        "created_at": created,
        "updated_at": updated,
    }


def _grades(
    rng: Random, schema: Sequence[Mapping[str, Any]], band: GradeBand, published: bool
) -> list[dict[str, Any]]:
    """Every grade of the unit's schema: the final mark in the band, the components within 10 of it."""
    final = _between(rng, band.lowest, band.highest)
    marks = {name: min(100, max(0, final + _between(rng, -10, 10))) for name, _ in OPTIONAL_GRADES}
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


# --- DigitalChalk ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offering:
    """A DigitalChalk offering (a section of a course). Not a fixture collection: the generator's source of
    consistent `offeringId`, `title`, dates and graders for the registrations in it."""

    id: str
    title: str
    opens: int  # enrolment opens
    starts: int
    ends: int
    running: bool  # still running at the end of the window
    graders: tuple[str, ...]


# A registration, compact (a million dicts would take a gigabyte): createdDate, id, userId, the Offering,
# status, grade, graderId, graderComment, beginDate, lastActiveDate, endDate; dates in unix seconds.
Row = tuple[Any, ...]


class Registrations:
    """DigitalChalk registrations in creation order, kept as rows; iterating gives each in the vendor's
    fields, a field without a value left out."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for created, id_, user_id, offering, status, grade, grader, comment, begin, last, end in self._rows:
            values = {
                "id": id_,
                "userId": user_id,
                "offeringId": offering.id,
                "title": offering.title,
                "status": status,
                "grade": grade,
                "graderId": grader,
                "graderComment": comment,
                "createdDate": timestamp(created),
                "beginDate": None if begin is None else timestamp(begin),
                "lastActiveDate": None if last is None else timestamp(last),
                "endDate": None if end is None else timestamp(end),
            }
            yield {name: value for name, value in values.items() if value is not None}


@functools.cache
def _date(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY))


@functools.cache
def _times_of_day() -> tuple[str, ...]:
    return tuple(
        f"{hour:02d}:{minute:02d}:{second:02d}"
        for hour in range(24)
        for minute in range(60)
        for second in range(60)
    )


def timestamp(seconds: int) -> str:
    """DigitalChalk's `YYYY-MM-DDTHH:MM:SSZ`, from strings made once per day and per second of a day:
    formatting each of millions of dates is what writing would otherwise spend its time on."""
    day, second = divmod(seconds, DAY)
    return f"{_date(day)}T{_times_of_day()[second]}Z"


def _hex_id(rng: Random) -> str:
    """A DigitalChalk id: 32 lowercase hex digits, as in the vendor's example."""
    return f"{rng.getrandbits(128):032x}"


_RUNNING = _Weighted(RUNNING_STATUSES)
_FINISHED = _Weighted(FINISHED_STATUSES)


def _digitalchalk(
    fake: Faker, rng: Random, sizes: Sizes, progress: Callable[[int], None] | None
) -> dict[str, Any]:
    """Users and offerings (kept here only), and registrations of distinct users in offerings."""
    users = [_hex_id(rng) for _ in range(sizes.users)]
    offerings = _offerings(rng, sizes.offerings)
    comments = [fake.sentence(nb_words=8) for _ in range(25)]
    rows: list[Row] = []
    for number, pair in enumerate(_sample(rng, len(users) * len(offerings), sizes.registrations), 1):
        user, offering = divmod(pair, len(offerings))
        rows.append(_registration_row(rng, users[user], offerings[offering], comments))
        if progress and number % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
    if progress:
        progress(len(rows) % PROGRESS_STEP)
    rows.sort(key=lambda row: (row[0], row[1]))  # creation order, as the vendor's database would list them
    return {"tokens": [], "registrations": Registrations(rows)}


def _offerings(rng: Random, count: int) -> list[Offering]:
    """Offerings as sections of courses: a course runs one to four sections, each with its own dates."""
    offerings: list[Offering] = []
    while len(offerings) < count:
        course = _pick(rng, UNIT_NAMES).format(_pick(rng, SUBJECTS))
        for section in range(1, min(_between(rng, 1, 4), count - len(offerings)) + 1):
            offerings.append(_offering(rng, f"{course} - Section {section}"))
    return offerings


def _offering(rng: Random, title: str) -> Offering:
    """Four to sixteen weeks of teaching; one offering in seven still running at the end of the window."""
    weeks = _between(rng, 4, 16)
    running = _chance(rng, 1 / 7)
    if running:
        starts = _between(rng, AS_OF - 90 * DAY, AS_OF - 7 * DAY)
    else:  # over, with a month to spare for late grading and ejections
        starts = _between(rng, WINDOW_START + 60 * DAY, AS_OF - 150 * DAY - weeks * 7 * DAY)
    return Offering(
        id=_hex_id(rng),
        title=title,
        opens=starts - _between(rng, 14, 60) * DAY,
        starts=starts,
        ends=starts + weeks * 7 * DAY,
        running=running,
        graders=tuple(_hex_id(rng) for _ in range(_between(rng, 1, 2))),
    )


def _registration_row(rng: Random, user_id: str, offering: Offering, comments: Sequence[str]) -> Row:
    """A registration made while enrolment is open, begun within a week of teaching starting; the status
    decides the rest, so that createdDate ≤ beginDate ≤ lastActiveDate ≤ endDate."""
    status = (_RUNNING if offering.running else _FINISHED).draw(rng)
    created = _between(rng, offering.opens, min(offering.starts + 14 * DAY, AS_OF))
    start = max(created, offering.starts)
    begin = _between(rng, start, min(start + 7 * DAY, AS_OF))
    if status == "active":
        rest = _active(rng, offering, begin)
    elif status == "ejected":
        rest = _ejected(rng, offering, created, begin)
    else:
        rest = _completed(rng, offering, begin, comments, passed=status == "passed")
    return (created, _hex_id(rng), user_id, offering, status, *rest)


def _active(rng: Random, offering: Offering, begin: int) -> tuple[Any, ...]:
    """No grade and no endDate; one in eight has not begun yet."""
    if _chance(rng, 1 / 8):
        return None, None, None, None, None, None
    return None, None, None, begin, _between(rng, begin, min(offering.ends, AS_OF)), None


def _ejected(rng: Random, offering: Offering, created: int, begin: int) -> tuple[Any, ...]:
    """Ejected within a month of last being active (one in five before ever beginning); no grade."""
    if _chance(rng, 1 / 5):
        return None, None, None, None, None, _between(rng, created, min(created + 30 * DAY, AS_OF))
    last = _between(rng, begin, (begin + min(offering.ends, AS_OF)) // 2)
    return None, None, None, begin, last, _between(rng, last, min(last + 30 * DAY, AS_OF))


def _completed(
    rng: Random, offering: Offering, begin: int, comments: Sequence[str], passed: bool
) -> tuple[Any, ...]:
    """Passed (70–100) or failed (10–69.99), ended within two days of last being active. One in twelve was
    graded by hand, by one of the offering's graders, mostly with a comment; half of those were done on
    paper and never begun online (as the vendor's example shows)."""
    hundredths = _between(rng, 7000, 10000) if passed else _between(rng, 1000, 6999)
    grade = hundredths // 100 if hundredths % 100 == 0 else hundredths / 100
    last = _between(rng, (begin + offering.ends) // 2, offering.ends)
    end = _between(rng, last, last + 2 * DAY)
    if not _chance(rng, 1 / 12):
        return grade, None, None, begin, last, end
    grader = _pick(rng, offering.graders)
    comment = _pick(rng, comments) if _chance(rng, 0.7) else None
    if _chance(rng, 0.5):
        return grade, grader, comment, None, None, end
    return grade, grader, comment, begin, last, end


# --- files -----------------------------------------------------------------------------------------------

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def file_text(fixture: Mapping[str, Iterable[Any]], file_format: str) -> Iterator[str]:
    """A fixture file's text, in pieces. JSON: one record per line, readable and byte-stable; YAML: block
    style, far slower to write and to load at large sizes."""
    if file_format == "yaml":
        records = {name: list(values) for name, values in fixture.items()}
        yield yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=110)
        return
    yield "{"
    for position, (name, records) in enumerate(fixture.items()):
        yield f"\n  {_ENCODE(name)}: ["
        separator = "\n    "
        for record in records:
            yield separator + _ENCODE(record)
            separator = ",\n    "
        yield "]" if separator == "\n    " else "\n  ]"
        yield "," if position < len(fixture) - 1 else "\n}\n"
