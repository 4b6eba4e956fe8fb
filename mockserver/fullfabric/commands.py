"""FullFabric's writes: each a command applied to a world's state, the same way in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.ids import ObjectIds
from mockserver.vendor import Command, WriteContext

from .state import FullFabricState
from .transcripts import KEEP, GradeInput, RegistrationItem, UnitRegistrationUpdate, _Keep

VENDOR = "fullfabric"


def _ids(context: WriteContext) -> ObjectIds:
    """The new ObjectIds of a write: from its position and the world's seed, the same in every process."""
    return ObjectIds(context.rng(VENDOR).getrandbits(64))


@dataclass(frozen=True, slots=True)
class RegisterItems(Command):
    """A request's well-formed registration items, applied in order at `now`: registered (POST, `create`)
    or updated where a registration exists (PATCH). Each item's registration object, or its error.
    New ObjectIds come from the write's position and the world's seed."""

    name = "register_items"
    vendor = VENDOR

    profile_id: str
    items: tuple[RegistrationItem, ...]
    create: bool
    now: int

    def apply(self, state: FullFabricState, context: WriteContext) -> list[Any]:
        return state.register_all(
            self.profile_id, self.items, create=self.create, now=self.now, ids=_ids(context)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "profile_id": self.profile_id,
            "items": [_item_json(item) for item in self.items],
            "create": self.create,
            "now": self.now,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisterItems:
        items = tuple(_item(raw) for raw in data["items"])
        return cls(profile_id=data["profile_id"], items=items, create=data["create"], now=data["now"])


def _item_json(item: RegistrationItem) -> dict[str, Any]:
    keep = isinstance(item.grade_state_name, _Keep)
    return {
        "unit_id": item.unit_id,
        "context_id": item.context_id,
        "grade_state_name": None if keep else item.grade_state_name,
        "keep_grade_state": keep,
        "grades": [[grade.name, grade.value, grade.published] for grade in item.grades],
    }


def _item(raw: Mapping[str, Any]) -> RegistrationItem:
    return RegistrationItem(
        unit_id=raw["unit_id"],
        context_id=raw["context_id"],
        grade_state_name=KEEP if raw["keep_grade_state"] else raw["grade_state_name"],
        grades=tuple(GradeInput(name, value, published) for name, value, published in raw["grades"]),
    )


@dataclass(frozen=True, slots=True)
class UpdateUnitRegistrations(Command):
    """A unit's registrations update (PATCH on the unit's path): every item checked, then every one
    applied at `now`, or none (`UnitUpdateRefused` raised). How many registrations changed."""

    name = "update_unit_registrations"
    vendor = VENDOR

    unit_id: str
    updates: tuple[UnitRegistrationUpdate, ...]
    now: int

    def apply(self, state: FullFabricState, context: WriteContext) -> int:
        return state.update_unit(self.unit_id, self.updates, self.now)

    def to_json(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "updates": [_update_json(update) for update in self.updates],
            "now": self.now,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UpdateUnitRegistrations:
        updates = tuple(_update(raw) for raw in data["updates"])
        return cls(unit_id=data["unit_id"], updates=updates, now=data["now"])


def _update_json(update: UnitRegistrationUpdate) -> dict[str, Any]:
    keep = isinstance(update.grade_state_name, _Keep)
    return {
        "registration_id": update.registration_id,
        "profile_id": update.profile_id,
        "grade_state_name": None if keep else update.grade_state_name,
        "keep_grade_state": keep,
        "awarded": update.awarded,
        "grade_notes": update.grade_notes,
        "grade_feedback": update.grade_feedback,
        "grades": [[grade.name, grade.value, grade.published] for grade in update.grades],
    }


def _update(raw: Mapping[str, Any]) -> UnitRegistrationUpdate:
    return UnitRegistrationUpdate(
        registration_id=raw["registration_id"],
        profile_id=raw["profile_id"],
        grade_state_name=KEEP if raw["keep_grade_state"] else raw["grade_state_name"],
        awarded=raw["awarded"],
        grade_notes=raw["grade_notes"],
        grade_feedback=raw["grade_feedback"],
        grades=tuple(GradeInput(name, value, published) for name, value, published in raw["grades"]),
    )


@dataclass(frozen=True, slots=True)
class CreateTranscript(Command):
    """The role's transcript, made at `now` if it has none; the transcript as the call answers it, and
    whether it was made."""

    name = "create_transcript"
    vendor = VENDOR

    profile_id: str
    role_id: str
    now: int

    def apply(self, state: FullFabricState, context: WriteContext) -> tuple[dict[str, Any], bool]:
        return state.create_transcript(self.profile_id, self.role_id, self.now, _ids(context))


@dataclass(frozen=True, slots=True)
class RegisterCourses(Command):
    """The courses registered in order on the role's transcript, until the first refused one."""

    name = "register_courses"
    vendor = VENDOR

    profile_id: str
    role_id: str
    course_ids: tuple[str, ...]
    now: int

    def apply(self, state: FullFabricState, context: WriteContext) -> dict[str, Any]:
        return state.register_courses(self.profile_id, self.role_id, self.course_ids, self.now, _ids(context))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisterCourses:
        return cls(data["profile_id"], data["role_id"], tuple(data["course_ids"]), data["now"])


@dataclass(frozen=True, slots=True)
class GradeUnit(Command):
    """One grade of a profile's registration on a unit, set at `now`."""

    name = "grade_unit"
    vendor = VENDOR

    unit_id: str
    profile_id: str
    grade_name: str
    value: str
    now: int

    def apply(self, state: FullFabricState, context: WriteContext) -> dict[str, Any]:
        return state.grade(self.unit_id, self.profile_id, self.grade_name, self.value, self.now)


COMMANDS: tuple[type[Command], ...] = (
    RegisterItems,
    UpdateUnitRegistrations,
    CreateTranscript,
    RegisterCourses,
    GradeUnit,
)
