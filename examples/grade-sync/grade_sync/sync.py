"""The sync: completed DigitalChalk registrations become graded FullFabric registrations.

Items that fail with a transient status inside a 207 are posted again, alone, with backoff; a whole
request that fails transiently (5xx, 429, a dropped connection) is posted again too. FullFabric updates
a registration in place, so posting twice is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from grade_sync.clients import DigitalChalk, FullFabric, VendorError

TRANSIENT = frozenset({408, 409, 423, 429, 500, 502, 503, 504})
GRADE_STATES = {"passed": "pass", "failed": "fail"}


@dataclass(frozen=True)
class Mapping:
    """Which FullFabric profile a DigitalChalk user is, and which unit (in which context) an offering is."""

    profiles: dict[str, str]
    units: dict[str, tuple[str, str]]
    grade_name: str = "final"


@dataclass
class Report:
    synced: dict[str, str] = field(default_factory=dict)  # DigitalChalk id → FullFabric registration id
    failed: dict[str, str] = field(default_factory=dict)  # DigitalChalk id → why
    skipped: dict[str, str] = field(default_factory=dict)  # DigitalChalk id → why
    posts: int = 0


@dataclass
class _Pending:
    registration_id: str
    item: dict[str, Any]


def sync(
    digitalchalk: DigitalChalk,
    fullfabric: FullFabric,
    mapping: Mapping,
    *,
    ended_since: str | None = None,
    attempts: int = 3,
    backoff: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Copy every passed or failed registration (ended on or after `ended_since`, a date DigitalChalk
    understands, e.g. `2024-03`) to FullFabric."""
    report = Report()
    per_profile: dict[str, list[_Pending]] = {}
    for status in GRADE_STATES:
        filters = {"status": status} | ({"endDate": f"[{ended_since},]"} if ended_since else {})
        for registration in digitalchalk.registrations(**filters):
            pending = _item_for(registration, mapping, report)
            if pending is not None:
                per_profile.setdefault(mapping.profiles[registration["userId"]], []).append(pending)
    for profile_id, pending in per_profile.items():
        _post_with_retries(fullfabric, profile_id, pending, report, attempts, backoff, sleep)
    return report


def _item_for(registration: dict[str, Any], mapping: Mapping, report: Report) -> _Pending | None:
    if registration["userId"] not in mapping.profiles:
        report.skipped[registration["id"]] = f"user {registration['userId']} has no FullFabric profile"
        return None
    if registration["offeringId"] not in mapping.units:
        report.skipped[registration["id"]] = f"offering {registration['offeringId']} has no FullFabric unit"
        return None
    unit_id, context_id = mapping.units[registration["offeringId"]]
    item: dict[str, Any] = {
        "unit_id": unit_id,
        "context_id": context_id,
        "grade_state_name": GRADE_STATES[registration["status"]],
    }
    if "grade" in registration:  # a grade of 0 is a grade
        value = f"{registration['grade']:g}"
        item["grades"] = [{"name": mapping.grade_name, "value": value, "published": True}]
    return _Pending(registration["id"], item)


def _post_with_retries(
    fullfabric: FullFabric,
    profile_id: str,
    pending: list[_Pending],
    report: Report,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> None:
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        report.posts += 1
        try:
            outcomes = fullfabric.register(profile_id, [entry.item for entry in pending])
        except (VendorError, httpx.TransportError, ValueError) as error:
            if _transient(error) and attempt + 1 < attempts:
                continue
            for entry in pending:
                report.failed[entry.registration_id] = str(error)
            return
        retry = []
        for entry, outcome in zip(pending, outcomes, strict=True):
            if 200 <= outcome["status"] < 300:
                report.synced[entry.registration_id] = outcome["json"]["id"]
            elif outcome["status"] in TRANSIENT and attempt + 1 < attempts:
                retry.append(entry)
            else:
                report.failed[entry.registration_id] = f"{outcome['status']}: {outcome['json']}"
        if not retry:
            return
        pending = retry


def _transient(error: Exception) -> bool:
    """A dropped connection, a cut-off body or a transient status: worth posting again."""
    if isinstance(error, VendorError):
        return error.status in TRANSIENT
    return True
