"""FullFabric's profiles, classes and programmes, read-only from the fixtures, in the vendor's shapes."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .schemas import ROLE_CONTEXT_TYPE
from .transcripts import FullFabricError, ProfileNotFound

# What a fixture may leave out, answered as this.
DEFAULT_ROLE_STATE = ("student", "enrolled")
DEFAULT_CLASS_STATE = "open"
# `filter[field]=emails.email` names the profile's email, as the vendor documents it.
FIELD_ALIASES = {"emails.email": "email"}


class ClassNotFound(FullFabricError):
    pass


class ProgrammeNotFound(FullFabricError):
    pass


@dataclass(frozen=True, slots=True)
class ProfileQuery:
    """`GET /apis/profiles/profiles`: filters (ANDed; instants in unix seconds) and a page."""

    limit: int = 10
    skip: int = 0
    updated_after: float | None = None  # updated_at at or after
    updated_before: float | None = None  # updated_at strictly before
    updated_data_after: float | None = None
    updated_data_before: float | None = None
    field: str | None = None
    value: str = ""  # left out: matches an empty field
    context_id: str | None = None
    context_state: str | None = None  # `state` or `state::substate`


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = 10
    skip: int = 0


def _skippable(skip: int, limit: int) -> int:
    """`skip`, within what `islice` takes: no fixture holds that many records, so the page is empty."""
    return min(skip, sys.maxsize - limit)


def created_of(object_id: str) -> int:
    """When an ObjectId was made: its first four bytes, in unix seconds."""
    return int(object_id[:8], 16)


class Institutions:
    """The fixture's profiles, classes and programmes; never changed once built (a write to them through
    the admin API builds a new state), so reading needs no lock."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self._institution: Mapping[str, Any] | None = fixture.get("institution")
        self.profiles: dict[str, Mapping[str, Any]] = {p["id"]: p for p in fixture["profiles"]}
        self.programmes: dict[str, Mapping[str, Any]] = {p["id"]: p for p in fixture.get("programmes", [])}
        self.classes: dict[str, Mapping[str, Any]] = {c["id"]: c for c in fixture["classes"]}
        self.programme_classes: dict[str, list[str]] = {programme: [] for programme in self.programmes}
        for cls in fixture["classes"]:
            if cls.get("programme_id") in self.programme_classes:
                self.programme_classes[cls["programme_id"]].append(cls["id"])

    # profiles

    def profile(self, profile_id: str) -> dict[str, Any]:
        found = self.profiles.get(profile_id)
        if found is None:
            raise ProfileNotFound(f"profile {profile_id} not found")
        return profile_json(found)

    def profile_list(self, query: ProfileQuery) -> list[dict[str, Any]]:
        """The profiles `query` selects, in fixture order, timestamps in milliseconds."""
        selected = (profile for profile in self.profiles.values() if _matches(profile, query))
        skip = _skippable(query.skip, query.limit)
        return [
            in_milliseconds(profile_json(profile)) for profile in islice(selected, skip, skip + query.limit)
        ]

    def institution(self) -> dict[str, Any]:
        """The fixtures' institution; fixtures that describe none get its fields null (the token alone
        decides the answer, as for the vendor's own auth example)."""
        given = self._institution or {}
        return {"id": given.get("id"), "name": given.get("name"), "subdomain": given.get("subdomain")} | {
            name: value for name, value in given.items() if name not in ("id", "name", "subdomain")
        }

    # classes and programmes

    def class_of(self, class_id: str) -> dict[str, Any]:
        found = self.classes.get(class_id)
        if found is None:
            raise ClassNotFound(f"class {class_id} not found")
        return self._class_json(found)

    def programme_list(self, page: Page) -> list[dict[str, Any]]:
        """Each programme with its classes, in fixture order."""
        skip = _skippable(page.skip, page.limit)
        chosen = islice(self.programmes.values(), skip, skip + page.limit)
        return [self._programme_json(programme) for programme in chosen]

    def classes_of(self, programme_id: str) -> list[dict[str, Any]]:
        if programme_id not in self.programmes:
            raise ProgrammeNotFound(f"programme {programme_id} not found")
        return list(self._classes_json(programme_id))

    def _classes_json(self, programme_id: str) -> Iterator[dict[str, Any]]:
        for class_id in self.programme_classes[programme_id]:
            yield self._class_json(self.classes[class_id])

    def _programme_json(self, programme: Mapping[str, Any]) -> dict[str, Any]:
        created = programme.get("created_at", created_of(programme["id"]))
        theme = programme.get("theme")
        return {
            "id": programme["id"],
            "external_id": programme.get("external_id"),
            "name": programme.get("name"),
            "created_at": created,
            "updated_at": programme.get("updated_at", created),
            "theme": None
            if theme is None
            else {"id": theme["id"], "external_id": theme.get("external_id"), "name": theme["name"]},
            "classes": list(self._classes_json(programme["id"])),
        }

    def _class_json(self, cls: Mapping[str, Any]) -> dict[str, Any]:
        programme = self.programmes.get(cls.get("programme_id") or "")
        name = cls.get("name")
        with_programme = (
            name if programme is None else " - ".join(text for text in (programme.get("name"), name) if text)
        )
        return {
            "id": cls["id"],
            "external_id": cls.get("external_id"),
            "programme_id": cls.get("programme_id"),
            "name_with_programme": with_programme,
            "name": name,
            "custom_name": cls.get("custom_name"),
            "owner_id": cls.get("owner_id"),
            "price_currency": cls.get("price_currency"),
            "price_amount": cls.get("price_amount"),
            "opens_on": cls.get("opens_on"),
            "closes_on": cls.get("closes_on"),
            "starts_on": cls.get("starts_on"),
            "ends_on": cls.get("ends_on"),
            "state": cls.get("state", DEFAULT_CLASS_STATE),
            "state_auto_mode": cls.get("state_auto_mode", False),
            "minimum_capacity": cls.get("minimum_capacity"),
            "maximum_capacity": cls.get("maximum_capacity"),
            "target_capacity": cls.get("target_capacity"),
            "campuses": [dict(campus) for campus in cls.get("campuses", [])],
        }


# The profile's fields, in the vendor's order; then its custom `__…` fields.
_PROFILE_FIELDS = ("id", "first_name", "middle_name", "last_name", "email")


def profile_json(profile: Mapping[str, Any]) -> dict[str, Any]:
    """A profile as `GET /apis/profiles/profiles/{id}` shows it: timestamps in seconds."""
    created = profile.get("created_at", created_of(profile["id"]))
    updated = profile.get("updated_at", created)
    found: dict[str, Any] = {name: profile.get(name) for name in _PROFILE_FIELDS}
    found |= {
        "roles": [_role_json(role, updated) for role in profile.get("roles", [])],
        "created_at": created,
        "updated_at": updated,
        "updated_data_at": profile.get("updated_data_at", updated),
        "source_category": profile.get("source_category"),
        "source_method": profile.get("source_method"),
        "photo": profile.get("photo"),
        "original_photo": profile.get("original_photo"),
        "contracts": list(profile.get("contracts", [])),
        "diplomas": list(profile.get("diplomas", [])),
        "tags": list(profile.get("tags", [])),
        "activated_at": profile.get("activated_at"),
        "last_seen": profile.get("last_seen"),
    }
    found |= {name: value for name, value in profile.items() if name.startswith("__")}
    return found


def _role_json(role: Mapping[str, Any], profile_updated: int) -> dict[str, Any]:
    state, substate = DEFAULT_ROLE_STATE if "state" not in role else (role["state"], None)
    return {
        "id": role["id"],
        "last_updated_at": role.get("last_updated_at", profile_updated),
        "withdrawn": role.get("withdrawn", False),
        "withdrew_at": role.get("withdrew_at"),
        "withdrawn_reasons": list(role.get("withdrawn_reasons", [])),
        "withdrawn_detail": role.get("withdrawn_detail"),
        "state": state,
        "substate": role.get("substate", substate),
        "potential": role.get("potential"),
        "context_id": role["context_id"],
        "context_type": role.get("context_type", ROLE_CONTEXT_TYPE),
        "campus_id": role.get("campus_id"),
        "owner_id": role.get("owner_id"),
    }


def in_milliseconds(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile as the profiles list shows it: every timestamp in milliseconds."""
    for name in ("created_at", "updated_at", "updated_data_at"):
        profile[name] *= 1000
    for name in ("activated_at", "last_seen"):
        if profile[name] is not None:
            profile[name] *= 1000
    for role in profile["roles"]:
        role["last_updated_at"] *= 1000
        if role["withdrew_at"] is not None:
            role["withdrew_at"] *= 1000
    return profile


def _matches(profile: Mapping[str, Any], query: ProfileQuery) -> bool:
    created = profile.get("created_at", created_of(profile["id"]))
    updated = profile.get("updated_at", created)
    updated_data = profile.get("updated_data_at", updated)
    if query.updated_after is not None and updated < query.updated_after:
        return False
    if query.updated_before is not None and updated >= query.updated_before:
        return False
    if query.updated_data_after is not None and updated_data < query.updated_data_after:
        return False
    if query.updated_data_before is not None and updated_data >= query.updated_data_before:
        return False
    if query.field is not None and not _field_matches(profile, query.field, query.value):
        return False
    if query.context_id is not None or query.context_state is not None:
        return any(_role_matches(role, query) for role in profile.get("roles", []))
    return True


def _field_matches(profile: Mapping[str, Any], field: str, value: str) -> bool:
    """The field equals `value`, or (a list, such as `tags`) holds it; an empty `value` matches a field
    left out, null, empty or holding nothing."""
    found = profile.get(FIELD_ALIASES.get(field, field))
    values = found if isinstance(found, list) else [found]
    if value == "":
        return all(item is None or item == "" for item in values)
    return any(item is not None and str(item) == value for item in values)


def _role_matches(role: Mapping[str, Any], query: ProfileQuery) -> bool:
    if query.context_id is not None and role["context_id"] != query.context_id:
        return False
    if query.context_state is None:
        return True
    shown = _role_json(role, 0)
    state, _, substate = query.context_state.partition("::")
    return shown["state"] == state and (not substate or shown["substate"] == substate)
