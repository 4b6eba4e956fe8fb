"""FullFabric's registration rules: profiles, courses, classes, units and each profile's transcript."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Mapping
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


class TranscriptNotFound(FullFabricError):
    pass


class RoleNotFound(FullFabricError):
    """The path's role is not one of the path's profile's roles."""


class NotRegistered(FullFabricError):
    """A grade for a profile with no registration on the unit."""


class CourseRefused(FullFabricError):
    """Registering courses stopped at this one (unknown, or not in the study plan); those before it stay
    registered."""

    def __init__(self, course_id: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.course_id, self.reason = course_id, reason


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
class PlanCourse:
    """A course of a study plan, with what the transcript shows of it as a transcript subject."""

    course_id: str
    course_type: str = "Core"
    credits: float | None = None
    hours: float | None = None
    max_number_absences: int | None = None
    subject_id: str | None = None
    category_id: str | None = None
    counts_towards_curricular_grade: bool = True
    counts_towards_total_credits: bool = True


@dataclass(frozen=True, slots=True)
class StudyPlan:
    """A class's study plan: the courses a transcript of the class starts with, and the only ones its
    `courses/register` takes. `id` None: the fixtures give the class none, so its course alone."""

    id: str | None
    courses: Mapping[str, PlanCourse]  # by course id, in plan order


@dataclass(frozen=True, slots=True)
class Catalog:
    """What a registration refers to; fixed by the fixtures."""

    profiles: Mapping[str, Mapping[str, Any]]
    course_units: Mapping[str, tuple[str, ...]]  # course id → the units it offers, in order
    class_courses: Mapping[str, str]  # class id → its course id
    units: Mapping[str, Unit]
    grade_states: Mapping[str, GradeState]
    roles: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # role id → (profile id, class id)
    profile_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # profile → its role ids
    plans: Mapping[str, StudyPlan] = field(default_factory=dict)  # class id → its study plan

    def plan_of(self, class_id: str | None) -> StudyPlan:
        """The class's study plan: the fixtures' or, without one, the class's course alone (no class: no
        plan)."""
        if class_id is None:
            return StudyPlan(None, {})
        found = self.plans.get(class_id)
        if found is not None:
            return found
        course = self.class_courses[class_id]
        return StudyPlan(None, {course: PlanCourse(course)})

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
class Transcript:
    """A profile's transcript for one of its roles (`role_id` None: for registrations made outside any of
    its roles' classes): its subjects (course ids, in the order they came onto it) and, through its
    entries, its registrations."""

    id: str
    profile_id: str
    role_id: str | None
    class_id: str | None
    subjects: list[str]
    created_at: int
    updated_at: int


@dataclass(slots=True)
class TranscriptEntry:
    """A unit on a profile's transcript, in one course; registered or not. `transcript_id` empty: not
    placed yet (a fixture entry without one; see `Transcripts.place`)."""

    profile_id: str
    unit_id: str
    course_id: str
    registration: Registration | None = None
    transcript_id: str = ""

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
    """Every profile's transcripts, and the rules that register units on them."""

    def __init__(
        self, catalog: Catalog, transcripts: Iterable[Transcript], entries: Iterable[TranscriptEntry]
    ) -> None:
        self.catalog = catalog
        self._transcripts: dict[str, Transcript] = {}
        self._held: dict[str, list[Transcript]] = {}  # each profile's transcripts, in creation order
        self._of_role: dict[tuple[str, str | None], Transcript] = {}
        self._on: dict[str, list[TranscriptEntry]] = {}  # each transcript's entries, in order
        for transcript in transcripts:
            self._add(transcript)
        self._entries: dict[tuple[str, str, str], TranscriptEntry] = {}
        # Each profile's entries in transcript order, so that listing one profile never scans them all.
        self._by_profile: dict[str, list[TranscriptEntry]] = {}
        self._by_unit: dict[str, list[TranscriptEntry]] = {}  # and each unit's, for the unit's list
        for entry in entries:
            if not entry.transcript_id:  # a fixture entry from before transcripts had ids
                context = entry.registration.context_id if entry.registration else entry.course_id
                entry.transcript_id = self.place(entry.profile_id, context, entry.course_id, self._derived).id
            self._put(entry)

    def _add(self, transcript: Transcript) -> Transcript:
        self._transcripts[transcript.id] = transcript
        self._held.setdefault(transcript.profile_id, []).append(transcript)
        self._of_role[(transcript.profile_id, transcript.role_id)] = transcript
        self._on.setdefault(transcript.id, [])
        return transcript

    def _put(self, entry: TranscriptEntry) -> None:
        """Add a placed entry: on its transcript (its course a subject there), its profile and its unit."""
        self._entries[entry.key] = entry
        self._by_profile.setdefault(entry.profile_id, []).append(entry)
        self._by_unit.setdefault(entry.unit_id, []).append(entry)
        self._on[entry.transcript_id].append(entry)
        transcript = self._transcripts[entry.transcript_id]
        if entry.course_id not in transcript.subjects:
            transcript.subjects.append(entry.course_id)
        if entry.registration is not None:
            transcript.updated_at = max(transcript.updated_at, entry.registration.updated_at)

    def new_transcript(
        self, profile_id: str, role_id: str | None, transcript_id: str, now: int
    ) -> Transcript:
        """A transcript for the profile's role, its subjects the study plan's courses; not yet added."""
        class_id = self.catalog.roles[role_id][1] if role_id is not None else None
        subjects = list(self.catalog.plan_of(class_id).courses)
        return Transcript(transcript_id, profile_id, role_id, class_id, subjects, now, now)

    def _derived(self, profile_id: str, role_id: str | None) -> Transcript:
        """The transcript a fixture implies for entries given without one: its id made from the profile
        and role (the same in every process and every load), created when the profile was."""
        profile = self.catalog.profiles[profile_id]
        created = profile.get("created_at", int(profile_id[:8], 16))
        digest = hashlib.sha1(f"{profile_id}/{role_id}".encode()).hexdigest()[:16]
        return self.new_transcript(profile_id, role_id, f"{created & 0xFFFFFFFF:08x}{digest}", created)

    def place(
        self,
        profile_id: str,
        context_id: str,
        course_id: str,
        make: Callable[[str, str | None], Transcript],
    ) -> Transcript:
        """The transcript a new entry of the profile in `context_id` (of `course_id`) goes on, made by
        `make` (and added) when the profile has none that fits: the transcript of the profile's role in
        the context's class; else the profile's transcript that has the course; else its first; else a
        new one, for its first role without a transcript (or for no role)."""
        roles = self.catalog.profile_roles.get(profile_id, ())
        if context_id in self.catalog.class_courses:
            for role_id in roles:
                if self.catalog.roles[role_id][1] == context_id:
                    found = self._of_role.get((profile_id, role_id))
                    return found if found is not None else self._add(make(profile_id, role_id))
        held = self._held.get(profile_id, [])
        for transcript in held:
            if course_id in transcript.subjects:
                return transcript
        if held:
            return held[0]
        free = next((role_id for role_id in roles if (profile_id, role_id) not in self._of_role), None)
        return self._add(make(profile_id, free))

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
        for entry in self._by_unit.get(unit_id, ()):
            if entry.registration is not None and entry.registration.id in changed:
                self._transcripts[entry.transcript_id].updated_at = now
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
        registration = self._registered(profile_id, unit, course_id, item.context_id, now, ids)
        _grade(registration, item, now)
        return registration

    def _registered(
        self,
        profile_id: str,
        unit: Unit,
        course_id: str,
        context_id: str,
        now: int,
        ids: ObjectIds,
        on: Transcript | None = None,
    ) -> Registration:
        """The profile's registration on the unit in the course, registered in `context_id` at `now`:
        the entry put on a transcript (`on`, else the one `place` finds) if it is not on one, its
        registration made if it has none (a new id from `ids`)."""
        entry = self._entries.get((profile_id, unit.id, course_id))
        if entry is None:

            def make(profile_id: str, role_id: str | None) -> Transcript:
                return self.new_transcript(profile_id, role_id, ids.new(now), now)

            transcript = on or self.place(profile_id, context_id, course_id, make)
            entry = TranscriptEntry(profile_id, unit.id, course_id, transcript_id=transcript.id)
            self._put(entry)
        registration = entry.registration
        if registration is None:
            registration = Registration(
                id=ids.new(now),
                profile_id=profile_id,
                unit_id=unit.id,
                course_id=course_id,
                context_id=context_id,
                created_at=now,
                updated_at=now,
                grades={grade.name: Grade() for grade in unit.grades},
            )
            entry.registration = registration
        registration.registration_state = "registered"
        registration.context_id = context_id
        registration.updated_at = now
        self._transcripts[entry.transcript_id].updated_at = now
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
        self._transcripts[entry.transcript_id].updated_at = now
        return entry.registration

    # transcripts

    def transcripts(self) -> list[Transcript]:
        """Every transcript, in creation order."""
        return list(self._transcripts.values())

    def transcript(self, transcript_id: str) -> Transcript:
        found = self._transcripts.get(transcript_id)
        if found is None:
            raise TranscriptNotFound(f"transcript {transcript_id} not found")
        return found

    def check_role(self, profile_id: str, role_id: str) -> None:
        self.check_profile(profile_id)
        if self.catalog.roles.get(role_id, ("", ""))[0] != profile_id:
            raise RoleNotFound(f"profile {profile_id} has no role {role_id}")

    def role_transcript(self, profile_id: str, role_id: str) -> Transcript:
        self.check_role(profile_id, role_id)
        found = self._of_role.get((profile_id, role_id))
        if found is None:
            raise TranscriptNotFound(
                f"role {role_id} of profile {profile_id} has no transcript yet: create it with POST "
                f"/apis/profiles/profiles/{profile_id}/roles/{role_id}/transcript"
            )
        return found

    def create_transcript(
        self, profile_id: str, role_id: str, now: int, ids: ObjectIds
    ) -> tuple[Transcript, bool]:
        """The role's transcript, made now (its subjects the study plan's courses, none registered) if
        the role has none; and whether it was made."""
        self.check_role(profile_id, role_id)
        found = self._of_role.get((profile_id, role_id))
        if found is not None:
            return found, False
        return self._add(self.new_transcript(profile_id, role_id, ids.new(now), now)), True

    def register_courses(
        self, profile_id: str, role_id: str, course_ids: Iterable[str], now: int, ids: ObjectIds
    ) -> Transcript:
        """Register the courses on the role's transcript, in order: each put on it as a subject, each of
        its units registered. The first course that is unknown or not in the study plan stops it
        (`CourseRefused`); the ones before it stay registered."""
        transcript = self.role_transcript(profile_id, role_id)
        plan = self.catalog.plan_of(transcript.class_id)
        for course_id in course_ids:
            if course_id not in self.catalog.course_units:
                raise CourseRefused(course_id, "course_not_found", f"course {course_id} not found")
            if course_id not in plan.courses:
                raise CourseRefused(
                    course_id,
                    "course_not_in_study_plan",
                    f"course {course_id} is not in the study plan of transcript {transcript.id}",
                )
            if course_id not in transcript.subjects:
                transcript.subjects.append(course_id)
            # In the class when the course is the class's own, else in the course itself.
            in_class = (
                transcript.class_id is not None
                and self.catalog.class_courses[transcript.class_id] == course_id
            )
            context_id = transcript.class_id if in_class and transcript.class_id else course_id
            for unit_id in self.catalog.course_units[course_id]:
                unit = self.catalog.units[unit_id]
                self._registered(profile_id, unit, course_id, context_id, now, ids, on=transcript)
            transcript.updated_at = now
        return transcript

    def grade(
        self, unit_id: str, profile_id: str, grade_name: str, value: str, now: int
    ) -> tuple[Registration, str]:
        """Set one grade of the profile's registration on the unit (its first, in transcript order); the
        registration and its transcript's id."""
        unit = self.check_unit(unit_id)
        self.check_profile(profile_id)
        entry = next(
            (
                entry
                for entry in self._by_profile.get(profile_id, ())
                if entry.unit_id == unit_id and entry.registration is not None
            ),
            None,
        )
        if entry is None or entry.registration is None:
            raise NotRegistered(f"profile {profile_id} is not registered on unit {unit_id}")
        if grade_name not in unit.grade_names():
            known = ", ".join(grade.name for grade in unit.grades) or "none"
            raise UnknownGrade(f"unit {unit.id} has no grade {grade_name} (its grades: {known})")
        registration = entry.registration
        grade = registration.grades[grade_name]
        grade.value, grade.supplied = value, True
        registration.updated_at = now
        self._transcripts[entry.transcript_id].updated_at = now
        return registration, entry.transcript_id

    def registrations_on(self, transcript: Transcript) -> list[Registration]:
        return [entry.registration for entry in self._on[transcript.id] if entry.registration is not None]

    def transcript_json(self, transcript: Transcript, *, totals: bool = False) -> dict[str, Any]:
        """The transcript as the vendor's GET shows it; with `totals`, as its POST answers show it (credits
        and the profile's names added)."""
        plan = self.catalog.plan_of(transcript.class_id)
        subjects = [
            plan.courses.get(course_id) or PlanCourse(course_id, "Elective")
            for course_id in transcript.subjects
        ]
        registrations = self.registrations_on(transcript)
        found: dict[str, Any] = {
            "id": transcript.id,
            "study_plan_id": plan.id,
            # A class's transcript has none; one made outside any role's class is its first course's.
            "course_id": None
            if transcript.role_id is not None or not transcript.subjects
            else transcript.subjects[0],
            "profile_id": transcript.profile_id,
            "created_at": transcript.created_at,
            "updated_at": transcript.updated_at,
            "transcript_subjects": [_subject_json(subject) for subject in subjects],
            "registrations": [self.to_json(registration) for registration in registrations],
        }
        if not totals:
            return found
        # A course's credits are awarded once every registration of it on the transcript is.
        awarded_courses = {r.course_id for r in registrations} - {
            r.course_id for r in registrations if not self._awarded(r)
        }
        counted = [s for s in subjects if s.counts_towards_total_credits and s.credits is not None]
        profile = self.catalog.profiles[transcript.profile_id]
        return found | {
            "credits": None,
            "total_credits": sum(s.credits or 0 for s in counted),
            "awarded_credits": sum(s.credits or 0 for s in counted if s.course_id in awarded_courses),
            "profile": {
                "id": transcript.profile_id,
                "first_name": profile.get("first_name", ""),
                "last_name": profile.get("last_name", ""),
            },
        }

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

    def _awarded(self, registration: Registration) -> bool:
        """Set by a unit's update, else the grade state's (no grade state: not awarded)."""
        if registration.awarded is not None:
            return registration.awarded
        state = self.catalog.grade_states.get(registration.grade_state_name or "")
        return state.awarded if state else False

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
            "awarded": self._awarded(registration),
            "published": state is not None and all(grade.published for grade in supplied),
            "grade_notes": registration.grade_notes,
            "grade_feedback": registration.grade_feedback,
            "grades": [
                _grade_json(definition, registration.grades[definition.name]) for definition in unit.grades
            ],
            "created_at": registration.created_at,
            "updated_at": registration.updated_at,
        }


def _subject_json(subject: PlanCourse) -> dict[str, Any]:
    """A transcript subject: its id is its course's (as `transcript_subject_id` is in a registration)."""
    return {
        "id": subject.course_id,
        "course_type": subject.course_type,
        "credits": subject.credits,
        "hours": subject.hours,
        "max_number_absences": subject.max_number_absences,
        "course_id": subject.course_id,
        "subject_id": subject.subject_id,
        "category_id": subject.category_id,
        "counts_towards_curricular_grade": subject.counts_towards_curricular_grade,
        "counts_towards_total_credits": subject.counts_towards_total_credits,
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
    profiles = fixture["profiles"]
    catalog = Catalog(
        profiles={profile["id"]: profile for profile in profiles},
        course_units={course["id"]: tuple(course["units"]) for course in fixture["courses"]},
        class_courses={cls["id"]: cls["course_id"] for cls in fixture["classes"]},
        roles={
            role["id"]: (profile["id"], role["context_id"])
            for profile in profiles
            for role in profile.get("roles", ())
        },
        profile_roles={
            profile["id"]: tuple(role["id"] for role in profile["roles"])
            for profile in profiles
            if profile.get("roles")
        },
        plans={
            plan["class_id"]: StudyPlan(
                plan["id"], {course["course_id"]: PlanCourse(**course) for course in plan["courses"]}
            )
            for plan in fixture.get("study_plans", ())
        },
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
            TranscriptEntry(
                entry["profile_id"],
                entry["unit_id"],
                entry["course_id"],
                registration,
                entry.get("transcript_id", ""),
            )
        )
    transcripts = [
        Transcript(
            id=given["id"],
            profile_id=given["profile_id"],
            role_id=given.get("role_id"),
            class_id=catalog.roles[given["role_id"]][1] if given.get("role_id") else None,
            subjects=list(given.get("subjects", ())),
            created_at=given.get("created_at", int(given["id"][:8], 16)),
            updated_at=given.get("updated_at", given.get("created_at", int(given["id"][:8], 16))),
        )
        for given in fixture.get("role_transcripts", ())
    ]
    return Transcripts(catalog, transcripts, entries)


def dump_transcript(transcript: Transcript) -> dict[str, Any]:
    """A transcript in the fixture format (its entries are dumped on their own, naming it)."""
    return {
        "id": transcript.id,
        "profile_id": transcript.profile_id,
        "role_id": transcript.role_id,
        "subjects": list(transcript.subjects),
        "created_at": transcript.created_at,
        "updated_at": transcript.updated_at,
    }


def dump_entry(entry: TranscriptEntry) -> dict[str, Any]:
    """A transcript entry in the fixture format (grades listed are the ones supplied so far)."""
    registration = entry.registration
    dumped: dict[str, Any] = {
        "profile_id": entry.profile_id,
        "unit_id": entry.unit_id,
        "course_id": entry.course_id,
        "transcript_id": entry.transcript_id,
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
