"""The in-memory store: the default, one process. Each session has its own world, built from the fixtures."""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from mockserver.clock import Clock
from mockserver.digitalchalk.domain import (
    DATE_FIELDS,
    Page,
    RegistrationQuery,
    instant_column,
    instant_of,
    timestamp,
    wire_body,
)
from mockserver.digitalchalk.index import MISSING, RegistrationIndex
from mockserver.failures import RuleSet
from mockserver.fixtures import FixtureError, Fixtures, validate_state
from mockserver.fullfabric.transcripts import (
    ItemError,
    RegistrationItem,
    TranscriptQuery,
    build_transcripts,
    dump_entry,
)
from mockserver.ids import HexIds, ObjectIds
from mockserver.journal import Journal


class Answers:
    """A table's last answers to list requests, by request: since the table never changes, the same
    request gets the same answer. At most `size` are kept, the oldest dropped first."""

    def __init__(self, size: int = 128) -> None:
        self._answers: dict[Hashable, Any] = {}
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._answers.get(key)

    def put(self, key: Hashable, answer: Any) -> None:
        with self._lock:
            if len(self._answers) >= self._size:
                del self._answers[next(iter(self._answers))]
            self._answers[key] = answer

    def __len__(self) -> int:
        return len(self._answers)


class DigitalChalkTable:
    """DigitalChalk's registrations, in a stable order: fixture order, then order of creation.

    Compact, for there may be a million: each registration is its wire body, and its dates are one
    column of instants per date field. Worlds share the fixtures' table, and its indexes, until they
    write: a world's first write copies it (see `World._own_digitalchalk`). A body is never changed
    in place (a change makes a new one), so copies share the bodies they have not changed."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        strings: dict[str, str] = {}
        self._bodies = [wire_body(fields, strings) for fields in fixture["registrations"]]
        self._dates = {name: instant_column(self._bodies, name) for name in DATE_FIELDS}
        self._index = RegistrationIndex(self._bodies, self._dates)
        self._rows_by_id: dict[str, int] | None = None  # built on first use: a million ids cost memory
        self._lock = threading.RLock()
        self.answers = Answers()  # a new one at every change: what it kept answered the table before

    def __len__(self) -> int:
        return len(self._bodies)

    def copy(self) -> DigitalChalkTable:
        """A table of its own with the same registrations, to change apart from this one."""
        with self._lock:
            table = DigitalChalkTable.__new__(DigitalChalkTable)
            table.tokens = dict(self.tokens)
            table._bodies = list(self._bodies)
            table._dates = {name: array("q", column) for name, column in self._dates.items()}
            table._index = self._index.copy()
            table._rows_by_id = None if self._rows_by_id is None else dict(self._rows_by_id)
        table._lock = threading.RLock()
        table.answers = Answers()
        return table

    def query(self, query: RegistrationQuery) -> Page:
        """The registrations matching every filter of `query`, paged; through the indexes, not a scan."""
        with self._lock:
            bodies = self._bodies
            rows, check = self._index.rows(query)
            if check:
                rows = [row for row in rows if query.matches(bodies[row], partial(self._instant, row))]
            page = rows[query.offset : query.offset + query.limit]
            return Page(results=[bodies[row] for row in page], total=len(rows))

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
                "registrations": [dict(body) for body in self._bodies],
            }


class FullFabricState:
    """FullFabric's catalog and transcripts; one request's items apply atomically."""

    CATALOG = ("profiles", "courses", "classes", "units", "grade_states")

    def __init__(self, fixture: Mapping[str, Any], ids: ObjectIds, clock: Clock) -> None:
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        self._catalog = {name: list(fixture[name]) for name in self.CATALOG}
        self.transcripts = build_transcripts(fixture, ids, clock)
        self._lock = threading.Lock()

    def check_profile(self, profile_id: str) -> None:
        self.transcripts.check_profile(profile_id)

    def register_all(
        self, profile_id: str, items: Sequence[Any], create: bool = True, now: int | None = None
    ) -> list[Any]:
        """Each item's registration object, or the error that made it fail; in request order.

        `create` registers as POST does; without it, items only update registrations that exist (PATCH).
        Anything that is not a `RegistrationItem` (a malformed item's error, an outcome a failure rule
        decided) is passed through untouched, so outcomes stay in request order.
        """
        transcripts = self.transcripts
        apply = transcripts.register if create else transcripts.update
        outcomes: list[Any] = []
        with self._lock:
            transcripts.check_profile(profile_id)
            for item in items:
                if not isinstance(item, RegistrationItem):
                    outcomes.append(item)
                    continue
                try:
                    outcomes.append(transcripts.to_json(apply(profile_id, item, now)))
                except ItemError as error:
                    outcomes.append(error)
        return outcomes

    def registrations_of(self, profile_id: str, query: TranscriptQuery) -> list[dict[str, Any]]:
        """The registration objects of the profile that `query` selects (under the lock: a write changes
        registrations in place)."""
        with self._lock:
            transcripts = self.transcripts
            transcripts.check_profile(profile_id)
            return [transcripts.to_json(found) for found in transcripts.registrations_of(profile_id, query)]

    def dump(self) -> dict[str, Any]:
        with self._lock:
            transcripts = [dump_entry(entry) for entry in self.transcripts.entries().values()]
        tokens = [{"token": token, "state": state} for token, state in self.tokens.items()]
        return {"tokens": tokens, **{name: list(records) for name, records in self._catalog.items()}} | {
            "transcripts": transcripts
        }


@dataclass(frozen=True, slots=True)
class Settings:
    """What every world is made from; `digitalchalk` is the fixtures' table, built once for all worlds."""

    fixtures: Fixtures
    failures: tuple[Mapping[str, Any], ...]
    seed: int | None
    clock_start: float | None
    journal_size: int
    digitalchalk: DigitalChalkTable = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digitalchalk", DigitalChalkTable(self.fixtures.data["digitalchalk"]))


def new_registration(registration_id: str, user_id: str, offering_id: str, now: int) -> dict[str, Any]:
    """A DigitalChalk registration as a create makes it."""
    return {
        "id": registration_id,
        "userId": user_id,
        "offeringId": offering_id,
        "status": "active",
        "createdDate": timestamp(now),
    }


class World:
    """Everything one session sees: state, failure rules, journal and clock. Reset in small steps.

    Every change of state goes through a method here, one at a time (`writing`), so that no write is lost
    to another: a state replaced while a post applies, a record added while one is created."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock = Clock(settings.clock_start)
        self.journal = Journal(settings.journal_size)
        self.writing = threading.RLock()
        self.clear_failures()
        self.clear_state()

    def replace_state(self, data: Mapping[str, Any]) -> None:
        """Serve `data` (validated fixture data per vendor) from now on; ids go on where they were."""
        with self.writing:
            self._set_state(data)

    def _set_state(self, data: Mapping[str, Any]) -> None:
        self.digitalchalk = DigitalChalkTable(data["digitalchalk"])
        self.fullfabric = FullFabricState(data["fullfabric"], self.ids, self.clock)

    def dump_state(self) -> dict[str, Any]:
        with self.writing:
            return {"fullfabric": self.fullfabric.dump(), "digitalchalk": self.digitalchalk.dump()}

    def create_digitalchalk(self, user_id: str, offering_id: str, now: int) -> Mapping[str, Any]:
        """Register a user in an offering: a new `active` registration created at `now`; its wire body."""
        with self.writing:
            return self._own_digitalchalk().add(
                new_registration(self.digitalchalk_ids.new(), user_id, offering_id, now)
            )

    def update_digitalchalk(
        self, registration_id: str, changes: Mapping[str, Any], now: int
    ) -> Mapping[str, Any] | None:
        """Set `changes` on the registration with this id (an ejection also ends it at `now`, when it had
        not ended); its new wire body, or None when there is none."""
        with self.writing:
            registration = self.digitalchalk.get(registration_id)
            if registration is None:
                return None
            if changes.get("status") == "ejected" and "endDate" not in registration:
                changes = {**changes, "endDate": timestamp(now)}
            return self._own_digitalchalk().update(registration_id, changes)

    def register(
        self, profile_id: str, items: Sequence[Any], *, create: bool, now: int | None = None
    ) -> list[Any]:
        """FullFabric's items applied in order (see `FullFabricState.register_all`)."""
        with self.writing:
            return self.fullfabric.register_all(profile_id, items, create=create, now=now)

    def add_records(self, api: str, collection: str, records: list[Any]) -> int:
        """Add records to a collection of the state, validated with it as fixtures are (`FixtureError`
        when they do not fit); how many the collection holds now."""
        with self.writing:  # the state read, added to and served again in one go: no write in between
            state = self.dump_state()
            first = len(state[api][collection])
            state[api][collection].extend(records)
            try:
                loaded = validate_state(state)
            except FixtureError as error:
                error.first_added = first
                raise
            self._set_state(loaded)
            return len(state[api][collection])

    def _own_digitalchalk(self) -> DigitalChalkTable:
        """The world's DigitalChalk table, its own: copied from the fixtures' shared one on the world's
        first write."""
        if self.digitalchalk is self.settings.digitalchalk:
            self.digitalchalk = self.digitalchalk.copy()
        return self.digitalchalk

    def clear_state(self) -> None:
        with self.writing:
            self.ids = ObjectIds(self.settings.seed)
            self.digitalchalk_ids = HexIds(self.settings.seed)
            self.digitalchalk = self.settings.digitalchalk
            self.fullfabric = FullFabricState(self.settings.fixtures.data["fullfabric"], self.ids, self.clock)

    def clear_failures(self) -> None:
        self.rules = RuleSet(self.settings.seed, self.settings.failures)

    def clear_journal(self) -> None:
        self.journal.clear()

    def reset_clock(self) -> None:
        self.clock.frozen_at = self.settings.clock_start

    def reset(self) -> None:
        with self.writing:
            self.clear_state()
            self.clear_failures()
            self.journal.restart()
            self.reset_clock()


class MemoryStore:
    """All worlds of one mock, held in this process: the default one, and one per session.

    Sessions are bounded: beyond `max_sessions` the least recently used is ended, and one unused for
    `session_ttl` seconds (None: no limit) is ended too."""

    # Errors meaning the store cannot be reached just now (none for memory): the request gets a 503.
    unavailable: tuple[type[Exception], ...] = ()
    # What a session's last use is measured by (a test may set its own, to drive expiry).
    monotonic: Callable[[], float] = time.monotonic

    def __init__(
        self,
        settings: Settings,
        max_sessions: int = 100,
        session_ttl: float | None = None,
    ) -> None:
        self.settings = settings
        self.fixtures = settings.fixtures
        self.max_sessions = max_sessions
        self.session_ttl = session_ttl or None
        self._sessions: OrderedDict[str, tuple[World, float]] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        self.default = self._make_world(None)

    def world(self, session: str | None = None) -> World:
        """The default world, or the session's, made from the fixtures on first use (the least recently
        used session is ended when there are more than `max_sessions`)."""
        if session is None:
            return self.default
        with self._lock:
            self._expire()
            found = self._sessions.get(session)
            if found is not None:
                self._sessions[session] = (found[0], self.monotonic())
                self._sessions.move_to_end(session)
                return found[0]
        world = self._make_world(session)  # built outside the lock: other sessions need not wait for it
        with self._lock:
            found = self._sessions.get(session)  # made meanwhile by another request: that one
            world = world if found is None else found[0]
            self._sessions[session] = (world, self.monotonic())
            self._sessions.move_to_end(session)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return world

    def _expire(self) -> None:
        """End the sessions unused for `session_ttl` (call with the lock held)."""
        if self.session_ttl is None:
            return
        oldest = self.monotonic() - self.session_ttl
        while self._sessions:
            session, (_, used) = next(iter(self._sessions.items()))
            if used > oldest:
                return
            del self._sessions[session]

    def _make_world(self, session: str | None) -> World:
        return World(self.settings)

    def sessions(self) -> list[str]:
        """The sessions, least recently used first."""
        with self._lock:
            self._expire()
            return list(self._sessions)

    def end_session(self, session: str) -> bool:
        with self._lock:
            self._expire()
            return self._sessions.pop(session, None) is not None
