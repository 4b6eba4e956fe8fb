"""DigitalChalk's writes: each a command applied to a world's table, the same way in every process.

None carries a password: the views check it and drop it, so the Redis store's log never holds one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.vendor import Command, WriteContext

from .catalogue import DEFAULT_PASS_MARK
from .domain import timestamp
from .table import DigitalChalkTable
from .users import user_body

VENDOR = "digitalchalk"


@dataclass(frozen=True, slots=True)
class CreateRegistration(Command):
    """Register a user in an offering: a new `active` registration created at `now`, titled as the
    offering is; its wire body. `UnknownReferences` when the user or the offering does not exist,
    `OfferingUnavailable` when the user may not register for it now: checked here too, for another
    process may have written meanwhile. Its id (32 hex digits) comes from the write's position and the
    world's seed."""

    name = "create_registration"
    vendor = VENDOR

    user_id: str
    offering_id: str
    now: int

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any]:
        offering = state.registrable(self.user_id, self.offering_id, self.now)
        registration_id = f"{context.rng(VENDOR).getrandbits(128):032x}"
        return state.add(
            {
                "id": registration_id,
                "userId": self.user_id,
                "offeringId": self.offering_id,
                "title": offering.body["title"],
                "status": "active",
                "createdDate": timestamp(self.now),
            }
        )


@dataclass(frozen=True, slots=True)
class UpdateRegistration(Command):
    """Set `changes` on a registration: a grade also passes or fails it by its offering's pass mark (unless
    the update ejects it); an ejection or a grade ends it at `now` when it had not ended. Its new wire
    body, or None when there is no such registration."""

    name = "update_registration"
    vendor = VENDOR

    registration_id: str
    changes: Mapping[str, Any]
    now: int

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any] | None:
        registration = state.get(self.registration_id)
        if registration is None:
            return None
        changes = dict(self.changes)
        if "grade" in changes and changes.get("status") != "ejected":
            # Grading halts progress and passes or fails it by the course's pass mark, whatever its
            # status was: a completed one is graded again, an ejected one no longer ejected.
            offering = state.catalogue.offering(registration["offeringId"])
            mark = offering.pass_mark if offering is not None else DEFAULT_PASS_MARK
            changes["status"] = "passed" if changes["grade"] >= mark else "failed"
        if changes.get("status") in ("ejected", "passed", "failed") and "endDate" not in registration:
            changes["endDate"] = timestamp(self.now)
        return state.update(self.registration_id, changes)


@dataclass(frozen=True, slots=True)
class CreateUser(Command):
    """Create a user of checked `fields`, created at `now`; its wire body, or `InvalidUser` when its email
    or username is taken (checked here too: another process may have taken it since the view looked).
    Its id (32 hex digits) comes from the write's position and the world's seed."""

    name = "create_user"
    vendor = VENDOR

    fields: Mapping[str, Any]
    now: int

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any]:
        user_id = f"{context.rng(VENDOR).getrandbits(128):032x}"
        body = user_body({**self.fields, "id": user_id, "createdDate": timestamp(self.now)})
        return state.own_users().add(body)


@dataclass(frozen=True, slots=True)
class UpdateUser(Command):
    """Set checked `changes` on a user (`tags` replaces its tags); its new wire body, None when there is
    no such user, or `InvalidUser` when the new email or username is another's."""

    name = "update_user"
    vendor = VENDOR

    user_id: str
    changes: Mapping[str, Any]

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any] | None:
        return state.own_users().update(self.user_id, self.changes)


@dataclass(frozen=True, slots=True)
class DeleteUser(Command):
    """Delete a user: gone from the API, kept (flagged `deleted`) in the state, their registrations staying
    as history; whether there was one."""

    name = "delete_user"
    vendor = VENDOR

    user_id: str

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> bool:
        return state.own_users().delete(self.user_id)


@dataclass(frozen=True, slots=True)
class AnswerAgreement(Command):
    """Record a user's answer to an agreement, `agreedDate` `now` whichever the answer; their agreement as
    it is now, or None when there is no such user or the type is not enabled."""

    name = "answer_agreement"
    vendor = VENDOR

    user_id: str
    agreement_type: str
    agreed: bool
    now: int

    def apply(self, state: DigitalChalkTable, context: WriteContext) -> Mapping[str, Any] | None:
        if state.users.get(self.user_id) is None or state.agreements.agreement(self.agreement_type) is None:
            return None
        return state.own_agreements().answer(
            self.user_id, self.agreement_type, self.agreed, timestamp(self.now)
        )


COMMANDS: tuple[type[Command], ...] = (
    CreateRegistration,
    UpdateRegistration,
    CreateUser,
    UpdateUser,
    DeleteUser,
    AnswerAgreement,
)
