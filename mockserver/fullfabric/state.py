"""FullFabric's state in one world: its catalog, every profile's transcript, and the tokens it accepts."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from mockserver.ids import ObjectIds

from .institutions import Institutions
from .transcripts import (
    ItemError,
    RegistrationItem,
    TranscriptQuery,
    UnitRegistrationUpdate,
    build_transcripts,
    dump_entry,
    dump_transcript,
)


class FullFabricState:
    """FullFabric's catalog and transcripts; one request's items apply atomically."""

    CATALOG = ("profiles", "courses", "classes", "programmes", "study_plans", "units", "grade_states")

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self._fixture = fixture
        self.tokens: dict[str, str] = {entry["token"]: entry["state"] for entry in fixture["tokens"]}
        self._catalog = {name: list(fixture.get(name, [])) for name in self.CATALOG}
        self.institutions = Institutions(fixture)  # read-only: no lock
        self.transcripts = build_transcripts(fixture)
        self._lock = threading.Lock()
        self._shared = False  # served to more than one world: copied before a write

    def fresh(self) -> FullFabricState:
        """The state a new world starts from: this one, shared by every world until that world writes.
        So a session that only reads costs no copy (a hundred milliseconds and megabytes each with large
        fixtures), and the fixtures' state is built once at start."""
        self._shared = True
        return self

    def writable(self) -> FullFabricState:
        """This state, or one of its own built from the same fixture when other worlds share this one
        (writes change transcripts in place). A shared state is never written, so it is the fixture's."""
        return FullFabricState(self._fixture) if self._shared else self

    def records(self) -> int:
        return len(self.transcripts)

    def registrations(self) -> int:
        return len(self.transcripts.registrations())

    def check_profile(self, profile_id: str) -> None:
        self.transcripts.check_profile(profile_id)

    def register_all(
        self, profile_id: str, items: Sequence[RegistrationItem], *, create: bool, now: int, ids: ObjectIds
    ) -> list[Any]:
        """Each item's registration object, or the error that made it fail; in request order.

        `create` registers as POST does; without it, items only update registrations that exist (PATCH).
        """
        transcripts = self.transcripts
        apply = transcripts.register if create else transcripts.update
        outcomes: list[Any] = []
        with self._lock:
            transcripts.check_profile(profile_id)
            for item in items:
                try:
                    outcomes.append(transcripts.to_json(apply(profile_id, item, now, ids)))
                except ItemError as error:
                    outcomes.append(error)
        return outcomes

    def registrations_of(self, profile_id: str, query: TranscriptQuery) -> list[dict[str, Any]]:
        """The registration objects of the profile that `query` selects (under the lock: a write changes
        registrations in place)."""
        with self._lock:
            transcripts = self.transcripts
            transcripts.check_profile(profile_id)
            return [transcripts.to_json(found) for found in transcripts.registrations_of(profile_id, query)]

    def check_unit(self, unit_id: str) -> None:
        self.transcripts.check_unit(unit_id)

    def registrations_of_unit(self, unit_id: str, limit: int, skip: int) -> list[dict[str, Any]]:
        """The registration objects of every profile on the unit, one page of them."""
        with self._lock:
            transcripts = self.transcripts
            transcripts.check_unit(unit_id)
            return [
                transcripts.to_json(found)
                for found in transcripts.registrations_of_unit(unit_id, limit, skip)
            ]

    def update_unit(self, unit_id: str, updates: Sequence[UnitRegistrationUpdate], now: int) -> int:
        """Apply a unit's registrations update, all or (raising) none; how many registrations changed."""
        with self._lock:
            return self.transcripts.update_unit(unit_id, updates, now)

    def transcript(self, transcript_id: str) -> dict[str, Any]:
        with self._lock:
            return self.transcripts.transcript_json(self.transcripts.transcript(transcript_id))

    def create_transcript(
        self, profile_id: str, role_id: str, now: int, ids: ObjectIds
    ) -> tuple[dict[str, Any], bool]:
        """The role's transcript (made now if it had none), as the create call answers it; and whether
        it was made."""
        with self._lock:
            transcript, made = self.transcripts.create_transcript(profile_id, role_id, now, ids)
            return self.transcripts.transcript_json(transcript, totals=True), made

    def register_courses(
        self, profile_id: str, role_id: str, course_ids: Sequence[str], now: int, ids: ObjectIds
    ) -> dict[str, Any]:
        """Register the courses in order on the role's transcript, which is answered; the first refused
        course raises `CourseRefused`, the ones before it staying registered."""
        with self._lock:
            transcript = self.transcripts.register_courses(profile_id, role_id, course_ids, now, ids)
            return self.transcripts.transcript_json(transcript, totals=True)

    def grade(self, unit_id: str, profile_id: str, grade_name: str, value: str, now: int) -> dict[str, Any]:
        """Set one grade of the profile's registration on the unit; the registration as the unit-grades
        call answers it: with its `transcript_id`, its times in milliseconds."""
        with self._lock:
            registration, transcript_id = self.transcripts.grade(unit_id, profile_id, grade_name, value, now)
            found = self.transcripts.to_json(registration)
        return found | {
            "transcript_id": transcript_id,
            "created_at": found["created_at"] * 1000,
            "updated_at": found["updated_at"] * 1000,
        }

    def dump(self) -> dict[str, Any]:
        with self._lock:
            role_transcripts = [dump_transcript(transcript) for transcript in self.transcripts.transcripts()]
            transcripts = [dump_entry(entry) for entry in self.transcripts.entries().values()]
        tokens = [{"token": token, "state": state} for token, state in self.tokens.items()]
        # Only when the fixtures describe one, so that a dump of fixtures without it is those fixtures.
        institution = (
            {} if self._fixture.get("institution") is None else {"institution": self._fixture["institution"]}
        )
        return {
            "tokens": tokens,
            **institution,
            **{name: list(records) for name, records in self._catalog.items()},
        } | {
            "role_transcripts": role_transcripts,
            "transcripts": transcripts,
        }
