"""DigitalChalk's catalogue: offerings and offering categories, read-only through the vendor API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .domain import DateRange, Page, instant_of

# The order in which the vendor's object reference lists an offering's fields; responses keep it.
# An offering's pass mark when its fixture gives none: the vendor grades "using the course's pass mark"
# and publishes no default.
DEFAULT_PASS_MARK = 70

OFFERING_FIELDS = (
    "id",
    "title",
    "catalogDescription",
    "dashboardDescription",
    "deliveryDescription",
    "price",
    "tags",
    "offeringCategoryIds",
    "orderIndex",
    "createdDate",
    "beginDate",
    "endDate",
    "registrationBeginDate",
    "registrationEndDate",
)
OFFERING_DATES = ("createdDate", "beginDate", "endDate", "registrationBeginDate", "registrationEndDate")
CATEGORY_FIELDS = ("id", "name", "description", "color", "orderIndex")
# Statuses of a registration that keep its user from registering again for the same offering: `active`
# always; `passed` and `failed` unless the offering allows retakes. `ejected` never does.
ALWAYS_BLOCKS = frozenset({"active"})
COMPLETED = frozenset({"passed", "failed"})


def offering_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An offering's wire body: the vendor's fields in its order, those without a value left out (the
    fixture-only `allowRetakes` and `passMark` are never served)."""
    return {name: fields[name] for name in OFFERING_FIELDS if fields.get(name) is not None}


def category_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An offering category's wire body, fields without a value left out."""
    return {name: fields[name] for name in CATEGORY_FIELDS if fields.get(name) is not None}


@dataclass(frozen=True, slots=True)
class OfferingQuery:
    """`GET /offerings` filters (all ANDed) and page. `user_id`: only what that user may register for."""

    title: str | None = None
    tags: tuple[str, ...] = ()
    category_id: str | None = None
    created: DateRange | None = None
    user_id: str | None = None
    offset: int = 0
    limit: int = 15


@dataclass(frozen=True, slots=True)
class CategoryQuery:
    """`GET /offeringcategories` filter and page."""

    name: str | None = None
    offset: int = 0
    limit: int = 15


@dataclass(frozen=True)
class Offering:
    """An offering: its wire body, and what the mock reads from it besides."""

    body: dict[str, Any]
    allow_retakes: bool
    created: int | None  # unix seconds of createdDate
    opens: int | None  # registrationBeginDate
    closes: int | None  # registrationEndDate
    tags: frozenset[str] = field(default_factory=frozenset)  # case-folded
    given_pass_mark: float | None = None  # the fixture's `passMark`, if any

    @property
    def pass_mark(self) -> float:
        """A grade at or above it passes."""
        return DEFAULT_PASS_MARK if self.given_pass_mark is None else self.given_pass_mark

    @classmethod
    def of(cls, fields: Mapping[str, Any]) -> Offering:
        body = offering_body(fields)

        def instant(name: str) -> int | None:
            value = body.get(name)
            return None if value is None else instant_of(value)

        return cls(
            body=body,
            allow_retakes=bool(fields.get("allowRetakes", False)),
            created=instant("createdDate"),
            opens=instant("registrationBeginDate"),
            closes=instant("registrationEndDate"),
            tags=frozenset(tag.casefold() for tag in body.get("tags", ())),
            given_pass_mark=fields.get("passMark"),
        )

    def open_at(self, now: int) -> bool:
        """Whether its registration window is open at `now` (a missing begin or end is open)."""
        return (self.opens is None or self.opens <= now) and (self.closes is None or now <= self.closes)

    def blocked_by(self, statuses: Iterable[str]) -> bool:
        """Whether a user holding registrations of these statuses for it may not register again."""
        blocking = ALWAYS_BLOCKS if self.allow_retakes else ALWAYS_BLOCKS | COMPLETED
        return any(status in blocking for status in statuses)

    def matches(self, query: OfferingQuery) -> bool:
        """Whether it passes every filter of `query` but `user_id` (which needs the registrations)."""
        body = self.body
        if query.title is not None and query.title.casefold() not in body["title"].casefold():
            return False
        if query.tags and not all(tag.casefold() in self.tags for tag in query.tags):
            return False
        if query.category_id is not None and query.category_id not in body.get("offeringCategoryIds", ()):
            return False
        return query.created is None or (self.created is not None and self.created in query.created)


def available(offering: Offering, now: int, statuses: Iterable[str]) -> bool:
    """Whether a user may register for `offering` at `now`, holding registrations of these `statuses` for
    it: its registration window is open, and none of them blocks. The one rule of both the `userId`
    filter of `GET /offerings` and `POST /registrations`."""
    return offering.open_at(now) and not offering.blocked_by(statuses)


class Catalogue:
    """Offerings and offering categories, in fixture order. Never changed once made: a new state makes a
    new one, so every world and every copy of a table shares it."""

    def __init__(self, fixture: Mapping[str, Any]) -> None:
        self._offerings = [Offering.of(fields) for fields in fixture.get("offerings", ())]
        self._categories = [category_body(fields) for fields in fixture.get("offeringCategories", ())]
        self._offering_ids = {offering.body["id"]: offering for offering in self._offerings}
        self._category_ids = {category["id"]: category for category in self._categories}

    def __len__(self) -> int:
        return len(self._offerings) + len(self._categories)

    def offering(self, offering_id: str) -> Offering | None:
        return self._offering_ids.get(offering_id)

    def category(self, category_id: str) -> dict[str, Any] | None:
        return self._category_ids.get(category_id)

    def offerings(
        self, query: OfferingQuery, now: int, statuses_of: Callable[[str], Mapping[str, Sequence[str]]]
    ) -> Page:
        """The offerings matching `query`, paged. With a user, only those open for registration at `now`
        and not blocked by that user's registrations (`statuses_of(user)`: their statuses by offering)."""
        found = [offering for offering in self._offerings if offering.matches(query)]
        if query.user_id is not None:
            held = statuses_of(query.user_id)
            found = [
                offering for offering in found if available(offering, now, held.get(offering.body["id"], ()))
            ]
        page = found[query.offset : query.offset + query.limit]
        return Page(results=[offering.body for offering in page], total=len(found))

    def categories(self, query: CategoryQuery) -> Page:
        """The offering categories whose name holds `query.name` (any case), paged."""
        found = self._categories
        if query.name is not None:
            name = query.name.casefold()
            found = [category for category in found if name in category["name"].casefold()]
        return Page(results=list(found[query.offset : query.offset + query.limit]), total=len(found))

    def dump(self) -> dict[str, Any]:
        """Both collections in the fixture file's format (`allowRetakes` written when true, `passMark` when
        given)."""
        return {
            "offeringCategories": [dict(category) for category in self._categories],
            "offerings": [_fixture_offering(offering) for offering in self._offerings],
        }


def _fixture_offering(offering: Offering) -> dict[str, Any]:
    record = dict(offering.body)
    if offering.allow_retakes:
        record["allowRetakes"] = True
    if offering.given_pass_mark is not None:
        record["passMark"] = offering.given_pass_mark
    return record
