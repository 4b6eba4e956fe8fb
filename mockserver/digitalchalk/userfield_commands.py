"""DigitalChalk's writes of user fields, their categories and users' values: each a command applied to a
world's table, the same way in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.vendor import Command, WriteContext

from .domain import timestamp
from .table import DigitalChalkTable
from .userfields import userfield_body

VENDOR = "digitalchalk"


@dataclass(frozen=True, slots=True)
class CreateUserField(Command):
    """Create a custom user field of a checked definition (its category resolved), created at `now`; its
    wire body, or `InvalidUserField` when its category is gone. Its id (32 hex digits) comes from the
    write's position and the world's seed."""

    name = "create_userfield"
    vendor = VENDOR

    fields: Mapping[str, Any]
    now: int

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any]:
        field_id = f"{context.rng(VENDOR).getrandbits(128):032x}"
        body = userfield_body(
            {
                "required": False,
                **self.fields,
                "id": field_id,
                "readOnly": False,
                "createdDate": timestamp(self.now),
            }
        )
        return state.own_userfields().add_field(body)


@dataclass(frozen=True, slots=True)
class UpdateUserField(Command):
    """Set checked `changes` on a user field; its new wire body, None when there is no such field."""

    name = "update_userfield"
    vendor = VENDOR

    field_id: str
    changes: Mapping[str, Any]

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any] | None:
        return state.own_userfields().update_field(self.field_id, self.changes)


@dataclass(frozen=True, slots=True)
class DeleteUserField(Command):
    """Delete a custom user field, or take a built-in one off the form; its values go. Whether there was
    such a field."""

    name = "delete_userfield"
    vendor = VENDOR

    field_id: str

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> bool:
        return state.own_userfields().delete_field(self.field_id)


@dataclass(frozen=True, slots=True)
class DeleteUserFieldCategory(Command):
    """Delete a user field category; whether there was one, or `CategoryInUse` while it holds fields."""

    name = "delete_userfield_category"
    vendor = VENDOR

    category_id: str

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> bool:
        return state.own_userfields().delete_category(self.category_id)


@dataclass(frozen=True, slots=True)
class SetUserFieldValues(Command):
    """Set a user's values (`None` clears one), all or none: `InvalidValues` naming each refused field.
    Whether the user exists (nothing is set for one who does not)."""

    name = "set_userfield_values"
    vendor = VENDOR

    user_id: str
    values: Mapping[str, Any]

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> bool:
        if state.users.get(self.user_id) is None:
            return False
        state.own_userfields().set_values(self.user_id, self.values)
        return True


USERFIELD_COMMANDS: tuple[type[Command], ...] = (
    CreateUserField,
    UpdateUserField,
    DeleteUserField,
    DeleteUserFieldCategory,
    SetUserFieldValues,
)
