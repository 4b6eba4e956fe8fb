"""A stateful mock of the FullFabric and DigitalChalk registration APIs for contract testing."""

from __future__ import annotations

__version__ = "0.1.0"
