"""The in-memory store: the default, one process, state built from the fixtures."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from mockserver.clock import Clock
from mockserver.digitalchalk.domain import Page, Registration, RegistrationQuery
from mockserver.fixtures import Fixtures
from mockserver.fullfabric.transcripts import ItemError, RegistrationItem, build_transcripts
from mockserver.ids import ObjectIds


class DigitalChalkTable:
    """DigitalChalk's registrations, in a stable order: fixture order, then order of creation."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        self._registrations = [Registration.from_fields(fields) for fields in fixture["registrations"]]

    def __len__(self) -> int:
        return len(self._registrations)

    def query(self, query: RegistrationQuery) -> Page:
        """The registrations matching every filter of `query`, paged."""
        matched = [registration for registration in self._registrations if query.matches(registration)]
        return Page(results=matched[query.offset : query.offset + query.limit], total=len(matched))


class FullFabricState:
    """FullFabric's catalog and transcripts; one request's items apply atomically."""

    def __init__(self, fixture: Mapping[str, Any], seed: int | None, clock: Clock) -> None:
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        self.transcripts = build_transcripts(fixture, ObjectIds(seed), clock)
        self._lock = threading.Lock()

    def check_profile(self, profile_id: str) -> None:
        self.transcripts.check_profile(profile_id)

    def register_all(
        self, profile_id: str, items: Sequence[RegistrationItem | ItemError]
    ) -> list[dict[str, Any] | ItemError]:
        """Each item's registration object, or the error that made it fail; in request order.

        Items that arrive already failed (malformed) are passed through, so outcomes stay in order.
        """
        transcripts = self.transcripts
        outcomes: list[dict[str, Any] | ItemError] = []
        with self._lock:
            transcripts.check_profile(profile_id)
            for item in items:
                if isinstance(item, ItemError):
                    outcomes.append(item)
                    continue
                try:
                    outcomes.append(transcripts.to_json(transcripts.register(profile_id, item)))
                except ItemError as error:
                    outcomes.append(error)
        return outcomes


class MemoryStore:
    """All state of one mock, held in this process."""

    def __init__(self, fixtures: Fixtures, seed: int | None = None, clock: Clock | None = None) -> None:
        self.fixtures = fixtures
        self.clock = clock or Clock()
        self.digitalchalk = DigitalChalkTable(fixtures.data["digitalchalk"])
        self.fullfabric = FullFabricState(fixtures.data["fullfabric"], seed, self.clock)
