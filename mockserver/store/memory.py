"""The in-memory store: the default, one process, state built from the fixtures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.digitalchalk.domain import Page, Registration, RegistrationQuery
from mockserver.fixtures import Fixtures


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


class MemoryStore:
    """All state of one mock, held in this process."""

    def __init__(self, fixtures: Fixtures) -> None:
        self.fixtures = fixtures
        self.digitalchalk = DigitalChalkTable(fixtures.data["digitalchalk"])
