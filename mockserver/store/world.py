"""A world: everything one session sees (each vendor's state, failure rules, journal, clock), and the
one way its state changes, `World.write(command)`. Knows no vendor: states are kept by vendor name."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from mockserver.clock import Clock
from mockserver.errors import MockserverError
from mockserver.events import DeliveryLog, Dispatcher, Event, Subscription
from mockserver.events.dispatch import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from mockserver.fixtures.load import FixtureError, Fixtures, validate_state
from mockserver.vendor import Command, Vendors, VendorState, WriteContext


@dataclass(frozen=True, slots=True)
class Settings:
    """What every world is made from. `base` holds each vendor's state of the fixtures, made once: new
    worlds start from it (see `VendorState.fresh`)."""

    vendors: Vendors
    fixtures: Fixtures
    failures: tuple[Mapping[str, Any], ...]
    seed: int | None
    clock_start: float | None
    journal_size: int
    journal_bytes: int | None = None  # a world's journal holds at most this many bytes (None: no bound)
    journal_total_bytes: int | None = None  # every journal of one process together (memory store)
    webhook_retries: tuple[float, ...] = DEFAULT_RETRIES  # seconds before each retry of a failed delivery
    webhook_timeout: float = DEFAULT_TIMEOUT  # seconds a subscriber has to answer a 2xx
    base: dict[str, VendorState] = field(init=False)

    def __post_init__(self) -> None:
        data = self.fixtures.data
        base = {vendor.name: vendor.make_state(data[vendor.name]) for vendor in self.vendors}
        object.__setattr__(self, "base", base)


class Writes(Protocol):
    """How a world's writes are put in order and applied: in this process (`LocalWrites`), or through a
    log that every process applies (the Redis store's)."""

    def write(self, world: World, command: Command) -> Any:
        """Apply `command` to `world` in its turn; its outcome (an error outcome raised)."""
        ...

    def catch_up(self, world: World) -> None:
        """Apply what other processes wrote since this one last looked (nothing to do in memory)."""
        ...

    def reset(self, world: World) -> None:
        """State, rules, clock and journal back to the fixtures."""
        ...


class World:
    """Everything one session sees: each vendor's state (by name), failure rules, journal and clock.

    State changes only through `write(command)`: the world's `Writes` puts the commands in one order and
    applies each through `apply`, under the world's lock, so no write is lost to another."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules: Any,
        journal: Any,
        clock: Clock,
        writes: Writes,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.settings = settings
        self.vendors = settings.vendors
        self.rules = rules
        self.journal = journal
        self.clock = clock
        self.seed = new_seed(settings)  # of made-up ids (the Redis store picks one for every process)
        self.writing = threading.RLock()
        self._writes = writes
        self.states: dict[str, VendorState] = {}
        self.dispatcher = dispatcher  # delivers this world's events (None: none are sent)
        self.webhooks: dict[str, Subscription] = {}  # its subscriptions, by id
        self.deliveries = DeliveryLog()  # every attempt at delivering its events, in this process
        self.clear_state()

    def state(self, vendor: str) -> Any:
        """The vendor's state in this world (its vendor package knows its type)."""
        return self.states[vendor]

    # changes of state

    def write(self, command: Command) -> Any:
        """Apply a write, in its turn with every other write to this world, in every process; its outcome
        (a domain error is raised). The events it makes are sent by this process, the writer's: the
        other processes, which apply it too (`apply`), send none."""
        with self.writing:
            if self.webhooks and isinstance(command, WorldCommand):
                # The state before it, as others left it: their writes are not this one's events.
                self._writes.catch_up(self)
            before = dict(self.states) if self.webhooks else self.states  # no subscriber: no events
            outcome = self._writes.write(self, command)
            self._emit(command, outcome, before)  # under the lock: payloads from the state the write left
        return outcome

    def _emit(self, command: Command, outcome: Any, before: Mapping[str, VendorState]) -> None:
        """Hand the events `command` made to the dispatcher, for the subscriptions that want them."""
        if self.dispatcher is None or not self.webhooks:
            return
        for vendor in self.vendors:
            if vendor.events is None or command.vendor not in ("", vendor.name):
                continue
            subscriptions = [sub for sub in self.webhooks.values() if sub.api == vendor.name]
            if not subscriptions:
                continue
            state, now = self.states[vendor.name], self.clock.now()
            for name, payload in vendor.events(command, outcome, state, before.get(vendor.name, state), now):
                event = Event(vendor.name, name, payload)
                wanting = [subscription for subscription in subscriptions if subscription.wants(event)]
                if wanting:
                    self.dispatcher.submit(event, wanting, self.deliveries)

    def apply(self, command: Command, position: int) -> Any:
        """Apply `command`, the world's write number `position` (call with the lock held); its outcome,
        an error included: applying the same writes gives every process the same outcomes."""
        context = WriteContext(position, self.seed)
        try:
            if isinstance(command, WorldCommand):
                return command.apply_to(self)
            state = self.states[command.vendor].writable()
            self.states[command.vendor] = state
            return command.apply(state, context)
        except (MockserverError, FixtureError) as error:
            return error

    def catch_up(self) -> None:
        self._writes.catch_up(self)

    def replace_state(self, data: Mapping[str, Any]) -> None:
        """Serve `data` (validated fixture data per vendor) from now on."""
        self.write(ReplaceState(dict(data)))

    def add_records(self, api: str, collection: str, records: list[Any]) -> int:
        """Add records to a collection, validated with the state as fixtures are (`FixtureError` when they
        do not fit); how many the collection holds now."""
        total: int = self.write(AddRecords(api, collection, records))
        return total

    def load(self, data: Mapping[str, Any]) -> None:
        """Serve validated fixture data (every vendor's) from now on (call with the lock held)."""
        self.states = {vendor.name: vendor.make_state(data[vendor.name]) for vendor in self.vendors}

    def dump_state(self) -> dict[str, Any]:
        with self.writing:
            return {name: state.dump() for name, state in self.states.items()}

    # reset, in small steps

    def clear_state(self) -> None:
        with self.writing:
            self.states = {name: state.fresh() for name, state in self.settings.base.items()}

    def clear_webhooks(self) -> None:
        """No subscriptions, and no deliveries: those pending are dropped."""
        with self.writing:
            self.webhooks = {}
        self.deliveries.clear()

    def add_webhook(self, subscription: Subscription) -> None:
        self.write(AddWebhook(subscription.to_json()))

    def remove_webhook(self, subscription_id: str) -> bool:
        """Whether there was such a subscription."""
        removed: bool = self.write(RemoveWebhook(subscription_id))
        return removed

    def clear_failures(self) -> None:
        self.rules.reset(self.settings.failures)

    def clear_journal(self) -> None:
        self.journal.clear()

    def reset_clock(self) -> None:
        self.clock.frozen_at = self.settings.clock_start

    def reset(self) -> None:
        self._writes.reset(self)


class WorldCommand(Command):
    """A write to every vendor's state at once (the admin API's): applied to the world itself."""

    vendor = ""

    def apply_to(self, world: World) -> Any:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ReplaceState(WorldCommand):
    """Serve `data` (validated fixture data per vendor) from now on."""

    name = "replace_state"
    data: dict[str, Any]

    def apply_to(self, world: World) -> None:
        world.load(self.data)


@dataclass(frozen=True, slots=True)
class AddRecords(WorldCommand):
    """Add records to a collection, validated with the state as fixtures are; the collection's size."""

    name = "add_records"
    api: str
    collection: str
    records: list[Any]

    def apply_to(self, world: World) -> int:
        state = world.dump_state()
        first = len(state[self.api][self.collection])
        state[self.api][self.collection].extend(self.records)
        try:
            loaded = validate_state(state, world.vendors)
        except FixtureError as error:
            error.first_added = first
            raise
        world.load(loaded)
        return len(state[self.api][self.collection])


@dataclass(frozen=True, slots=True)
class AddWebhook(WorldCommand):
    """Subscribe (a `Subscription` as JSON; its id chosen by the writer)."""

    name = "add_webhook"
    subscription: dict[str, Any]

    def apply_to(self, world: World) -> None:
        subscription = Subscription.from_json(self.subscription)
        world.webhooks = {**world.webhooks, subscription.id: subscription}


@dataclass(frozen=True, slots=True)
class RemoveWebhook(WorldCommand):
    """Unsubscribe; whether there was such a subscription."""

    name = "remove_webhook"
    id: str

    def apply_to(self, world: World) -> bool:
        if self.id not in world.webhooks:
            return False
        world.webhooks = {key: value for key, value in world.webhooks.items() if key != self.id}
        return True


WORLD_COMMANDS: dict[str, type[WorldCommand]] = {
    command.name: command for command in (ReplaceState, AddRecords, AddWebhook, RemoveWebhook)
}


def command_json(command: Command) -> dict[str, Any]:
    """A command as the Redis store's log carries it."""
    return {"vendor": command.vendor, "command": command.name, "args": command.to_json()}


def command_of(vendors: Vendors, data: Mapping[str, Any]) -> Command:
    """The command `command_json` wrote."""
    vendor, name = data["vendor"], data["command"]
    kind = WORLD_COMMANDS[name] if vendor == "" else vendors.command(vendor, name)
    return kind.from_json(data["args"])


def new_seed(settings: Settings) -> int:
    """The seed of a world's made-up ids: `--seed`, or one drawn now (once, not at every write: drawing
    from the system takes a system call, which a write would make under the world's lock)."""
    return settings.seed if settings.seed is not None else random.getrandbits(62)


class LocalWrites:
    """Writes in this process: numbered and applied one at a time, under the world's lock."""

    def __init__(self) -> None:
        self.position = 0  # writes applied since the world was made

    def write(self, world: World, command: Command) -> Any:
        with world.writing:
            self.position += 1
            outcome = world.apply(command, self.position)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def catch_up(self, world: World) -> None:
        """Nothing: no other process writes to this world."""

    def reset(self, world: World) -> None:
        with world.writing:
            self.position = 0
            world.seed = new_seed(world.settings)  # without --seed, ids never repeat those before the reset
            world.clear_state()
            world.clear_webhooks()
            world.clear_failures()
            world.journal.restart()
            world.reset_clock()


class Store:
    """All worlds of one mock: the default one, and one per session (`X-Mockserver-Session`), made from
    the fixtures on first use.

    Sessions are bounded: beyond `max_sessions` the least recently used is ended, and one unused for
    `session_ttl` seconds (None: no limit) is ended too. Subclasses make the worlds."""

    # Errors meaning the store cannot be reached just now: the request gets a 503.
    unavailable: ClassVar[tuple[type[Exception], ...]] = ()
    monotonic = staticmethod(time.monotonic)  # the clock of session expiry (tests drive their own)

    def __init__(self, settings: Settings, max_sessions: int = 100, session_ttl: float | None = None) -> None:
        self.settings = settings
        self.fixtures = settings.fixtures
        self.vendors = settings.vendors
        self.max_sessions = max_sessions
        self.session_ttl = session_ttl or None
        self._sessions: OrderedDict[str, tuple[World, float]] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        # The process's deliveries of every world's events (its thread starts with the first event).
        self.dispatcher = Dispatcher(settings.webhook_retries, settings.webhook_timeout)
        self.default = self._make_world(None)

    def _make_world(self, session: str | None) -> World:
        raise NotImplementedError

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

    def sessions(self) -> list[str]:
        """The sessions, least recently used first."""
        with self._lock:
            self._expire()
            return list(self._sessions)

    def end_session(self, session: str) -> bool:
        with self._lock:
            self._expire()
            return self._sessions.pop(session, None) is not None
