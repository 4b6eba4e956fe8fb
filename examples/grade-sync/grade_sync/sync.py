"""The sync: completed DigitalChalk registrations become graded FullFabric registrations.

Items that fail with a transient status inside a 207 are posted again, alone, with backoff; a whole
request that fails transiently (5xx, 429, a dropped connection) is posted again too. FullFabric updates
a registration in place, so posting twice is safe.

Then each profile's transcript is read back: the profile's roles, the role's transcript (the vendor
answers the existing one when asked to make it), the transcript itself. A synced registration that is not
on it, or not with the grade sent, is failed after all, as is every one of the profile's if the
transcript cannot be read.
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
    posts: int = 0  # registration posts; the transcript read-back's calls are not counted


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
    for profile_id, items in per_profile.items():
        posted = _post_with_retries(fullfabric, profile_id, items, report, attempts, backoff, sleep)
        if posted:
            _read_back(fullfabric, profile_id, posted, report, attempts, backoff, sleep)
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
) -> list[_Pending]:
    """Post the profile's items; the ones synced, in the order FullFabric applied them."""
    applied: list[_Pending] = []
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
            return applied
        retry = []
        for entry, outcome in zip(pending, outcomes, strict=True):
            if 200 <= outcome["status"] < 300:
                report.synced[entry.registration_id] = outcome["json"]["id"]
                applied.append(entry)
            elif outcome["status"] in TRANSIENT and attempt + 1 < attempts:
                retry.append(entry)
            else:
                report.failed[entry.registration_id] = f"{outcome['status']}: {outcome['json']}"
        if not retry:
            return applied
        pending = retry
    return applied


def _read_back(
    fullfabric: FullFabric,
    profile_id: str,
    posted: list[_Pending],
    report: Report,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> None:
    """Check that the profile's transcript holds every registration just posted (in the order applied),
    with the grade sent; move each one that it does not (all of them, if the transcript cannot be read)
    from synced to failed. Items that FullFabric applied to one registration are held to the last one."""

    def read() -> dict[str, Any]:
        return _transcript_of(fullfabric, profile_id, {entry.item["context_id"] for entry in posted})

    try:
        transcript = _with_retries(read, attempts, backoff, sleep)
        on_transcript = {registration["id"]: registration for registration in transcript["registrations"]}
    except (VendorError, httpx.TransportError, ValueError, LookupError, TypeError) as error:
        why = f"missing {error}" if isinstance(error, KeyError) else str(error)
        for entry in posted:
            del report.synced[entry.registration_id]
            report.failed[entry.registration_id] = f"posted, but its transcript was not read back: {why}"
        return
    last = {report.synced[entry.registration_id]: entry.item for entry in posted}
    for entry in posted:
        fullfabric_id = report.synced[entry.registration_id]
        problem = _mismatch(last[fullfabric_id], on_transcript.get(fullfabric_id))
        if problem is not None:
            del report.synced[entry.registration_id]
            report.failed[entry.registration_id] = (
                f"posted as {fullfabric_id}, but transcript {transcript['id']} {problem}"
            )


def _transcript_of(fullfabric: FullFabric, profile_id: str, contexts: set[str]) -> dict[str, Any]:
    """The profile's transcript, found as a client can: the role in one of `contexts` (a class the sync
    registers in), else the first role; that role's transcript id; the transcript."""
    roles = fullfabric.profile(profile_id)["roles"]
    if not roles:
        raise LookupError(f"profile {profile_id} has no role, so no transcript")
    role = next((role for role in roles if role["context_id"] in contexts), roles[0])
    transcript_id = fullfabric.role_transcript(profile_id, role["id"])["id"]
    return fullfabric.transcript(transcript_id)


def _mismatch(item: dict[str, Any], found: dict[str, Any] | None) -> str | None:
    """What the transcript's registration lacks of the item posted (said of the transcript); None if it
    has it all."""
    if found is None:
        return "does not have it"
    if found.get("grade_state_name") != item["grade_state_name"]:
        return f"has grade state {found.get('grade_state_name')!r}, not {item['grade_state_name']!r}"
    values = {grade.get("name"): grade.get("value") for grade in found.get("grades", [])}
    for grade in item.get("grades", []):
        if values.get(grade["name"]) != grade["value"]:
            return f"has grade {grade['name']} {values.get(grade['name'])!r}, not {grade['value']!r}"
    return None


def _with_retries(
    call: Callable[[], dict[str, Any]], attempts: int, backoff: float, sleep: Callable[[float], None]
) -> dict[str, Any]:
    """`call()`, called again (with backoff) while it fails transiently; its last error raised."""
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            return call()
        except (VendorError, httpx.TransportError, ValueError) as error:
            if not _transient(error) or attempt + 1 == attempts:
                raise
    raise AssertionError("attempts must be at least 1")


def _transient(error: Exception) -> bool:
    """A dropped connection, a cut-off body or a transient status: worth posting again."""
    if isinstance(error, VendorError):
        return error.status in TRANSIENT
    return True
