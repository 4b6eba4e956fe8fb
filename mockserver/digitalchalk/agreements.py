"""DigitalChalk agreements (`standard` and `custom`, the organisation's) and each user's answer to them."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .domain import Page

AGREEMENT_TYPES = ("standard", "custom")
# The order in which the vendor's pages list an agreement's and a user agreement's fields; responses keep
# it. `enabled` is the mock's own (fixtures only, never served): a disabled type is not found.
AGREEMENT_FIELDS = ("type", "title", "text", "createdDate", "updatedDate", "required")
USER_AGREEMENT_FIELDS = ("type", "title", "text", "createdDate", "agreed", "agreedDate")
# What a client may send in a user agreement's body (PUT).
WRITABLE_FIELDS = frozenset(("agreed",))


def agreement_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An agreement's wire body: the vendor's fields in its order, one without a value left out."""
    return {name: fields[name] for name in AGREEMENT_FIELDS if fields.get(name) is not None}


class Agreements:
    """The organisation's agreements, in fixture order (never written through the vendor API), and the
    users' answers to them, by user and type, in fixture order and then order of first answer.

    A user with no answer to an agreement has not agreed to it: a new user needs no record. Tables share
    these until one writes an answer (`fresh` marks them shared, `copy` gives a writer its own)."""

    def __init__(
        self, agreements: Iterable[Mapping[str, Any]] = (), answers: Iterable[Mapping[str, Any]] = ()
    ) -> None:
        self._records = [dict(record) for record in agreements]  # as the fixtures hold them
        self._enabled = {
            record["type"]: agreement_body(record) for record in self._records if record.get("enabled", True)
        }
        # (userId, type) → (agreed, agreedDate or None)
        self._answers: dict[tuple[str, str], tuple[bool, str | None]] = {
            (answer["userId"], answer["type"]): (answer["agreed"], answer.get("agreedDate"))
            for answer in answers
        }
        self._lock = threading.RLock()
        self.shared = False

    def fresh(self) -> Agreements:
        """These agreements and answers, shared from now on: whoever writes them first copies them."""
        self.shared = True
        return self

    def copy(self) -> Agreements:
        with self._lock:
            agreements = Agreements.__new__(Agreements)
            agreements._records = self._records  # never changed once made
            agreements._enabled = self._enabled
            agreements._answers = dict(self._answers)
        agreements._lock = threading.RLock()
        agreements.shared = False
        return agreements

    def __len__(self) -> int:
        return len(self._records) + len(self._answers)

    def agreement(self, agreement_type: str) -> dict[str, Any] | None:
        """The enabled agreement of this type (its wire body), or None."""
        return self._enabled.get(agreement_type)

    def agreements(self, offset: int, limit: int) -> Page:
        """The enabled agreements, paged."""
        enabled: list[Mapping[str, Any]] = list(self._enabled.values())
        return Page(results=enabled[offset : offset + limit], total=len(enabled))

    def of_user(self, user_id: str, agreement_type: str) -> dict[str, Any] | None:
        """The user's agreement of this type (`agreed: false` when they never answered), or None when the
        type is not enabled. Whether the user exists is the caller's question."""
        agreement = self._enabled.get(agreement_type)
        if agreement is None:
            return None
        with self._lock:
            agreed, agreed_date = self._answers.get((user_id, agreement_type), (False, None))
        values = {**agreement, "agreed": agreed, "agreedDate": agreed_date}
        return {name: values[name] for name in USER_AGREEMENT_FIELDS if values.get(name) is not None}

    def of_user_page(self, user_id: str, offset: int, limit: int) -> Page:
        """The user's agreements, one per enabled agreement, paged."""
        types = list(self._enabled)
        page = [self.of_user(user_id, name) for name in types[offset : offset + limit]]
        results: list[Mapping[str, Any]] = [body for body in page if body is not None]
        return Page(results=results, total=len(types))

    def answer(self, user_id: str, agreement_type: str, agreed: bool, when: str) -> dict[str, Any] | None:
        """Record the user's answer (`agreedDate` is `when`, whichever the answer); their agreement as it is
        now, or None when the type is not enabled."""
        if agreement_type not in self._enabled:
            return None
        with self._lock:
            self._answers[(user_id, agreement_type)] = (agreed, when)
        return self.of_user(user_id, agreement_type)

    def dump(self) -> dict[str, Any]:
        """Both collections in the fixture file's format (`enabled` written when false). A deleted user's
        answers stay, as the user does (flagged), as history."""
        with self._lock:
            answers = [
                {"userId": user_id, "type": kind, "agreed": agreed, "agreedDate": date}
                for (user_id, kind), (agreed, date) in self._answers.items()
            ]
        return {
            "agreements": [
                agreement_body(record)
                if record.get("enabled", True)
                else {**agreement_body(record), "enabled": False}
                for record in self._records
            ],
            "userAgreements": [{k: v for k, v in answer.items() if v is not None} for answer in answers],
        }
