"""The in-memory store: the default, one process. Each session has its own world, made from the fixtures."""

from __future__ import annotations

from mockserver.clock import Clock
from mockserver.rules.journal import Journal
from mockserver.rules.rules import RuleSet

from .world import LocalWrites, Store, World


class MemoryStore(Store):
    """All worlds of one mock, held in this process."""

    def _make_world(self, session: str | None) -> World:
        settings = self.settings
        return World(
            settings,
            rules=RuleSet(settings.seed, settings.failures),
            journal=Journal(settings.journal_size),
            clock=Clock(settings.clock_start),
            writes=LocalWrites(),
        )
