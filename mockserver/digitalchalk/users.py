"""DigitalChalk users: the collection in the vendor's state, the rules a user's fields follow, and queries."""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from .domain import MISSING, DateRange, FieldProblems, Page, instant_of

# The order in which the vendor's object reference lists a user's fields; responses keep it. `password` is
# write-only: checked, never kept.
USER_FIELDS = (
    "id",
    "firstName",
    "lastName",
    "username",
    "email",
    "locale",
    "tags",
    "createdDate",
    "lastLoginDate",
)
USER_DATES = ("createdDate", "lastLoginDate")
TEXT_FILTERS = ("email", "firstName", "lastName", "username")
# What a client may send in a user's body (POST and PUT).
WRITABLE_FIELDS = frozenset(("firstName", "lastName", "username", "email", "locale", "tags", "password"))
REQUIRED_ON_CREATE = ("firstName", "lastName", "email")

# The contract (contracts/digitalchalk.yaml) repeats these patterns, each ending in `$` there.
EMAIL_PATTERN = r"^[^@\x00-\x20]+@[^@\x00-\x20]+\.[^@\x00-\x20]+$"
LOCALE_PATTERN = r"^[a-z]{2}(?:[-_][A-Za-z]{2})?$"
_EMAIL = re.compile(EMAIL_PATTERN.removesuffix("$") + r"\Z")
_LOCALE = re.compile(LOCALE_PATTERN.removesuffix("$") + r"\Z")
_LETTER = re.compile("[A-Za-z]")
_DIGIT = re.compile("[0-9]")
_TAG_SEPARATORS = re.compile(r"[,\s]+")

INVALID_EMAIL = "Invalid email address"  # the vendor's own words
INVALID_PASSWORD = "must be 6 to 64 characters long, with at least one letter and one number"
INVALID_LOCALE = "must be an ISO 639-1 language code, such as en or en-US"
EMAIL_TAKEN = "This email address is already in use"
USERNAME_TAKEN = "This username is already in use"


class InvalidUser(FieldProblems):
    """A user's fields break the vendor's rules: `400 {"fieldErrors": {...}}`, nothing changed."""


def email_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if _EMAIL.match(value) else INVALID_EMAIL


def password_problem(value: Any) -> str | None:
    """6–64 characters, at least one letter and one digit (the vendor's rule)."""
    if not isinstance(value, str):
        return "must be a string"
    if not 6 <= len(value) <= 64 or not _LETTER.search(value) or not _DIGIT.search(value):
        return INVALID_PASSWORD
    return None


def locale_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return None if _LOCALE.match(value) else INVALID_LOCALE


def split_tags(values: Iterable[str]) -> list[str]:
    """Tags as the vendor keeps them: a value holding a comma or a space is several tags."""
    return [tag for value in values for tag in _TAG_SEPARATORS.split(value) if tag]


def user_fields(body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The fields a POST (`creating`) or a partial PUT body sets, checked; `InvalidUser` naming every
    offending field. The password is checked and dropped: the mock has no login to keep it for."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for name in ("firstName", "lastName", "username"):
        if name in body:
            value = body[name]
            if isinstance(value, str) and value:
                fields[name] = value
            else:
                errors[name] = "must be a non-empty string"
    checks = {"email": email_problem, "locale": locale_problem, "password": password_problem}
    for name, problem_of in checks.items():
        if name in body:
            problem = problem_of(body[name])
            if problem:
                errors[name] = problem
            elif name != "password":
                fields[name] = body[name]
    if "tags" in body:
        tags = body["tags"]
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            fields["tags"] = split_tags(tags)
        else:
            errors["tags"] = "must be an array of strings"
    if creating:
        for name in REQUIRED_ON_CREATE:
            if name not in body:
                errors[name] = "is required"
    if errors:
        raise InvalidUser(errors)
    return fields


# Every choice of fields, in the vendor's order: the key orders a wire body may have.
_WIRE_ORDERS = frozenset(
    tuple(name for bit, name in enumerate(USER_FIELDS) if chosen >> bit & 1)
    for chosen in range(2 ** len(USER_FIELDS))
)


def user_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """A user's wire body: its fields in the vendor's order, one without a value (absent or None) left out.
    A dict that is one already is kept, not copied (bodies are never changed in place)."""
    if isinstance(values, dict) and tuple(values) in _WIRE_ORDERS and None not in values.values():
        return values
    return {name: values[name] for name in USER_FIELDS if values.get(name) is not None}


@dataclass(frozen=True, slots=True)
class UserQuery:
    """The users list's filters (all ANDed) and page: `text` maps a field to the lowercased substring it
    must hold; `dates` a date field to the range it must fall in."""

    text: Mapping[str, str] = field(default_factory=dict)
    dates: Mapping[str, DateRange] = field(default_factory=dict)
    offset: int = 0
    limit: int = 15


class Users:
    """DigitalChalk's users by id, in a stable order: fixture order, then order of creation.

    A deleted user is gone from the API (not found, in no list, their email and username free) but kept
    apart, so that the state's dump still holds the user its registrations name (flagged `deleted`).

    Tables share their users until one writes them (`fresh` marks them shared, `copy` gives a writer its
    own). A body is never changed in place: a change makes a new one."""

    def __init__(
        self, records: Iterable[Mapping[str, Any]] = (), strings: dict[str, str] | None = None
    ) -> None:
        """With `strings` (the registrations' shared values), a user's id is the one its registrations
        hold, and names, locales and a username that is the email are shared too: 200,000 users cost
        tens of megabytes less."""
        self._bodies: dict[str, dict[str, Any]] = {}
        self._deleted: dict[str, dict[str, Any]] = {}  # in order of deletion
        for record in records:
            body = user_body(record)
            if strings is not None:
                _share(body, strings)
            (self._deleted if record.get("deleted") else self._bodies)[body["id"]] = body
        # Built on first use: the instants of each user's dates, and the ids by email and by username
        # (lowercased), for whoever filters by date or writes.
        self._instants: dict[str, tuple[int, int]] | None = None
        self._names: dict[str, dict[str, str]] | None = None
        self._texts: dict[str, _Text] = {}  # by field, for the text filters; dropped at every write
        self._lock = threading.RLock()
        self.shared = False

    def fresh(self) -> Users:
        """These users, shared from now on: whoever writes them first copies them."""
        self.shared = True
        return self

    def copy(self) -> Users:
        with self._lock:
            users = Users()
            users._bodies = dict(self._bodies)
            users._deleted = dict(self._deleted)
            users._instants = None if self._instants is None else dict(self._instants)
            users._names = None if self._names is None else {k: dict(v) for k, v in self._names.items()}
        return users

    def __len__(self) -> int:
        return len(self._bodies)

    def ids(self) -> list[str]:
        """The ids of the users there are (not deleted), in order."""
        with self._lock:
            return list(self._bodies)

    def get(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._bodies.get(user_id)

    def query(self, query: UserQuery) -> Page:
        """The users matching every filter of `query`, paged (a scan: users are few beside registrations)."""
        end = query.offset + query.limit
        with self._lock:
            if not query.text and not query.dates:
                page: list[Mapping[str, Any]] = list(islice(self._bodies.values(), query.offset, end))
                return Page(results=page, total=len(self))
            instants = self._dates() if query.dates else {}
            candidates: Iterable[dict[str, Any]] = self._bodies.values()
            searchable = {name: needle for name, needle in query.text.items() if needle and SEP not in needle}
            if searchable:  # through the longest needle's field, as one text: a scan is 50 times slower
                name = max(searchable, key=lambda name: len(searchable[name]))
                candidates = self._text(name).holding(searchable[name], self._bodies)
            matched: list[Mapping[str, Any]] = [
                body
                for body in candidates
                if all(needle in body.get(name, "").lower() for name, needle in query.text.items())
                and all(
                    _within(instants[body["id"]][USER_DATES.index(name)], date_range)
                    for name, date_range in query.dates.items()
                )
            ]
        return Page(results=matched[query.offset : end], total=len(matched))

    def conflicts(self, fields: Mapping[str, Any], user_id: str | None = None) -> dict[str, str]:
        """Field errors for an email or username another user than `user_id` has (case ignored)."""
        messages = {"email": EMAIL_TAKEN, "username": USERNAME_TAKEN}
        with self._lock:
            names = self._taken()
            return {
                name: message
                for name, message in messages.items()
                if name in fields and names[name].get(fields[name].lower(), user_id) != user_id
            }

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add a user (a wire body with a new id); `InvalidUser` when its email or username is taken."""
        with self._lock:
            taken = self.conflicts(body)
            if taken:
                raise InvalidUser(taken)
            if body["id"] in self._bodies or body["id"] in self._deleted:
                raise InvalidUser({"id": "is taken"})  # 128 random bits: not in this universe
            self._bodies[body["id"]] = body
            self._index(body)
        return body

    def update(self, user_id: str, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Set fields of a user; its new body, None when there is no such user, `InvalidUser` when the new
        email or username is another's."""
        with self._lock:
            old = self._bodies.get(user_id)
            if old is None:
                return None
            taken = self.conflicts(changes, user_id)
            if taken:
                raise InvalidUser(taken)
            new = user_body({**old, **changes})
            self._unindex(old)
            self._bodies[user_id] = new
            self._index(new)
            return new

    def delete(self, user_id: str) -> bool:
        """Delete a user (kept apart, as deleted); whether there was one."""
        with self._lock:
            old = self._bodies.pop(user_id, None)
            if old is None:
                return False
            self._deleted[user_id] = old
            self._unindex(old)
            if self._instants is not None:
                del self._instants[user_id]
            return True

    def dump(self) -> list[dict[str, Any]]:
        """Every user in the fixture file's format, the deleted ones last, flagged `deleted: true`."""
        with self._lock:
            return [dict(body) for body in self._bodies.values()] + [
                {**body, "deleted": True} for body in self._deleted.values()
            ]

    # indexes, built on first use (call with the lock held)

    def _text(self, name: str) -> _Text:
        if name not in self._texts:
            self._texts[name] = _Text(name, self._bodies)
        return self._texts[name]

    def _dates(self) -> dict[str, tuple[int, int]]:
        if self._instants is None:
            self._instants = {user_id: _instants(body) for user_id, body in self._bodies.items()}
        return self._instants

    def _taken(self) -> dict[str, dict[str, str]]:
        if self._names is None:
            self._names = {
                name: {body[name].lower(): user_id for user_id, body in self._bodies.items() if name in body}
                for name in ("email", "username")
            }
        return self._names

    def _index(self, body: Mapping[str, Any]) -> None:
        self._texts.clear()
        if self._names is not None:
            for name in ("email", "username"):
                if name in body:
                    self._names[name][body[name].lower()] = body["id"]
        if self._instants is not None:
            self._instants[body["id"]] = _instants(body)

    def _unindex(self, body: Mapping[str, Any]) -> None:
        self._texts.clear()
        if self._names is not None:
            for name in ("email", "username"):
                if name in body and self._names[name].get(body[name].lower()) == body["id"]:
                    del self._names[name][body[name].lower()]


SEP = "\x00"  # between the values of a `_Text`: a needle without it matches within one value


class _Text:
    """One text field of every user, lowercased and joined, to find the users whose value holds a
    substring with `str.find` instead of a Python loop. A snapshot: dropped at the next write."""

    def __init__(self, name: str, bodies: Mapping[str, Mapping[str, Any]]) -> None:
        self.ids = list(bodies)
        values = [body.get(name, "").lower() for body in bodies.values()]
        self.starts: list[int] = []
        at = 0
        for value in values:
            self.starts.append(at)
            at += len(value) + 1
        self.text = SEP.join(values)

    def holding(self, needle: str, bodies: Mapping[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The bodies whose value holds `needle` (lowercased, non-empty, without `SEP`), in order."""
        position = self.text.find(needle)
        while position != -1:
            row = bisect_right(self.starts, position) - 1
            yield bodies[self.ids[row]]
            following = row + 1
            position = -1 if following == len(self.starts) else self.text.find(needle, self.starts[following])


def _share(body: dict[str, Any], strings: dict[str, str]) -> None:
    for name in SHARED_FIELDS:
        if name in body:
            body[name] = strings.setdefault(body[name], body[name])
    if body.get("username") == body["email"]:
        body["username"] = body["email"]


# The fields many users have the same value of (or, for the id, their registrations hold).
SHARED_FIELDS = ("id", "firstName", "lastName", "locale")


def _instants(body: Mapping[str, Any]) -> tuple[int, int]:
    created, last_login = (instant_of(body.get(name)) for name in USER_DATES)
    return created, last_login


def _within(instant: int, date_range: DateRange) -> bool:
    """Whether a user's date is in the range; a user without that date never is."""
    return instant != MISSING and instant in date_range
