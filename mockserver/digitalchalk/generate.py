"""DigitalChalk's part of a generated fixture set: users, and registrations of them in offerings,
consistent by construction, kept compact (a million dicts would take a gigabyte)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from random import Random
from typing import TYPE_CHECKING, Any

from mockserver.fixtures.generate import (
    AS_OF,
    DAY,
    PROGRESS_STEP,
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

from .agreements_generate import agreement_fixtures
from .userfields_generate import generate_userfields

if TYPE_CHECKING:
    from faker import Faker

# DigitalChalk: an offering still running at the end of the window has mostly active registrations; a
# finished one mostly completed ones, and a few never finished (still active).
RUNNING_STATUSES = (("active", 90), ("ejected", 10))
FINISHED_STATUSES = (("passed", 65), ("failed", 17), ("ejected", 8), ("active", 10))


@dataclass(frozen=True, slots=True)
class Offering:
    """A DigitalChalk offering (a section of a course): the source of consistent `offeringId`, `title`,
    dates and graders for the registrations in it, and of the `offerings` collection itself."""

    id: str
    title: str
    subject: str  # its course's subject: its category
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


_RUNNING = Weighted(RUNNING_STATUSES)
_FINISHED = Weighted(FINISHED_STATUSES)


def _digitalchalk(
    fake: Faker, rng: Random, sizes: Sizes, progress: Callable[[int], None] | None
) -> dict[str, Any]:
    """Users, offerings (kept here only), and registrations of distinct users in offerings."""
    users = [_hex_id(rng) for _ in range(sizes.users)]
    offerings = _offerings(rng, sizes.offerings)
    comments = [fake.sentence(nb_words=8) for _ in range(25)]
    rows: list[Row] = []
    for number, pair in enumerate(sample(rng, len(users) * len(offerings), sizes.registrations), 1):
        user, offering = divmod(pair, len(offerings))
        rows.append(_registration_row(rng, users[user], offerings[offering], comments))
        if progress and number % PROGRESS_STEP == 0:
            progress(PROGRESS_STEP)
    if progress:
        progress(len(rows) % PROGRESS_STEP)
    rows.sort(key=lambda row: (row[0], row[1]))  # creation order, as the vendor's database would list them
    people = _users(fake, rng, users, rows)
    categories, catalogue = _catalogue(Random(f"{rng.random()}:catalogue"), offerings)
    agreements = agreement_fixtures(Random(f"{rng.random()}:agreements"), people, timestamp)
    userfields = generate_userfields(Random(f"{rng.random()}:userfields"), fake, people)
    return {
        "tokens": [],
        "offeringCategories": categories,
        "offerings": catalogue,
        "registrations": Registrations(rows),
        "users": people,
        **agreements,
        **userfields,
    }


LOCALES = (("en", 80), ("es", 8), ("fr", 6), ("de", 4), ("pt-BR", 2))
TAGS = ("staff", "contractor", "partner", "onsite", "remote", "manager", "new-hire", "volunteer")
DOMAINS = ("example.org", "example.com", "example.net", "mail.example.edu")


def _users(fake: Faker, rng: Random, ids: Sequence[str], rows: Sequence[Row]) -> list[dict[str, Any]]:
    """A user for each id, in order of creation. Each was created before their first registration and
    last logged in at their last activity (never, if never active); one in three has no username (the
    organisation has usernames off for them), emails and usernames are unique. Names come from small
    pools drawn once: faking each of 200,000 users would take longer than the registrations."""
    firsts = [fake.first_name() for _ in range(300)]
    lasts = [fake.last_name() for _ in range(500)]
    first_registered: dict[str, int] = {}
    last_active: dict[str, int] = {}
    for created, _, user_id, _, _, _, _, _, begin, last, _ in rows:
        first_registered.setdefault(user_id, created)  # rows are in creation order
        seen = last if last is not None else begin
        if seen is not None and seen > last_active.get(user_id, seen - 1):
            last_active[user_id] = seen
    locales = Weighted(LOCALES)
    handles: dict[str, int] = {}
    users: list[tuple[int, dict[str, Any]]] = []
    for user_id in ids:
        first, last = pick(rng, firsts), pick(rng, lasts)
        handle = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
        count = handles[handle] = handles.get(handle, 0) + 1
        if count > 1:
            handle = f"{handle}{count}"
        email = f"{handle}@{pick(rng, DOMAINS)}"
        registered = first_registered.get(user_id, AS_OF)
        created = between(rng, max(WINDOW_START, registered - 60 * DAY), registered)
        seen = last_active.get(user_id)
        values = {
            "id": user_id,
            "firstName": first,
            "lastName": last,
            "username": None if chance(rng, 1 / 3) else email,
            "email": email,
            "locale": locales.draw(rng),
            "tags": sample_tags(rng),
            "createdDate": timestamp(created),
            "lastLoginDate": None if seen is None else timestamp(between(rng, seen, min(seen + DAY, AS_OF))),
        }
        users.append((created, {name: value for name, value in values.items() if value is not None}))
    users.sort(key=lambda user: (user[0], user[1]["id"]))
    return [user for _, user in users]


def sample_tags(rng: Random) -> list[str] | None:
    """No tags for most users; one or two for the rest."""
    if not chance(rng, 0.3):
        return None
    return sorted({pick(rng, TAGS) for _ in range(between(rng, 1, 2))})


def _offerings(rng: Random, count: int) -> list[Offering]:
    """Offerings as sections of courses: a course runs one to four sections, each with its own dates."""
    offerings: list[Offering] = []
    while len(offerings) < count:
        unit, subject = pick(rng, UNIT_NAMES), pick(rng, SUBJECTS)
        for section in range(1, min(between(rng, 1, 4), count - len(offerings)) + 1):
            offerings.append(_offering(rng, f"{unit.format(subject)} - Section {section}", subject))
    return offerings


def _offering(rng: Random, title: str, subject: str) -> Offering:
    """Four to sixteen weeks of teaching; one offering in seven still running at the end of the window."""
    weeks = between(rng, 4, 16)
    running = chance(rng, 1 / 7)
    if running:
        starts = between(rng, AS_OF - 90 * DAY, AS_OF - 7 * DAY)
    else:  # over, with a month to spare for late grading and ejections
        starts = between(rng, WINDOW_START + 60 * DAY, AS_OF - 150 * DAY - weeks * 7 * DAY)
    return Offering(
        id=_hex_id(rng),
        title=title,
        subject=subject,
        opens=starts - between(rng, 14, 60) * DAY,
        starts=starts,
        ends=starts + weeks * 7 * DAY,
        running=running,
        graders=tuple(_hex_id(rng) for _ in range(between(rng, 1, 2))),
    )


def _catalogue(
    rng: Random, offerings: Sequence[Offering]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The offering categories (one per subject taught) and the offerings, in the vendor's fields. Drawn
    from their own random numbers, after the registrations', which so stay what they were.

    Registration opens with enrolment and closes two weeks into teaching, when the last registration may
    be made (see `_registration_row`); an offering still running stays open (self-paced), so that a
    user may still register for it by the real clock. One offering in four allows retakes."""
    subjects = sorted({offering.subject for offering in offerings})
    category_ids = {subject: _hex_id(rng) for subject in subjects}
    categories = [
        {
            "id": category_ids[subject],
            "name": subject,
            "color": f"#{rng.getrandbits(24):06x}",
            "orderIndex": index,
        }
        for index, subject in enumerate(subjects)
    ]
    records: list[dict[str, Any]] = []
    for index, offering in enumerate(offerings):
        record: dict[str, Any] = {
            "id": offering.id,
            "title": offering.title,
            "price": between(rng, 4, 40) * 25.0,
            "tags": [offering.subject.lower(), "running" if offering.running else "archived"],
            "offeringCategoryIds": [category_ids[offering.subject]],
            "orderIndex": index,
            "createdDate": timestamp(offering.opens - between(rng, 1, 30) * DAY),
            "beginDate": timestamp(offering.starts),
            "endDate": timestamp(offering.ends),
            "registrationBeginDate": timestamp(offering.opens),
        }
        if not offering.running:
            record["registrationEndDate"] = timestamp(min(offering.starts + 14 * DAY, AS_OF))
        if chance(rng, 1 / 4):
            record["allowRetakes"] = True
        records.append(record)
    return categories, records


def _registration_row(rng: Random, user_id: str, offering: Offering, comments: Sequence[str]) -> Row:
    """A registration made while enrolment is open, begun within a week of teaching starting; the status
    decides the rest, so that createdDate ≤ beginDate ≤ lastActiveDate ≤ endDate."""
    status = (_RUNNING if offering.running else _FINISHED).draw(rng)
    created = between(rng, offering.opens, min(offering.starts + 14 * DAY, AS_OF))
    start = max(created, offering.starts)
    begin = between(rng, start, min(start + 7 * DAY, AS_OF))
    if status == "active":
        rest = _active(rng, offering, begin)
    elif status == "ejected":
        rest = _ejected(rng, offering, created, begin)
    else:
        rest = _completed(rng, offering, begin, comments, passed=status == "passed")
    return (created, _hex_id(rng), user_id, offering, status, *rest)


def _active(rng: Random, offering: Offering, begin: int) -> tuple[Any, ...]:
    """No grade and no endDate; one in eight has not begun yet."""
    if chance(rng, 1 / 8):
        return None, None, None, None, None, None
    return None, None, None, begin, between(rng, begin, min(offering.ends, AS_OF)), None


def _ejected(rng: Random, offering: Offering, created: int, begin: int) -> tuple[Any, ...]:
    """Ejected within a month of last being active (one in five before ever beginning); no grade."""
    if chance(rng, 1 / 5):
        return None, None, None, None, None, between(rng, created, min(created + 30 * DAY, AS_OF))
    last = between(rng, begin, (begin + min(offering.ends, AS_OF)) // 2)
    return None, None, None, begin, last, between(rng, last, min(last + 30 * DAY, AS_OF))


def _completed(
    rng: Random, offering: Offering, begin: int, comments: Sequence[str], passed: bool
) -> tuple[Any, ...]:
    """Passed (70–100) or failed (10–69.99), ended within two days of last being active. One in twelve was
    graded by hand, by one of the offering's graders, mostly with a comment; half of those were done on
    paper and never begun online (as the vendor's example shows)."""
    hundredths = between(rng, 7000, 10000) if passed else between(rng, 1000, 6999)
    grade = hundredths // 100 if hundredths % 100 == 0 else hundredths / 100
    last = between(rng, (begin + offering.ends) // 2, offering.ends)
    end = between(rng, last, last + 2 * DAY)
    if not chance(rng, 1 / 12):
        return grade, None, None, begin, last, end
    grader = pick(rng, offering.graders)
    comment = pick(rng, comments) if chance(rng, 0.7) else None
    if chance(rng, 0.5):
        return grade, grader, comment, None, None, end
    return grade, grader, comment, begin, last, end


def generate(seed: int, sizes: Sizes, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """DigitalChalk's fixture data for `seed` and `sizes`, its registrations as a `Registrations`."""
    return _digitalchalk(faker(seed, "digitalchalk"), rng(seed, "digitalchalk"), sizes, progress)
