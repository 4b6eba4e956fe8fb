"""Delivery of events, outside the requests that made them: one background thread per process sends each
event to each subscriber, waits at most `timeout` seconds for a 2xx, retries a failed attempt after each
delay of `retries` in turn, and records every attempt in its world's `DeliveryLog`."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .model import Event, Subscription

if TYPE_CHECKING:
    import httpx

# Seconds after a failed attempt before the next one: four attempts in all, the last 31 s after the first.
DEFAULT_RETRIES = (1.0, 5.0, 25.0)
DEFAULT_TIMEOUT = 5.0  # DigitalChalk's documented deadline for a 2xx


class DeliveryLog:
    """Every delivery attempt of one world, oldest first (at most `size`); cleared by a reset, which also
    drops the world's deliveries still pending (they belong to the world as it was)."""

    def __init__(self, size: int = 10_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._lock = threading.Lock()
        self.generation = 0

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.generation += 1


@dataclass(slots=True)
class _Job:
    """One event for one subscriber, and the attempt it is at."""

    event: Event
    subscription: Subscription
    log: DeliveryLog
    generation: int
    attempt: int = 1


class Dispatcher:
    """The process's outbound deliveries: a queue ordered by when each attempt is due, and one thread that
    makes them in that order (so a subscriber gets a world's events in the order they happened, unless a
    retry puts one after the next)."""

    def __init__(self, retries: Iterable[float] = DEFAULT_RETRIES, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.retries = tuple(retries)
        self.timeout = timeout
        self._queue: list[tuple[float, int, _Job]] = []  # (due, order, job): a heap
        self._order = itertools.count()
        self._busy: list[_Job] = []  # the attempt being made now
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    def submit(self, event: Event, subscriptions: Iterable[Subscription], log: DeliveryLog) -> None:
        """Deliver `event` to each subscriber, soon; never waits for a delivery."""
        if not event.id:
            event = Event(event.api, event.name, event.payload, uuid.uuid4().hex)
        with self._changed:
            for subscription in subscriptions:
                job = _Job(event, subscription, log, log.generation)
                heapq.heappush(self._queue, (time.monotonic(), next(self._order), job))
            self._start()
            self._changed.notify_all()

    def pending(self, log: DeliveryLog | None = None) -> int:
        """Attempts queued, due later or being made (of one world's log, or all)."""
        with self._changed:
            return self._pending_locked(log)

    def flush(self, log: DeliveryLog | None = None, timeout: float = 60.0) -> int:
        """Wait until nothing is pending (retries included), at most `timeout` s; how many are left."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (left := self._pending_locked(log)) and (wait := deadline - time.monotonic()) > 0:
                self._changed.wait(wait)
            return left

    def _pending_locked(self, log: DeliveryLog | None) -> int:
        jobs = [job for _, _, job in self._queue] + self._busy
        return sum(1 for job in jobs if log is None or (job.log is log and job.generation == log.generation))

    def _start(self) -> None:
        """Start the thread on first use (call with the condition held)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="mockserver-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue or self._queue[0][0] > time.monotonic():
                    self._changed.wait(None if not self._queue else self._queue[0][0] - time.monotonic())
                _, _, job = heapq.heappop(self._queue)
                if job.generation != job.log.generation:  # the world was reset since
                    self._changed.notify_all()
                    continue
                self._busy.append(job)
            try:
                ok = self._attempt(job)
            finally:
                with self._changed:
                    self._busy.remove(job)
                    if not ok and job.attempt <= len(self.retries) and job.generation == job.log.generation:
                        due = time.monotonic() + self.retries[job.attempt - 1]
                        job.attempt += 1
                        heapq.heappush(self._queue, (due, next(self._order), job))
                    self._changed.notify_all()

    def _attempt(self, job: _Job) -> bool:
        """Make one attempt and record it; whether the subscriber answered a 2xx in time."""
        import httpx  # here: most runs send no webhook, and a server starts faster without it

        subscription, event = job.subscription, job.event
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False)
        started = time.monotonic()
        when = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        status: int | None = None
        error: str | None = None
        try:
            response = self._client.request(
                subscription.method,
                subscription.url,
                json=event.payload,
                headers={"User-Agent": "mockserver-webhooks"},
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"answered {status}, not a 2xx"
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        job.log.add(
            {
                "event": event.name,
                "event_id": event.id,
                "api": event.api,
                "subscription": subscription.id,
                "url": subscription.url,
                "method": subscription.method,
                "payload": event.payload,
                "attempt": job.attempt,
                "status": status,
                "error": error,
                "ok": error is None,
                "duration_ms": duration_ms,
                "time": when,
            }
        )
        return error is None
