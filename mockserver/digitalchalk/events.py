"""DigitalChalk's webhooks: the events its writes make, in the payloads of its subscription API
(docs/webhooks.md). `source` is always `ADMIN`: every change the mock sees comes from an integration's
API call or the admin API, never from a learner on the vendor's own site (which would be `SELF`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.vendor import Command, VendorState

from .commands import CreateRegistration, CreateUser, UpdateRegistration
from .domain import timestamp
from .table import DigitalChalkTable

EVENT_NAMES = ("user_created", "offering_registered", "offering_completed")
SOURCE = "ADMIN"
USER_FIELDS = ("id", "firstName", "lastName", "username", "email", "locale")
GRADED = ("passed", "failed")

Events = list[tuple[str, dict[str, Any]]]


def events(command: Command, outcome: Any, state: VendorState, before: VendorState, now: float) -> Events:
    """The events `command` made, given its outcome, the state after it and the state before it; `now`,
    the world's clock, dates the admin API's writes (the vendor's own carry their time)."""
    assert isinstance(state, DigitalChalkTable) and isinstance(before, DigitalChalkTable)
    if command.vendor == "":  # the admin API's write of the whole state (PUT /state, POST /state/…)
        return _changed(state, before, int(now))
    if isinstance(command, CreateUser) and outcome is not None:
        return [_user_created(state, outcome["id"], command.now)]
    if isinstance(command, CreateRegistration) and outcome is not None:
        return [_registration_event("offering_registered", command.now, state, outcome)]
    if isinstance(command, UpdateRegistration) and outcome is not None and outcome["status"] in GRADED:
        if "grade" in command.changes:  # each grading
            return [_registration_event("offering_completed", command.now, state, outcome)]
    return []


def _changed(state: DigitalChalkTable, before: DigitalChalkTable, now: int) -> Events:
    """The events of an admin write that replaced the state: users and registrations new in it, and
    registrations graded in it that were not before."""
    if state is before:
        return []
    found: Events = []
    known_users = set(before.users.ids())
    found += [
        _user_created(state, user_id, now) for user_id in state.users.ids() if user_id not in known_users
    ]
    for registration in state.bodies():
        previous = before.get(registration["id"])
        if previous is None:
            found.append(_registration_event("offering_registered", now, state, registration))
        if registration["status"] in GRADED and (previous is None or previous["status"] not in GRADED):
            found.append(_registration_event("offering_completed", now, state, registration))
    return found


def _head(name: str, now: int) -> dict[str, Any]:
    return {"event": name, "date": timestamp(now), "source": SOURCE}


def _user(state: DigitalChalkTable, user_id: str) -> dict[str, Any]:
    user = state.users.get(user_id) or {"id": user_id}
    return {name: user.get(name) for name in USER_FIELDS}


def _user_created(state: DigitalChalkTable, user_id: str, now: int) -> tuple[str, dict[str, Any]]:
    return "user_created", {**_head("user_created", now), "user": _user(state, user_id)}


def _registration_event(
    name: str, now: int, state: DigitalChalkTable, registration: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """`offering_registered` (the registration's id) or `offering_completed` (its dates and grade too)."""
    offering = state.catalogue.offering(registration["offeringId"])
    title = offering.body.get("title") if offering is not None else registration.get("title")
    if name == "offering_completed":
        shown: dict[str, Any] = {
            "id": registration["id"],
            "beginDate": registration.get("beginDate"),
            "endDate": registration.get("endDate"),
            "grade": registration.get("grade"),
            "passed": registration["status"] == "passed",
        }
    else:
        shown = {"id": registration["id"]}
    return name, {
        **_head(name, now),
        "user": _user(state, registration["userId"]),
        "registration": shown,
        "offering": {"id": registration["offeringId"], "title": title},
    }
