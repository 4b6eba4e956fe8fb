"""Marshmallow schemas of FullFabric: the fixture file, the registrations requests and the list query."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from mockserver.fullfabric.transcripts import (
    KEEP,
    REGISTRATION_STATES,
    GradeInput,
    RegistrationItem,
    TranscriptQuery,
)
from mockserver.schemas import FixtureSchema, Number, PlainList, QueryInteger, TokenSchema, WholeNumber

OBJECT_ID = Regexp(r"[0-9a-f]{24}\Z", error="Not an ObjectId (24 lowercase hex digits).")


def object_id(**kwargs: Any) -> fields.String:
    return fields.String(validate=OBJECT_ID, **kwargs)


class StrictBoolean(fields.Field[bool]):
    """`true` or `false` only: marshmallow's Boolean would also take "yes", 1 or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Not a boolean.")
        return value


class UnixSeconds(fields.Field[int]):
    """A unix timestamp in whole seconds."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
            raise ValidationError("Not a unix timestamp (whole seconds).")
        return value


# --- the fixture file: fixtures/fullfabric.yaml -------------------------------------------------------


# Profiles, classes and programmes take the vendor's fields, all optional beyond the ids: what a fixture
# leaves out is answered with a default (see `institutions.py`), so older fixture files load unchanged.
ROLE_CONTEXT_TYPE = "Institutions::ClassOf"


class RoleSchema(Schema):
    """A profile's role in a class (`context_id`), in a `state::substate` such as `student::enrolled`."""

    id = object_id(required=True)
    context_id = object_id(required=True)
    context_type = fields.String(validate=OneOf((ROLE_CONTEXT_TYPE,)))
    state = fields.String()
    substate = fields.String(allow_none=True)
    potential = fields.String(allow_none=True)
    withdrawn = StrictBoolean()
    withdrew_at = UnixSeconds(allow_none=True)
    withdrawn_reasons = fields.List(fields.String())
    withdrawn_detail = fields.String(allow_none=True)
    campus_id = object_id(allow_none=True)
    owner_id = object_id(allow_none=True)
    last_updated_at = UnixSeconds()


class ProfileSchema(Schema):
    """A profile; custom fields (named `__…`, e.g. `__date_of_birth`) are kept as they are."""

    class Meta:
        unknown = INCLUDE  # custom `__…` fields; any other unknown field is refused below

    id = object_id(required=True)
    first_name = fields.String()
    middle_name = fields.String(allow_none=True)
    last_name = fields.String()
    email = fields.String()
    roles = fields.List(fields.Nested(RoleSchema))
    tags = fields.List(fields.String())
    created_at = UnixSeconds()
    updated_at = UnixSeconds()
    updated_data_at = UnixSeconds()
    # The vendor's other documented fields, shown as the fixture gives them (null or [] when it does not).
    source_category = fields.String(allow_none=True)
    source_method = fields.String(allow_none=True)
    photo = fields.Dict(allow_none=True)
    original_photo = fields.Dict(allow_none=True)
    contracts = fields.List(fields.Dict())
    diplomas = fields.List(fields.Dict())
    activated_at = UnixSeconds(allow_none=True)
    last_seen = UnixSeconds(allow_none=True)

    @validates_schema(pass_original=True)
    def custom_fields(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        unknown = sorted(
            name for name in original if name not in self.fields and not str(name).startswith("__")
        )
        if unknown:
            raise ValidationError({name: ["Unknown field."] for name in unknown})


class CourseSchema(Schema):
    id = object_id(required=True)
    name = fields.String()
    units = fields.List(object_id(), load_default=list)


class CampusSchema(Schema):
    id = object_id(required=True)
    name = fields.String(required=True)


class ClassSchema(Schema):
    id = object_id(required=True)
    course_id = object_id(required=True)
    programme_id = object_id(allow_none=True)
    name = fields.String()
    external_id = fields.String(allow_none=True)
    custom_name = fields.String(allow_none=True)
    owner_id = object_id(allow_none=True)
    price_currency = fields.String(allow_none=True)
    price_amount = Number(allow_none=True)
    opens_on = UnixSeconds(allow_none=True)
    closes_on = UnixSeconds(allow_none=True)
    starts_on = UnixSeconds(allow_none=True)
    ends_on = UnixSeconds(allow_none=True)
    state = fields.String()
    state_auto_mode = StrictBoolean()
    minimum_capacity = WholeNumber(allow_none=True, validate=Range(min=0))
    maximum_capacity = WholeNumber(allow_none=True, validate=Range(min=0))
    target_capacity = WholeNumber(allow_none=True, validate=Range(min=0))
    campuses = fields.List(fields.Nested(CampusSchema))


class ThemeSchema(Schema):
    id = object_id(required=True)
    external_id = fields.String(allow_none=True)
    name = fields.String(required=True)


class ProgrammeSchema(Schema):
    id = object_id(required=True)
    external_id = fields.String(allow_none=True)
    name = fields.String()
    created_at = UnixSeconds()
    updated_at = UnixSeconds()
    theme = fields.Nested(ThemeSchema, allow_none=True)


class InstitutionSchema(Schema):
    """The institution the API serves (one per subdomain); fields beyond these are served as given."""

    class Meta:
        unknown = INCLUDE

    id = object_id(required=True)
    name = fields.String(allow_none=True)
    subdomain = fields.String(allow_none=True)


class GradeDefinitionSchema(Schema):
    id = object_id(required=True)
    name = fields.String(required=True, validate=Length(min=1))
    label = fields.String(required=True)


class UnitSchema(Schema):
    id = object_id(required=True)
    name = fields.String()
    grades = fields.List(fields.Nested(GradeDefinitionSchema), load_default=list)


class GradeStateSchema(Schema):
    name = fields.String(required=True, validate=Length(min=1))
    awarded = StrictBoolean(required=True)


class StoredGradeSchema(Schema):
    name = fields.String(required=True)
    value = fields.String(allow_none=True, load_default=None)
    published = StrictBoolean(load_default=False)
    comment = fields.String(allow_none=True, load_default=None)
    resit_value = fields.String(allow_none=True, load_default=None)
    resit_justification = fields.String(allow_none=True, load_default=None)


class StoredRegistrationSchema(Schema):
    id = object_id(required=True)
    context_id = object_id(required=True)
    registration_state = fields.String(load_default="registered", validate=OneOf(REGISTRATION_STATES))
    grade_state_name = fields.String(allow_none=True, load_default=None)
    grade_notes = fields.String(load_default="")
    grade_feedback = fields.String(load_default="")
    grades = fields.List(fields.Nested(StoredGradeSchema), load_default=list)
    created_at = UnixSeconds(required=True)
    updated_at = UnixSeconds(required=True)
    # Set by a unit's PATCH (`awarded` given), over what the grade state says; absent: the grade state's.
    awarded = StrictBoolean(allow_none=True)  # no default: a record without it loads as it is


class TranscriptEntrySchema(Schema):
    profile_id = object_id(required=True)
    unit_id = object_id(required=True)
    course_id = object_id(required=True)
    registration = fields.Nested(StoredRegistrationSchema, allow_none=True, load_default=None)
    # Left out (fixtures from before transcripts had ids): put on one of the profile's transcripts by the
    # rule a new registration follows, which makes one where the profile has none.
    transcript_id = object_id()


class PlanCourseSchema(Schema):
    """A course of a study plan, with what a transcript shows of it as a subject."""

    course_id = object_id(required=True)
    course_type = fields.String(validate=OneOf(("Core", "Elective")))
    credits = Number(allow_none=True)
    hours = Number(allow_none=True)
    max_number_absences = WholeNumber(allow_none=True, validate=Range(min=0))
    subject_id = object_id(allow_none=True)
    category_id = object_id(allow_none=True)
    counts_towards_curricular_grade = StrictBoolean()
    counts_towards_total_credits = StrictBoolean()


class StudyPlanSchema(Schema):
    """A class's study plan: the courses its transcripts start with and may register."""

    id = object_id(required=True)
    class_id = object_id(required=True)
    courses = fields.List(fields.Nested(PlanCourseSchema), load_default=list)


class RoleTranscriptSchema(Schema):
    """A profile's transcript for one of its roles (`role_id` null: for registrations outside any of its
    roles' classes); its units are the `transcripts` entries that name it."""

    id = object_id(required=True)
    profile_id = object_id(required=True)
    role_id = object_id(allow_none=True, load_default=None)
    subjects = fields.List(object_id(), load_default=list)  # course ids, in transcript order
    created_at = UnixSeconds()
    updated_at = UnixSeconds()


# Records the schemas above surely load unchanged, told apart in plain Python (see `PlainList`): a
# million-registration fixture set has tens of thousands of profiles and transcript entries.
_OBJECT_ID = re.compile(r"[0-9a-f]{24}\Z")
_ENTRY_FIELDS = frozenset(TranscriptEntrySchema().fields)
_ENTRY_FIELDS_SET = (_ENTRY_FIELDS, _ENTRY_FIELDS - {"transcript_id"})  # `transcript_id`: optional
_REGISTRATION_FIELDS = frozenset(StoredRegistrationSchema().fields)
_REGISTRATION_FIELDS_SET = (_REGISTRATION_FIELDS, _REGISTRATION_FIELDS - {"awarded"})  # `awarded`: optional
_GRADE_FIELDS = frozenset(StoredGradeSchema().fields)
_GRADE_TEXTS = ("value", "comment", "resit_value", "resit_justification")


def _is_id(value: Any) -> bool:
    return type(value) is str and _OBJECT_ID.match(value) is not None


_PROFILE_TEXTS = frozenset({"id", "first_name", "last_name", "email"})
_PROFILE_SECONDS = frozenset({"created_at", "updated_at", "updated_data_at"})
_PLAIN_ROLE_FIELDS = frozenset({"id", "context_id", "context_type", "state", "substate", "withdrawn"})


def _plain_role(role: Any) -> bool:
    return (
        type(role) is dict
        and "id" in role
        and "context_id" in role
        and role.keys() <= _PLAIN_ROLE_FIELDS
        and _is_id(role["id"])
        and _is_id(role["context_id"])
        and role.get("context_type", ROLE_CONTEXT_TYPE) == ROLE_CONTEXT_TYPE
        and type(role.get("state", "")) is str
        and type(role.get("substate", "")) is str
        and type(role.get("withdrawn", False)) is bool
    )


def _plain_profile(record: Any) -> bool:
    if type(record) is not dict or "id" not in record or not _is_id(record["id"]):
        return False
    for name, value in record.items():
        if name in _PROFILE_TEXTS:
            if type(value) is not str:
                return False
        elif name in _PROFILE_SECONDS:
            if not _plain_seconds(value):
                return False
        elif name == "roles":
            if type(value) is not list or not all(map(_plain_role, value)):
                return False
        elif not name.startswith("__"):  # middle_name, tags…: left to the schema
            return False
    return True


def _plain_grade(grade: Any) -> bool:
    return (
        type(grade) is dict
        and grade.keys() == _GRADE_FIELDS
        and type(grade["name"]) is str
        and type(grade["published"]) is bool
        and all(grade[name] is None or type(grade[name]) is str for name in _GRADE_TEXTS)
    )


def _plain_seconds(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**32


def _plain_registration(registration: Any) -> bool:
    if registration is None:
        return True
    return (
        type(registration) is dict
        and registration.keys() in _REGISTRATION_FIELDS_SET
        and type(registration.get("awarded")) in (bool, type(None))
        and _is_id(registration["id"])
        and _is_id(registration["context_id"])
        and registration["registration_state"] in REGISTRATION_STATES
        and type(registration["registration_state"]) is str
        and (registration["grade_state_name"] is None or type(registration["grade_state_name"]) is str)
        and type(registration["grade_notes"]) is str
        and type(registration["grade_feedback"]) is str
        and type(registration["grades"]) is list
        and all(map(_plain_grade, registration["grades"]))
        and _plain_seconds(registration["created_at"])
        and _plain_seconds(registration["updated_at"])
    )


def _plain_entry(entry: Any) -> bool:
    return (
        type(entry) is dict
        and entry.keys() in _ENTRY_FIELDS_SET
        and _is_id(entry.get("transcript_id", entry["profile_id"]))
        and _is_id(entry["profile_id"])
        and _is_id(entry["unit_id"])
        and _is_id(entry["course_id"])
        and _plain_registration(entry["registration"])
    )


_ROLE_TRANSCRIPT_FIELDS = frozenset(RoleTranscriptSchema().fields)


def _plain_role_transcript(transcript: Any) -> bool:
    """Every field given (a default would change the record), each plainly valid."""
    return (
        type(transcript) is dict
        and transcript.keys() == _ROLE_TRANSCRIPT_FIELDS
        and _is_id(transcript["id"])
        and _is_id(transcript["profile_id"])
        and (transcript["role_id"] is None or _is_id(transcript["role_id"]))
        and type(transcript["subjects"]) is list
        and all(map(_is_id, transcript["subjects"]))
        and _plain_seconds(transcript["created_at"])
        and _plain_seconds(transcript["updated_at"])
    )


class FullFabricFixtureSchema(FixtureSchema):
    """`fixtures/fullfabric.yaml`: tokens, the catalog, and each profile's transcript."""

    tokens = fields.List(fields.Nested(TokenSchema), load_default=list)
    institution = fields.Nested(InstitutionSchema, allow_none=True)  # left out: none described
    profiles = PlainList(ProfileSchema, _plain_profile, load_default=list)
    courses = fields.List(fields.Nested(CourseSchema), load_default=list)
    classes = fields.List(fields.Nested(ClassSchema), load_default=list)
    programmes = fields.List(fields.Nested(ProgrammeSchema), load_default=list)
    study_plans = fields.List(fields.Nested(StudyPlanSchema), load_default=list)
    units = fields.List(fields.Nested(UnitSchema), load_default=list)
    grade_states = fields.List(fields.Nested(GradeStateSchema), load_default=list)
    role_transcripts = PlainList(RoleTranscriptSchema, _plain_role_transcript, load_default=list)
    transcripts = PlainList(TranscriptEntrySchema, _plain_entry, load_default=list)

    @validates_schema
    def references(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Every id refers to something that exists, and every id is used once."""
        if not self.check_references:
            return
        errors: dict[str, Any] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))

        def problem(collection: str, index: int, name: str, message: str) -> None:
            errors[collection][index][name].append(message)

        def unique(collection: str, key: str, taken: dict[str, str] | None = None) -> dict[str, str]:
            seen: dict[str, str] = {} if taken is None else taken
            for index, record in enumerate(data.get(collection, [])):
                if record[key] in seen:
                    problem(collection, index, key, f"Duplicate {key}, already used by {seen[record[key]]}.")
                seen.setdefault(record[key], f"{collection}.{index}")
            return seen

        for collection in ("profiles", "units"):
            unique(collection, "id")
        unique("classes", "id", unique("courses", "id"))  # a context id names a class or a course, never both
        unique("grade_states", "name")
        units = {unit["id"]: unit for unit in data.get("units", [])}
        courses = {course["id"]: course for course in data.get("courses", [])}
        class_courses = {cls["id"]: cls["course_id"] for cls in data.get("classes", [])}
        profiles = {profile["id"] for profile in data.get("profiles", [])}
        grade_states = {state["name"] for state in data.get("grade_states", [])}

        for index, unit in enumerate(data.get("units", [])):
            names = [grade["name"] for grade in unit["grades"]]
            if len(set(names)) != len(names):
                problem("units", index, "grades", "Grade names must be unique within a unit.")
        for index, course in enumerate(data.get("courses", [])):
            for unit_id in course["units"]:
                if unit_id not in units:
                    problem("courses", index, "units", f"Unknown unit {unit_id}.")
        programmes = unique("programmes", "id")
        for index, cls in enumerate(data.get("classes", [])):
            if cls["course_id"] not in courses:
                problem("classes", index, "course_id", f"Unknown course {cls['course_id']}.")
            programme = cls.get("programme_id")
            if programme is not None and programme not in programmes:
                problem("classes", index, "programme_id", f"Unknown programme {programme}.")
        role_ids: dict[str, str] = {}
        for index, profile in enumerate(data.get("profiles", [])):
            for position, role in enumerate(profile.get("roles", [])):
                if role["id"] in role_ids:
                    problem(
                        "profiles",
                        index,
                        f"roles.{position}.id",
                        f"Duplicate role id, already used by {role_ids[role['id']]}.",
                    )
                role_ids.setdefault(role["id"], f"profiles.{index}.roles.{position}")
                if role["context_id"] not in class_courses:
                    problem(
                        "profiles",
                        index,
                        f"roles.{position}.context_id",
                        f"Unknown class {role['context_id']}.",
                    )

        role_profiles = {
            role["id"]: profile["id"]
            for profile in data.get("profiles", [])
            for role in profile.get("roles", [])
        }
        planned: dict[str, int] = {}
        for index, plan in enumerate(data.get("study_plans", [])):
            if plan["class_id"] not in class_courses:
                problem("study_plans", index, "class_id", f"Unknown class {plan['class_id']}.")
            elif plan["class_id"] in planned:
                problem(
                    "study_plans",
                    index,
                    "class_id",
                    f"The class has a plan: study_plans.{planned[plan['class_id']]}.",
                )
            planned.setdefault(plan["class_id"], index)
            seen_courses: set[str] = set()
            for position, course in enumerate(plan["courses"]):
                if course["course_id"] not in courses:
                    problem(
                        "study_plans",
                        index,
                        f"courses.{position}.course_id",
                        f"Unknown course {course['course_id']}.",
                    )
                elif course["course_id"] in seen_courses:
                    problem("study_plans", index, f"courses.{position}.course_id", "Already in this plan.")
                seen_courses.add(course["course_id"])
        unique("study_plans", "id")
        transcript_profiles: dict[str, str] = {}
        held_roles: dict[tuple[str, str | None], int] = {}
        for index, transcript in enumerate(data.get("role_transcripts", [])):
            if transcript["id"] in transcript_profiles:
                problem("role_transcripts", index, "id", "Duplicate id.")
            transcript_profiles.setdefault(transcript["id"], transcript["profile_id"])
            if transcript["profile_id"] not in profiles:
                problem(
                    "role_transcripts", index, "profile_id", f"Unknown profile {transcript['profile_id']}."
                )
            role = transcript["role_id"]
            if role is not None and role_profiles.get(role) != transcript["profile_id"]:
                problem(
                    "role_transcripts", index, "role_id", f"Not a role of profile {transcript['profile_id']}."
                )
            held = (transcript["profile_id"], role)
            if held in held_roles:
                problem(
                    "role_transcripts",
                    index,
                    "role_id",
                    f"The role has a transcript: role_transcripts.{held_roles[held]}.",
                )
            held_roles.setdefault(held, index)
            for position, course_id in enumerate(transcript["subjects"]):
                if course_id not in courses:
                    problem("role_transcripts", index, f"subjects.{position}", f"Unknown course {course_id}.")
            created = transcript.get("created_at", int(transcript["id"][:8], 16))
            if transcript.get("updated_at", created) < created:
                problem("role_transcripts", index, "updated_at", "Earlier than created_at.")

        entries: dict[tuple[str, str, str], int] = {}
        registration_ids: dict[str, int] = {}
        for index, entry in enumerate(data.get("transcripts", [])):
            named = entry.get("transcript_id")
            if named is None or entry["profile_id"] not in profiles:
                pass  # placed on load; or already wrong
            elif transcript_profiles.get(named, entry["profile_id"]) != entry["profile_id"]:
                problem("transcripts", index, "transcript_id", "A transcript of another profile.")
            elif named not in transcript_profiles:
                problem(
                    "transcripts",
                    index,
                    "transcript_id",
                    f"Unknown transcript {named} (see role_transcripts).",
                )
            key = (entry["profile_id"], entry["unit_id"], entry["course_id"])
            if key in entries:
                problem(
                    "transcripts",
                    index,
                    "unit_id",
                    f"Already on this transcript as transcripts.{entries[key]}.",
                )
            entries.setdefault(key, index)
            if entry["profile_id"] not in profiles:
                problem("transcripts", index, "profile_id", f"Unknown profile {entry['profile_id']}.")
            unit = units.get(entry["unit_id"])
            if unit is None:
                problem("transcripts", index, "unit_id", f"Unknown unit {entry['unit_id']}.")
            course = courses.get(entry["course_id"])
            if course is None:
                problem("transcripts", index, "course_id", f"Unknown course {entry['course_id']}.")
            elif unit is not None and unit["id"] not in course["units"]:
                problem("transcripts", index, "unit_id", f"Unit not offered in course {course['id']}.")
            registration = entry["registration"]
            if registration is None:
                continue
            where = "registration.{}"
            if registration["id"] in registration_ids:
                problem("transcripts", index, where.format("id"), "Duplicate registration id.")
            registration_ids.setdefault(registration["id"], index)
            context = registration["context_id"]
            if context != entry["course_id"] and class_courses.get(context) != entry["course_id"]:
                problem(
                    "transcripts", index, where.format("context_id"), "Not the course nor one of its classes."
                )
            state = registration["grade_state_name"]
            if state is not None and state not in grade_states:
                problem(
                    "transcripts", index, where.format("grade_state_name"), f"Unknown grade state {state}."
                )
            known = {grade["name"] for grade in unit["grades"]} if unit else set()
            for position, grade in enumerate(registration["grades"]):
                if unit is not None and grade["name"] not in known:
                    problem(
                        "transcripts",
                        index,
                        where.format(f"grades.{position}.name"),
                        "Not in the unit's grades.",
                    )
            if registration["updated_at"] < registration["created_at"]:
                problem("transcripts", index, where.format("updated_at"), "Earlier than created_at.")
        if errors:
            raise ValidationError(_plain(errors))


def _plain(errors: Any) -> Any:
    return {key: _plain(value) for key, value in errors.items()} if isinstance(errors, dict) else errors


# --- the requests: POST and PATCH /apis/registrations/profiles/{profile_id}/registrations ---------------


class GradeInputSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # unknown fields are warnings, found by the view

    name = fields.String(required=True, validate=Length(min=1))
    value = fields.String(allow_none=True, load_default=None)
    published = StrictBoolean(load_default=False)


class RegistrationItemSchema(Schema):
    """One item of `registrations`; a malformed item fails alone, with a 422."""

    class Meta:
        unknown = EXCLUDE

    unit_id = fields.String(required=True, validate=Length(min=1))
    context_id = fields.String(required=True, validate=Length(min=1))
    grade_state_name = fields.String(allow_none=True)
    grades = fields.List(fields.Nested(GradeInputSchema), load_default=list)

    @validates_schema
    def grades_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = [grade["name"] for grade in data.get("grades", [])]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValidationError(f"Grade given more than once: {', '.join(repeated)}.", "grades")

    @post_load
    def to_item(self, data: dict[str, Any], **kwargs: Any) -> RegistrationItem:
        return RegistrationItem(
            unit_id=data["unit_id"],
            context_id=data["context_id"],
            grade_state_name=data.get("grade_state_name", KEEP),
            grades=tuple(GradeInput(**grade) for grade in data["grades"]),
        )


ITEM_FIELDS = frozenset(RegistrationItemSchema().fields)
GRADE_FIELDS = frozenset(GradeInputSchema().fields)


# --- the query: GET /apis/registrations/profiles/{profile_id}/registrations ----------------------------


class CommaList(fields.Field[frozenset[str]]):
    """A comma-separated list of non-empty values, as a set; `only` limits which values are known."""

    def __init__(self, only: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.only = only

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> frozenset[str]:
        if not isinstance(value, str):
            raise ValidationError("must be a comma-separated list")
        values = value.split(",")
        if "" in values:
            raise ValidationError("must be a comma-separated list of non-empty values")
        if self.only is not None:
            unknown = [name for name in values if name not in self.only]
            if unknown:
                known = ", ".join(self.only)
                raise ValidationError(f"each must be one of {known}, not {', '.join(unknown)}")
        return frozenset(values)


class TranscriptQuerySchema(Schema):
    """The list's query parameters: filters (ANDed) and a page."""

    class Meta:
        unknown = EXCLUDE  # unknown parameters are warnings, found by the view

    registration_states = CommaList(only=REGISTRATION_STATES)
    context_ids = CommaList()
    limit = QueryInteger(load_default=10, validate=Range(1, 100, error="must be between 1 and 100"))
    skip = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> TranscriptQuery:
        return TranscriptQuery(
            registration_states=data.get("registration_states"),
            context_ids=data.get("context_ids"),
            limit=data["limit"],
            skip=data["skip"],
        )


QUERY_PARAMETERS = frozenset(TranscriptQuerySchema().fields)
