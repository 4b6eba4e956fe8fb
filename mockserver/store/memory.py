"""The in-memory store: the default, one process. Each session has its own world, made from the fixtures."""

from __future__ import annotations

from mockserver.clock import Clock
from mockserver.rules.journal import Journal, JournalBudget
from mockserver.rules.rules import RuleSet

from .world import LocalWrites, Settings, Store, World


class MemoryStore(Store):
    """All worlds of one mock, held in this process; their journals share one bound in bytes."""

    def __init__(self, settings: Settings, max_sessions: int = 100, session_ttl: float | None = None) -> None:
        self.journal_budget = JournalBudget(settings.journal_total_bytes)
        super().__init__(settings, max_sessions, session_ttl)

    def _make_world(self, session: str | None) -> World:
        settings = self.settings
        return World(
            settings,
            rules=RuleSet(settings.seed, settings.failures),
            journal=Journal(settings.journal_size, settings.journal_bytes, self.journal_budget),
            clock=Clock(settings.clock_start),
            writes=LocalWrites(),
            dispatcher=self.dispatcher,
        )
