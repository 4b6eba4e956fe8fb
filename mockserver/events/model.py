"""A subscription (where a world's events of one API go) and an event (what a write made)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

METHODS = ("POST", "PUT")


@dataclass(frozen=True, slots=True)
class Subscription:
    """Send the events named `events` of the API `api` to `url`, as a `method` with a JSON body."""

    id: str
    api: str
    events: tuple[str, ...]
    url: str
    method: str = "POST"

    def wants(self, event: Event) -> bool:
        return event.api == self.api and event.name in self.events

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "api": self.api,
            "events": list(self.events),
            "url": self.url,
            "method": self.method,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Subscription:
        return cls(data["id"], data["api"], tuple(data["events"]), data["url"], data["method"])


@dataclass(frozen=True, slots=True)
class Event:
    """An event of `api` named `name`, with the body every subscriber gets; `id` tells its attempts apart
    from another event's."""

    api: str
    name: str
    payload: Mapping[str, Any]
    id: str = field(default="")
