"""Domain errors: raised by the store and the domain, translated into vendor bodies by the views."""

from __future__ import annotations


class MockserverError(Exception):
    """Base class of every error the domain raises for a view to translate."""


class Unauthorized(MockserverError):
    """The request carries no usable credentials."""


class StoreUnavailable(MockserverError):
    """The shared store (Redis) cannot be reached."""
