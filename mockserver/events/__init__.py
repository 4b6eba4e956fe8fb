"""Events (webhooks): subscriptions, events, and their delivery. Knows no vendor (docs/webhooks.md)."""

from __future__ import annotations

from .dispatch import DEFAULT_RETRIES, DeliveryLog, Dispatcher
from .model import METHODS, Event, Subscription

__all__ = ["DEFAULT_RETRIES", "METHODS", "DeliveryLog", "Dispatcher", "Event", "Subscription"]
