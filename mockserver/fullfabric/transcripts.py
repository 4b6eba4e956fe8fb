"""FullFabric's registration rules: profiles, courses, classes, units and each profile's transcript."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Final

from mockserver.errors import MockserverError
from mockserver.ids import ObjectIds

REGISTRATION_STATES = ("conditional", "registered", "rejected")


class _Keep:
    """A field the request left out: an update keeps what was there."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


# Domain errors; the blueprint gives each its status and the vendor's error body.
class FullFabricError(MockserverError):
    """Base class of FullFabric's domain errors."""


class ProfileNotFound(FullFabricError):
    """The path's profile does not exist: the whole request fails."""


class ItemError(FullFabricError):
    """One registration item failed; the others still apply."""


class InvalidItem(ItemError):
    """The item is malformed: a field missing, of the wrong type, or repeated."""


class UnitNotFound(ItemError):
    pass


class ContextNotFound(ItemError):
    pass


class UnitNotOffered(ItemError):
    """The unit is not offered in the course of the item's context."""


class UnknownGrade(ItemError):
    """The item grades something that is not in the unit's grade schema."""


class UnknownGradeState(ItemError):
    pass


class RegistrationNotFound(ItemError):
    """An update names a unit the profile has no registration for (in the course of its context)."""


class UnitUpdateRefused(FullFabricError):
    """One item of a unit's update fails, so the whole update does, and nothing is applied."""

    def __init__(self, index: int, error: FullFabricError) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


@dataclass(frozen=True, slots=True)
class GradeDefinition:
    """One entry of a unit's grade schema."""

    id: str
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str | None
    grades: tuple[GradeDefinition, ...]

    def grade_names(self) -> set[str]:
        return {grade.name for grade in self.grades}


@dataclass(frozen=True, slots=True)
class GradeState:
    name: str
    awarded: bool


@dataclass(frozen=True, slots=True)
class Catalog:
    """What a registration refers to; fixed by the fixtures."""

    profiles: Mapping[str, Mapping[str, Any]]
    course_units: Mapping[str, frozenset[str]]  # course id → the units it offers
    class_courses: Mapping[str, str]  # class id → its course id
    units: Mapping[str, Unit]
    grade_states: Mapping[str, GradeState]

    def course_of(self, context_id: str) -> str:
        """The course a context belongs to: a class's course, or the course itself."""
        if context_id in self.course_units:
            return context_id
        try:
            return self.class_courses[context_id]
        except KeyError:
            raise ContextNotFound(f"context {context_id} not found") from None


@dataclass(slots=True)
class Grade:
    """A grade's values in one registration; `supplied` once a request (or fixture) has given it."""

    value: str | None = None
    published: bool = False
    comment: str | None = None
    resit_value: str | None = None
    resit_justification: str | None = None
    supplied: bool = False


@dataclass(slots=True)
class Registration:
    id: str
    profile_id: str
    unit_id: str
    course_id: str
    context_id: str
    created_at: int
    updated_at: int
    grades: dict[str, Grade]
    registration_state: str = "registered"
    grade_state_name: str | None = None
    grade_notes: str = ""
    grade_feedback: str = ""
    awarded: bool | None = None  # set by a unit's update; None: the grade state's


@dataclass(slots=True)
class TranscriptEntry:
    """A unit on a profile's transcript, in one course; registered or not."""

    profile_id: str
    unit_id: str
    course_id: str
    registration: Registration | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.profile_id, self.unit_id, self.course_id)


@dataclass(frozen=True, slots=True)
class GradeInput:
    name: str
    value: str | None = None
    published: bool = False


@dataclass(frozen=True, slots=True)
class RegistrationItem:
    """One item of a create-registrations request, well-formed but not yet checked against state."""

    unit_id: str
    context_id: str
    grade_state_name: str | None | _Keep = KEEP
    grades: tuple[GradeInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class UnitRegistrationUpdate:
    """One item of a unit's registrations update: the registration (by its id, or the profile's on the
    unit) and what to set; a field left out (KEEP, or None for the texts and `awarded`) is kept."""

    registration_id: str | None = None
    profile_id: str | None = None
    grade_state_name: str | None | _Keep = KEEP
    awarded: bool | None = None
    grade_notes: str | None = None
    grade_feedback: str | None = None
    grades: tuple[GradeInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class TranscriptQuery:
    """Which of a profile's registrations to list: every filter given must hold; then a page of them."""

    registration_states: frozenset[str] | None = None
    context_ids: frozenset[str] | None = None
    limit: int = 10
    skip: int = 0

    def matches(self, registration: Registration) -> bool:
        return (
            self.registration_states is None or registration.registration_state in self.registration_states
        ) and (self.context_ids is None or registration.context_id in self.context_ids)


class Transcripts:
    """Every profile's transcript, and the rules that register units on it."""

    def __init__(self, catalog: Catalog, entries: Iterable[TranscriptEntry]) -> None:
        self.catalog = catalog
        self._entries: dict[tuple[str, str, str], TranscriptEntry] = {entry.key: entry for entry in entries}
        # Each profile's entries in transcript order, so that listing one profile never scans them all.
        self._by_profile: dict[str, list[TranscriptEntry]] = {}
        self._by_unit: dict[str, list[TranscriptEntry]] = {}  # and each unit's, for the unit's list
        for entry in self._entries.values():
            self._by_profile.setdefault(entry.profile_id, []).append(entry)
            self._by_unit.setdefault(entry.unit_id, []).append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> dict[tuple[str, str, str], TranscriptEntry]:
        """Every transcript entry by (profile, unit, course), in the order they were added."""
        return dict(self._entries)

    def registrations(self) -> list[Registration]:
        """Every registration, in transcript order."""
        return [entry.registration for entry in self._entries.values() if entry.registration is not None]

    def check_profile(self, profile_id: str) -> None:
        if profile_id not in self.catalog.profiles:
            raise ProfileNotFound(f"profile {profile_id} not found")

    def registrations_of(self, profile_id: str, query: TranscriptQuery) -> list[Registration]:
        """The profile's registrations that `query` selects, in transcript order, one page of them."""
        found = (
            entry.registration
            for entry in self._by_profile.get(profile_id, ())
            if entry.registration is not None and query.matches(entry.registration)
        )
        skip = min(query.skip, sys.maxsize - query.limit)  # no profile has that many: an empty page
        return list(islice(found, skip, skip + query.limit))

    def check_unit(self, unit_id: str) -> Unit:
        try:
            return self.catalog.units[unit_id]
        except KeyError:
            raise UnitNotFound(f"unit {unit_id} not found") from None

    def registrations_of_unit(self, unit_id: str, limit: int, skip: int) -> list[Registration]:
        """Every profile's registration of the unit, in transcript order, one page of them."""
        found = (entry.registration for entry in self._by_unit.get(unit_id, ()) if entry.registration)
        skip = min(skip, sys.maxsize - limit)
        return list(islice(found, skip, skip + limit))

    def update_unit(self, unit_id: str, updates: Iterable[UnitRegistrationUpdate], now: int) -> int:
        """Apply every update to the unit's registrations it names, all stamped `now`; how many
        registrations changed.

        Every update is checked before any is applied: the first that fails raises `UnitUpdateRefused`
        (naming its index) and nothing changes."""
        unit = self.check_unit(unit_id)
        # The unit's registrations by id and by profile, found once for every item.
        by_id: dict[str, list[Registration]] = {}
        by_profile: dict[str, list[Registration]] = {}
        for entry in self._by_unit.get(unit_id, ()):
            if entry.registration is not None:
                by_id.setdefault(entry.registration.id, []).append(entry.registration)
                by_profile.setdefault(entry.profile_id, []).append(entry.registration)
        checked: list[tuple[UnitRegistrationUpdate, list[Registration]]] = []
        for index, update in enumerate(updates):
            try:
                named = self._named(unit, update, by_id, by_profile)
                checked.append((update, named))
            except FullFabricError as error:
                raise UnitUpdateRefused(index, error) from None
        changed = set()
        for update, registrations in checked:
            for registration in registrations:
                _update_registration(registration, update, now)
                changed.add(registration.id)
        return len(changed)

    def _named(
        self,
        unit: Unit,
        update: UnitRegistrationUpdate,
        by_id: Mapping[str, list[Registration]],
        by_profile: Mapping[str, list[Registration]],
    ) -> list[Registration]:
        """The registrations of `unit` the update names (by id: one; by profile: each the profile has
        on the unit, one per course), once its grades and grade state are found valid. What a schema
        cannot say (grades named twice, names the unit lacks) is judged only once the registration is
        found: a request naming nothing is a 404 whatever else it holds."""
        if update.registration_id is not None:
            named = by_id.get(update.registration_id, [])
            if not named:
                raise RegistrationNotFound(
                    f"registration {update.registration_id} of unit {unit.id} not found"
                )
        else:
            assert update.profile_id is not None
            self.check_profile(update.profile_id)
            named = by_profile.get(update.profile_id, [])
            if not named:
                raise RegistrationNotFound(
                    f"profile {update.profile_id} has no registration on unit {unit.id}"
                )
        names = [grade.name for grade in update.grades]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InvalidItem(f"grades: Grade given more than once: {', '.join(repeated)}.")
        known_names = unit.grade_names()
        unknown = [name for name in names if name not in known_names]
        if unknown:
            known = ", ".join(grade.name for grade in unit.grades) or "none"
            raise UnknownGrade(f"unit {unit.id} has no grade {', '.join(unknown)} (its grades: {known})")
        state = update.grade_state_name
        if isinstance(state, str) and state not in self.catalog.grade_states:
            known = ", ".join(self.catalog.grade_states) or "none"
            raise UnknownGradeState(f"grade state {state} not found (grade states: {known})")
        return named

    def register(self, profile_id: str, item: RegistrationItem, now: int, ids: ObjectIds) -> Registration:
        """Put the item's unit on the transcript and register it (a new id from `ids`), or update its
        registration in place.

        Every check comes before any change, so an item that fails leaves no trace.
        """
        unit, course_id = self._check(item)
        key = (profile_id, unit.id, course_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = TranscriptEntry(profile_id, unit.id, course_id)
            self._by_profile.setdefault(profile_id, []).append(entry)
            self._by_unit.setdefault(unit.id, []).append(entry)
        registration = entry.registration
        if registration is None:
            registration = Registration(
                id=ids.new(now),
                profile_id=profile_id,
                unit_id=unit.id,
                course_id=course_id,
                context_id=item.context_id,
                created_at=now,
                updated_at=now,
                grades={grade.name: Grade() for grade in unit.grades},
            )
            entry.registration = registration
        registration.registration_state = "registered"
        registration.context_id = item.context_id
        _grade(registration, item, now)
        return registration

    def update(self, profile_id: str, item: RegistrationItem, now: int, ids: ObjectIds) -> Registration:
        """Grade the registration the item names, keeping its state and context; never create one.

        The registration is the profile's on the item's unit in the course of the item's context (as
        for `register`). Every check comes before any change, so an item that fails leaves no trace.
        """
        unit, course_id = self._check(item)
        entry = self._entries.get((profile_id, unit.id, course_id))
        if entry is None or entry.registration is None:
            raise RegistrationNotFound(
                f"profile {profile_id} has no registration on unit {unit.id} in course {course_id}"
            )
        _grade(entry.registration, item, now)
        return entry.registration

    def _check(self, item: RegistrationItem) -> tuple[Unit, str]:
        """The item's unit and the course of its context, once the item is found valid against the
        catalog: unit (404), context (404), unit offered there, grade names, grade state (422)."""
        unit = self.catalog.units.get(item.unit_id)
        if unit is None:
            raise UnitNotFound(f"unit {item.unit_id} not found")
        course_id = self.catalog.course_of(item.context_id)
        if unit.id not in self.catalog.course_units[course_id]:
            raise UnitNotOffered(
                f"unit {unit.id} is not offered in course {course_id} of context {item.context_id}"
            )
        known_names = unit.grade_names()
        unknown = [grade.name for grade in item.grades if grade.name not in known_names]
        if unknown:
            known = ", ".join(grade.name for grade in unit.grades) or "none"
            raise UnknownGrade(f"unit {unit.id} has no grade {', '.join(unknown)} (its grades: {known})")
        state = item.grade_state_name
        if isinstance(state, str) and state not in self.catalog.grade_states:
            known = ", ".join(self.catalog.grade_states) or "none"
            raise UnknownGradeState(f"grade state {state} not found (grade states: {known})")
        return unit, course_id

    def to_json(self, registration: Registration) -> dict[str, Any]:
        """The registration object exactly as the vendor's example shows it."""
        unit = self.catalog.units[registration.unit_id]
        state = self.catalog.grade_states.get(registration.grade_state_name or "")
        supplied = [grade for grade in registration.grades.values() if grade.supplied]
        return {
            "id": registration.id,
            "unit_id": registration.unit_id,
            "course_id": registration.course_id,
            "transcript_subject_id": registration.course_id,
            "profile_id": registration.profile_id,
            "registration_state": registration.registration_state,
            "state_name": registration.grade_state_name,
            "grade_state_name": registration.grade_state_name,
            "awarded": registration.awarded
            if registration.awarded is not None
            else (state.awarded if state else False),
            "published": state is not None and all(grade.published for grade in supplied),
            "grade_notes": registration.grade_notes,
            "grade_feedback": registration.grade_feedback,
            "grades": [
                _grade_json(definition, registration.grades[definition.name]) for definition in unit.grades
            ],
            "created_at": registration.created_at,
            "updated_at": registration.updated_at,
        }


def _grade(registration: Registration, item: RegistrationItem | UnitRegistrationUpdate, now: int) -> None:
    """Apply the item's grade state (left out: kept) and grades (merged by name) to a checked item's
    registration, stamped `now`."""
    registration.updated_at = now
    if not isinstance(item.grade_state_name, _Keep):
        registration.grade_state_name = item.grade_state_name
        registration.awarded = None  # a new grade state says again whether it is awarded
    for supplied in item.grades:
        grade = registration.grades[supplied.name]
        grade.value, grade.published, grade.supplied = supplied.value, supplied.published, True


def _update_registration(registration: Registration, update: UnitRegistrationUpdate, now: int) -> None:
    """Apply a checked unit update: grade state and grades as `_grade` does, then what else it sets."""
    _grade(registration, update, now)
    if update.awarded is not None:
        registration.awarded = update.awarded
    if update.grade_notes is not None:
        registration.grade_notes = update.grade_notes
    if update.grade_feedback is not None:
        registration.grade_feedback = update.grade_feedback


def _grade_json(definition: GradeDefinition, grade: Grade) -> dict[str, Any]:
    return {
        "id": definition.id,
        "label": definition.label,
        "name": definition.name,
        "value": grade.value,
        "published": grade.published,
        "comment": grade.comment,
        "resit_value": grade.resit_value,
        "resit_justification": grade.resit_justification,
    }


def build_transcripts(fixture: Mapping[str, Any]) -> Transcripts:
    """The domain objects of a validated FullFabric fixture."""
    catalog = Catalog(
        profiles={profile["id"]: profile for profile in fixture["profiles"]},
        course_units={course["id"]: frozenset(course["units"]) for course in fixture["courses"]},
        class_courses={cls["id"]: cls["course_id"] for cls in fixture["classes"]},
        units={
            unit["id"]: Unit(
                id=unit["id"],
                name=unit.get("name"),
                grades=tuple(GradeDefinition(g["id"], g["name"], g["label"]) for g in unit["grades"]),
            )
            for unit in fixture["units"]
        },
        grade_states={
            state["name"]: GradeState(state["name"], state["awarded"]) for state in fixture["grade_states"]
        },
    )
    entries = []
    for entry in fixture["transcripts"]:
        stored = entry["registration"]
        registration = None
        if stored is not None:
            given = {grade["name"]: grade for grade in stored["grades"]}
            grades = {
                definition.name: (
                    Grade(**{k: v for k, v in given[definition.name].items() if k != "name"}, supplied=True)
                    if definition.name in given
                    else Grade()
                )
                for definition in catalog.units[entry["unit_id"]].grades
            }
            registration = Registration(
                id=stored["id"],
                profile_id=entry["profile_id"],
                unit_id=entry["unit_id"],
                course_id=entry["course_id"],
                context_id=stored["context_id"],
                created_at=stored["created_at"],
                updated_at=stored["updated_at"],
                grades=grades,
                registration_state=stored["registration_state"],
                grade_state_name=stored["grade_state_name"],
                grade_notes=stored["grade_notes"],
                grade_feedback=stored["grade_feedback"],
                awarded=stored.get("awarded"),  # absent from most: a plain record may leave it out
            )
        entries.append(
            TranscriptEntry(entry["profile_id"], entry["unit_id"], entry["course_id"], registration)
        )
    return Transcripts(catalog, entries)


def dump_entry(entry: TranscriptEntry) -> dict[str, Any]:
    """A transcript entry in the fixture format (grades listed are the ones supplied so far)."""
    registration = entry.registration
    dumped: dict[str, Any] = {
        "profile_id": entry.profile_id,
        "unit_id": entry.unit_id,
        "course_id": entry.course_id,
    }
    if registration is None:
        return dumped | {"registration": None}
    return dumped | {
        "registration": {
            "id": registration.id,
            "context_id": registration.context_id,
            "registration_state": registration.registration_state,
            "grade_state_name": registration.grade_state_name,
            "grade_notes": registration.grade_notes,
            "grade_feedback": registration.grade_feedback,
            "grades": [
                {
                    "name": name,
                    "value": grade.value,
                    "published": grade.published,
                    "comment": grade.comment,
                    "resit_value": grade.resit_value,
                    "resit_justification": grade.resit_justification,
                }
                for name, grade in registration.grades.items()
                if grade.supplied
            ],
            "created_at": registration.created_at,
            "updated_at": registration.updated_at,
        }
        # Only when a unit's update set it: the dump of a state that never had one stays as it was.
        | ({} if registration.awarded is None else {"awarded": registration.awarded})
    }
