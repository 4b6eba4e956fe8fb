"""What a vendor package provides: its descriptor (`Vendor`), its state and the write commands that change it.

Each vendor package exposes one `VENDOR`; `app.py` lists them in a `Vendors` registry, and every generic
module (store, rules, web plumbing, fixtures, admin) loops over that registry instead of naming a vendor."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from mockserver.rules.schema import RuleSchemas, rule_schemas

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from flask import Blueprint, Flask, Response

    from mockserver.schemas import FixtureSchema

ADMIN_PREFIX = "/__admin"


class VendorState(Protocol):
    """One vendor's data in one world. Commands change it; views read it."""

    # Read-only here (a property), so that a class may keep them in a `dict` attribute: a Protocol's
    # plain attribute would be invariant, and `dict[str, str]` is not `Mapping[str, str]`.
    @property
    def tokens(self) -> Mapping[str, str]:
        """The tokens it accepts, each with its state (none: any token)."""
        ...

    def fresh(self) -> VendorState:
        """The state a new world starts from: this one, shared until the world writes, or a copy."""
        ...

    def writable(self) -> VendorState:
        """This state, or a copy of its own when it is shared with other worlds (before a write)."""
        ...

    def dump(self) -> dict[str, Any]:
        """The data in the fixture file's format: what loading it back gives again."""
        ...

    def records(self) -> int:
        """How many records it holds (whether a dump of it is cheap)."""
        ...

    def registrations(self) -> int:
        """How many registrations it holds (the health check's count)."""
        ...


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Where a write stands: its position among its world's writes (1, 2, …) and the world's seed.

    Everything a command makes up (ids) comes from these, so that every process applying the write makes
    the same, and both stores make the same from the same seed."""

    position: int
    seed: int

    def rng(self, vendor: str) -> random.Random:
        """The write's own random numbers for `vendor`, from the seed and the position."""
        return random.Random(f"{self.seed}/{vendor}/{self.position}")


class Command:
    """A write, owned by its vendor: plain data, and `apply`, the one code that changes the state.

    Subclasses are frozen dataclasses listed in their vendor's `commands` under `name`. A command travels
    as JSON through the Redis store's log (`to_json`, `from_json`), and every process applies it the same
    way: it reads its time and ids from itself and its `WriteContext`, never from the process. `apply`
    returns the outcome or raises a `MockserverError` (the same in every process)."""

    name: ClassVar[str]
    vendor: ClassVar[str]

    def apply(self, state: Any, context: WriteContext) -> Any:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Command:
        return cls(**data)


@dataclass(frozen=True)
class Vendor:
    """Everything the generic parts need to know of one vendor API."""

    name: str  # its name in fixtures, rules, the journal and the admin API: `fullfabric`
    title: str  # as people write it: `FullFabric`
    path_prefixes: tuple[str, ...]  # request paths of this API start with one of these
    entry_path: str  # the path `mockserver run` prints
    blueprint: Blueprint
    fixture_schema: type[FixtureSchema]
    make_state: Callable[[Mapping[str, Any]], VendorState]  # from validated fixture data
    commands: tuple[type[Command], ...]
    error_response: Callable[[int, str], Response]  # an error in the vendor's shape
    injected_body: Callable[[str], dict[str, Any]]  # the body of a failure a rule injects, given its message
    partial_body: bytes  # a body the vendor would plausibly send, cut short (faults)
    collections: tuple[str, ...]  # what the admin API adds records to
    describe: Callable[[VendorState], str]  # a few words on the state, for the banner
    item_rules: str | None = None  # what an item rule fails (None: the API has no items)
    item_rule_fields: tuple[str, ...] = ()  # item fields an item rule may match
    path_rule_fields: tuple[str, ...] = ()  # path parameters a rule may match
    middleware: Callable[[Flask, WSGIApplication], WSGIApplication] | None = None
    generate: Callable[..., dict[str, Any]] | None = None  # its part of a generated fixture set
    # Further URL prefixes the blueprint serves at, besides its own (each registered as `<blueprint>_<n>`,
    # so that `url_for(".endpoint")` writes links under the prefix the request came by).
    also_at: tuple[str, ...] = ()
    # By collection, the fields whose values repeat across a large fixture file's records: one copy of
    # each value is kept as the file loads (a million registrations name a few thousand offerings).
    shared_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The events (webhooks) it sends, by name, and those a write makes: given the command (its own, or a
    # world command of the admin API), its outcome, the state after it and the state before it (the same
    # object unless the write replaced the state, as world commands do) and the world's clock, each
    # event's name and payload.
    event_names: tuple[str, ...] = ()
    events: (
        Callable[[Command, Any, VendorState, VendorState, float], list[tuple[str, dict[str, Any]]]] | None
    ) = None


@dataclass(frozen=True)
class Vendors:
    """The registered vendors, in order: the one list every generic module loops over."""

    vendors: tuple[Vendor, ...]
    _by_name: dict[str, Vendor] = field(init=False, repr=False)
    _prefixes: tuple[tuple[str, str], ...] = field(init=False, repr=False)
    _commands: dict[tuple[str, str], type[Command]] = field(init=False, repr=False)
    rule_schemas: RuleSchemas = field(init=False, repr=False)  # failure rules on these APIs

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_by_name", {vendor.name: vendor for vendor in self.vendors})
        prefixes = [(prefix, vendor.name) for vendor in self.vendors for prefix in vendor.path_prefixes]
        set_(self, "_prefixes", (*prefixes, (ADMIN_PREFIX, "admin")))
        commands = {
            (vendor.name, command.name): command for vendor in self.vendors for command in vendor.commands
        }
        set_(self, "_commands", commands)
        items = {vendor.name: vendor.item_rule_fields for vendor in self.vendors if vendor.item_rules}
        path_fields = tuple(
            dict.fromkeys(name for vendor in self.vendors for name in vendor.path_rule_fields)
        )
        label = " and ".join(vendor.item_rules for vendor in self.vendors if vendor.item_rules) or "no API"
        set_(self, "rule_schemas", rule_schemas(self.names, items, path_fields, label))

    def __iter__(self) -> Iterator[Vendor]:
        return iter(self.vendors)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def get(self, name: str) -> Vendor | None:
        return self._by_name.get(name)

    def api_of(self, path: str) -> str:
        """Which API a path belongs to: a vendor's name, `admin`, or `unknown`."""
        for prefix, api in self._prefixes:
            if path.startswith(prefix):
                return api
        return "unknown"

    def command(self, vendor: str, name: str) -> type[Command]:
        """The command class a vendor lists under `name` (`KeyError` when none)."""
        return self._commands[(vendor, name)]
