"""DigitalChalk's state: its registrations in one table, with indexes; its users; the tokens it accepts."""

from __future__ import annotations

import sys
import threading
from array import array
from collections.abc import Mapping
from functools import partial
from typing import Any

from .agreements import Agreements
from .catalogue import Catalogue, Offering, available
from .domain import (
    DATE_FIELDS,
    MISSING,
    NO_SUCH_OFFERING,
    NO_SUCH_USER,
    OfferingUnavailable,
    Page,
    RegistrationQuery,
    UnknownReferences,
    instant_column,
    instant_of,
    wire_body,
)
from .index import RegistrationIndex
from .list_cache import Answers
from .userfields import UserFields
from .users import Users


class DigitalChalkTable:
    """DigitalChalk's registrations, in a stable order: fixture order, then order of creation.

    Compact, for there may be a million: each registration is its wire body, and its dates are one
    column of instants per date field. Worlds share the fixtures' table, and its indexes, until they
    write: a world's first write copies it (`writable`). A body is never changed in place (a change
    makes a new one), so copies share the bodies they have not changed. Its users are shared apart: a
    copy of the table shares them until it writes a user (`own_users`)."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        self.catalogue = Catalogue(fixture)  # offerings and their categories: never written, always shared
        strings: dict[str, str] = {}
        self._bodies = [wire_body(fields, strings) for fields in fixture["registrations"]]
        self._dates = {name: instant_column(self._bodies, name) for name in DATE_FIELDS}
        self._index = RegistrationIndex(self._bodies, self._dates)
        self.users = Users(fixture.get("users", ()), strings)
        self.agreements = Agreements(fixture.get("agreements", ()), fixture.get("userAgreements", ()))
        self.userfields = UserFields(fixture)  # categories, fields, values: shared as the users are
        self._rows_by_id: dict[str, int] | None = None  # built on first use: a million ids cost memory
        self._lock = threading.RLock()
        self.answers = Answers()  # a new one at every change: what it kept answered the table before
        self._shared = False  # served to more than one world: copied before a write

    def fresh(self) -> DigitalChalkTable:
        """The table a new world starts from: this one, shared until that world writes."""
        self._shared = True
        return self

    def writable(self) -> DigitalChalkTable:
        """This table, or a copy of its own when other worlds share it."""
        return self.copy() if self._shared else self

    def records(self) -> int:
        others = len(self.users) + len(self.catalogue) + len(self.agreements) + len(self.userfields)
        return len(self._bodies) + others

    def registrations(self) -> int:
        return len(self._bodies)

    def __len__(self) -> int:
        return len(self._bodies)

    def copy(self) -> DigitalChalkTable:
        """A table of its own with the same registrations, to change apart from this one."""
        with self._lock:
            table = DigitalChalkTable.__new__(DigitalChalkTable)
            table.tokens = dict(self.tokens)
            table.catalogue = self.catalogue
            table._bodies = list(self._bodies)
            table._dates = {name: array("q", column) for name, column in self._dates.items()}
            table._index = self._index.copy()
            table.users = self.users.fresh()
            table.agreements = self.agreements.fresh()
            table.userfields = self.userfields.fresh()
            table._rows_by_id = None if self._rows_by_id is None else dict(self._rows_by_id)
        table._lock = threading.RLock()
        table.answers = Answers()
        table._shared = False
        return table

    def own_users(self) -> Users:
        """This table's users, to write: copied first when another table shares them."""
        with self._lock:
            if self.users.shared:
                self.users = self.users.copy()
            return self.users

    def own_agreements(self) -> Agreements:
        """This table's agreements and answers, to write: copied first when another table shares them."""
        with self._lock:
            if self.agreements.shared:
                self.agreements = self.agreements.copy()
            return self.agreements

    def own_userfields(self) -> UserFields:
        """This table's user fields (and categories and values), to write: copied first when shared."""
        with self._lock:
            if self.userfields.shared:
                self.userfields = self.userfields.copy()
            return self.userfields

    def query(self, query: RegistrationQuery) -> Page:
        """The registrations matching every filter of `query`, paged; through the indexes, not a scan."""
        with self._lock:
            bodies = self._bodies
            rows, check = self._index.rows(query)
            if check:
                rows = [row for row in rows if query.matches(bodies[row], partial(self._instant, row))]
            page = rows[query.offset : query.offset + query.limit]
            return Page(results=[bodies[row] for row in page], total=len(rows))

    def statuses_by_offering(self, user_id: str) -> dict[str, list[str]]:
        """The statuses of a user's registrations, by offering id (through the index, not a scan)."""
        held: dict[str, list[str]] = {}
        for registration in self.query(RegistrationQuery(user_id=user_id, limit=sys.maxsize)).results:
            held.setdefault(registration["offeringId"], []).append(registration["status"])
        return held

    def unknown_ids(self, user_id: str | None, offering_id: str | None) -> dict[str, str]:
        """A field error for the user id and for the offering id that name nothing (a deleted user is no
        user); None is not checked."""
        errors: dict[str, str] = {}
        if user_id is not None and self.users.get(user_id) is None:
            errors["userId"] = NO_SUCH_USER
        if offering_id is not None and self.catalogue.offering(offering_id) is None:
            errors["offeringId"] = NO_SUCH_OFFERING
        return errors

    def registrable(self, user_id: str, offering_id: str, now: int) -> Offering:
        """The offering, when the user may register for it at `now`: `UnknownReferences` when either does
        not exist, `OfferingUnavailable` when the window is shut or the user's registrations block it."""
        with self._lock:
            errors = self.unknown_ids(user_id, offering_id)
            if errors:
                raise UnknownReferences(errors)
            offering = self.catalogue.offering(offering_id)
            assert offering is not None  # checked just above
            held = self.query(RegistrationQuery(user_id=user_id, offering_id=offering_id, limit=sys.maxsize))
            if not available(offering, now, (registration["status"] for registration in held.results)):
                raise OfferingUnavailable()
            return offering

    def bodies(self) -> list[Mapping[str, Any]]:
        """Every registration's wire body, in order."""
        with self._lock:
            return list(self._bodies)

    def get(self, registration_id: str) -> Mapping[str, Any] | None:
        """The registration with this id (its wire body), or None."""
        with self._lock:
            row = self._ids().get(registration_id)
            return None if row is None else self._bodies[row]

    def add(self, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        """Add a registration (valid vendor fields, a new id) as the last row; its wire body."""
        body = wire_body(fields)
        instants = {name: instant_of(body.get(name)) for name in DATE_FIELDS}
        with self._lock:
            ids = self._ids()
            if body["id"] in ids:
                raise ValueError(f"registration {body['id']} exists already")
            row = len(self._bodies)
            self._bodies.append(body)
            for name, instant in instants.items():
                self._dates[name].append(instant)
            ids[body["id"]] = row
            self._index.add(row, body, instants)
            self.answers = Answers()
        return body

    def update(self, registration_id: str, changes: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Set fields of the registration with this id; its new wire body, or None when there is none."""
        with self._lock:
            row = self._ids().get(registration_id)
            if row is None:
                return None
            old = self._bodies[row]
            new = wire_body({**old, **changes})
            old_instants = {name: self._dates[name][row] for name in DATE_FIELDS}
            new_instants = {name: instant_of(new.get(name)) for name in DATE_FIELDS}
            self._bodies[row] = new
            for name, instant in new_instants.items():
                self._dates[name][row] = instant
            self._index.change(row, (old, old_instants), (new, new_instants))
            self.answers = Answers()
            return new

    def _ids(self) -> dict[str, int]:
        """Rows by registration id (call with the lock held)."""
        if self._rows_by_id is None:
            self._rows_by_id = {body["id"]: row for row, body in enumerate(self._bodies)}
        return self._rows_by_id

    def _instant(self, row: int, name: str) -> int | None:
        instant = self._dates[name][row]
        return None if instant == MISSING else instant

    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {
                "tokens": [{"token": token, "state": state} for token, state in self.tokens.items()],
                **self.catalogue.dump(),
                "registrations": [dict(body) for body in self._bodies],
                "users": self.users.dump(),
                **self.agreements.dump(),
                **self.userfields.dump(self.users.get),
            }
