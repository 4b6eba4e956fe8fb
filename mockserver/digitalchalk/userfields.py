"""DigitalChalk user field categories, user fields and each user's user field values: the collection in the
vendor's state, the rules a definition and a value follow, and queries."""

from __future__ import annotations

import difflib
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from mockserver.errors import MockserverError
from mockserver.schemas import MAX_JSON_DEPTH, nested_deeper

from .domain import DateRange, FieldProblems, Page, instant_of
from .users import email_problem

# The type names `POST /userfields` takes, exactly (the vendor's type reference; one crawl's example says
# `radios`, which is refused with a hint).
TYPES = (
    "text",
    "email",
    "dropdown",
    "radiobuttons",
    "number",
    "decimal",
    "checkbox",
    "checkboxes",
    "date",
    "yesno",
)
CHOICE_TYPES = frozenset(("dropdown", "radiobuttons", "checkboxes"))
STRING_TYPES = frozenset(("text", "email", "dropdown", "radiobuttons"))
SIZES = ("small", "medium", "mediumlarge", "large")
ORIENTATIONS = ("horizontal", "vertical")
CATEGORY_TYPES = ("public", "private")

# The order in which the vendor's object references list the fields; responses keep it.
CATEGORY_FIELDS = ("id", "type", "name", "orderIndex", "createdDate")
USERFIELD_FIELDS = (
    "id",
    "type",
    "name",
    "localizedNames",
    "orderIndex",
    "size",
    "orientation",
    "categoryId",
    "categoryName",
    "categoryType",
    "required",
    "options",
    "constraints",
    "message",
    "readOnly",
    "createdDate",
)
# What a client may send in a user field's body (POST and PUT); `categoryName` names the category too.
WRITABLE_FIELDS = frozenset(
    (
        "type",
        "name",
        "categoryId",
        "categoryName",
        "localizedNames",
        "orderIndex",
        "size",
        "orientation",
        "required",
        "options",
        "constraints",
        "message",
    )
)
# Derived from the category: served, never kept in a dump.
CATEGORY_NAMES = ("categoryName", "categoryType")

_DATE = re.compile(r"(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/([0-9]{4})\Z")
DATE_PATTERN = r"^(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])/[0-9]{4}$"

NO_SUCH_FIELD = "No user field exists with this id"
CATEGORY_IN_USE = "This user field category still holds user fields: delete them or move them first."


class InvalidUserField(MockserverError):
    """A user field's definition breaks the vendor's rules: `400 {"message": "..."}`, nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValues(FieldProblems):
    """User field values refused: `400 {"fieldErrors": {"<userfieldId>": "..."}}`, nothing changed."""


class CategoryInUse(MockserverError):
    """A category that still holds fields cannot be deleted: `400 {"errors": [...]}`."""


def category_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """A user field category's wire body, fields without a value left out."""
    return {name: values[name] for name in CATEGORY_FIELDS if values.get(name) is not None}


def userfield_body(values: Mapping[str, Any]) -> dict[str, Any]:
    """A user field's wire body: its fields in the vendor's order, one without a value left out."""
    return {name: values[name] for name in USERFIELD_FIELDS if values.get(name) is not None}


# --- a definition ------------------------------------------------------------------------------------


def _whole(value: Any) -> int | None:
    """`value` as an int when it is a JSON integer (`3` or `3.0`), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def finite(value: Any) -> bool:
    """Whether a JSON value holds no infinite number (`1e999` reads as one, and could not be written)."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return True


def _one_of(name: str, value: Any, allowed: Iterable[str]) -> str | None:
    allowed = tuple(allowed)
    if isinstance(value, str) and value in allowed:
        return None
    hint = ""
    if isinstance(value, str) and (guess := difflib.get_close_matches(value, allowed, n=1)):
        hint = f" (did you mean {guess[0]}?)"
    return f"{name} must be one of {', '.join(allowed)}{hint}"


def _options(value: Any) -> tuple[list[dict[str, Any]] | None, str | None]:
    """A field's options, each `{name, selected}` (`selected` false unless given), or the problem."""
    problem = "options must be an array of objects {name, selected}, each name a non-empty string"
    if not isinstance(value, list):
        return None, problem
    options: list[dict[str, Any]] = []
    for option in value:
        if not isinstance(option, dict) or not option.keys() <= {"name", "selected"}:
            return None, problem
        name, selected = option.get("name"), option.get("selected", False)
        if not isinstance(name, str) or not name or not isinstance(selected, bool):
            return None, problem
        options.append({"name": name, "selected": selected})
    return options, None


@dataclass(frozen=True, slots=True)
class _Check:
    """How one optional field of a definition is checked: the value it keeps, or None when invalid."""

    problem: str
    keep: Callable[[Any], Any]


def _text(value: Any) -> Any:
    return value if isinstance(value, str) and value else None


def _localized(value: Any) -> Any:
    if isinstance(value, dict) and all(isinstance(k, str) and k and _text(v) for k, v in value.items()):
        return value
    return None


def _order_index(value: Any) -> Any:
    whole = _whole(value)
    return whole if whole is not None and whole >= 0 else None


def _constraints(value: Any) -> Any:
    if isinstance(value, dict) and finite(value) and not nested_deeper(value, MAX_JSON_DEPTH):
        return value
    return None


_CHECKS = {
    "name": _Check("name must be a non-empty string", _text),
    "localizedNames": _Check("localizedNames must map locales to non-empty names", _localized),
    "orderIndex": _Check("orderIndex must be a whole number, 0 or more", _order_index),
    "size": _Check("size must be one of " + ", ".join(SIZES), lambda v: v if v in SIZES else None),
    "orientation": _Check(
        "orientation must be one of " + ", ".join(ORIENTATIONS), lambda v: v if v in ORIENTATIONS else None
    ),
    "required": _Check("required must be true or false", lambda v: v if isinstance(v, bool) else None),
    "constraints": _Check("constraints must be an object", _constraints),
    "message": _Check("message must be a string", lambda v: v if isinstance(v, str) else None),
}


def userfield_definition(
    body: Mapping[str, Any], categories: UserFields, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The fields a POST (`current` None) or a partial PUT of `current` sets, checked, its category named
    by `categoryId` or `categoryName` resolved to all three; `InvalidUserField` naming every problem."""
    problems: list[str] = []
    fields: dict[str, Any] = {}
    creating = current is None
    if "type" in body:
        problem = _one_of("type", body["type"], TYPES)
        if problem:
            problems.append(problem)
        elif current is not None and body["type"] != current["type"]:
            problems.append(f"type cannot change (it is {current['type']}): make a new user field")
        else:
            fields["type"] = body["type"]
    elif creating:
        problems.append("type is required")
    if creating and "name" not in body:
        problems.append("name is required")
    for name, check in _CHECKS.items():
        if name in body:
            kept = check.keep(body[name])
            if kept is None:
                problems.append(check.problem)
            else:
                fields[name] = kept
    if "options" in body:  # kept on any field; dropdown, radiobuttons and checkboxes check values by them
        options, problem = _options(body["options"])
        if problem:
            problems.append(problem)
        else:
            fields["options"] = options
    category, problem = _category(body, categories)
    if problem:
        problems.append(problem)
    elif category is not None:
        fields.update(categoryId=category["id"], categoryName=category["name"], categoryType=category["type"])
    elif creating:
        problems.append("categoryId or categoryName is required")
    if problems:
        raise InvalidUserField("Invalid user field: " + "; ".join(problems) + ".")
    return fields


def _category(body: Mapping[str, Any], categories: UserFields) -> tuple[dict[str, Any] | None, str | None]:
    """The category `categoryId` or `categoryName` names (both: the same one), or the problem."""
    found: dict[str, Any] | None = None
    if "categoryId" in body:
        category_id = body["categoryId"]
        if not isinstance(category_id, str) or not category_id:
            return None, "categoryId must be a non-empty string"
        found = categories.category(category_id)
        if found is None:
            return None, f"no user field category has the id {category_id}"
    if "categoryName" in body:
        name = body["categoryName"]
        if not isinstance(name, str) or not name:
            return None, "categoryName must be a non-empty string"
        named = categories.category_named(name)
        if named is None:
            return None, f"no user field category is named {name}"
        if found is not None and named["id"] != found["id"]:
            return None, "categoryId and categoryName name different categories"
        found = named
    return found, None


# --- a value -----------------------------------------------------------------------------------------


def value_problem(field: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` cannot be the value of `field` (None: it can), by the field's type and options."""
    field_type = field["type"]
    names = [option["name"] for option in field.get("options", ())]
    if field_type in STRING_TYPES:
        if not isinstance(value, str):
            return "must be a string"
        if field_type == "email":
            return email_problem(value)
        if names and field_type in CHOICE_TYPES and value not in names:
            return "must be one of the field's options: " + ", ".join(names)
        return None
    if field_type in ("number", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not finite(value):
            return "must be a number"
        if field_type == "number" and _whole(value) is None:
            return "must be a whole number"
        return None
    if field_type == "checkbox":
        return None if isinstance(value, bool) else "must be true or false"
    if field_type == "checkboxes":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return "must be an array of strings"
        if len(set(value)) != len(value):
            return "must not name an option twice"
        if names and not set(value) <= set(names):
            return "must hold only the field's options: " + ", ".join(names)
        return None
    if field_type == "date":
        return None if isinstance(value, str) and _real_date(value) else "must be a date written MM/dd/yyyy"
    if field_type == "yesno":
        return None if value in ("yes", "no") and isinstance(value, str) else "must be yes or no"
    return f"has a type the mock does not know: {field_type}"  # never: types are checked on the way in


def _real_date(value: str) -> bool:
    found = _DATE.match(value)
    if found is None:
        return False
    month, day, year = (int(part) for part in found.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# --- queries -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserFieldCategoryQuery:
    """`GET /userfieldcategories` filters (all ANDed) and page."""

    name: str | None = None
    type: str | None = None
    created: DateRange | None = None
    offset: int = 0
    limit: int = 15


@dataclass(frozen=True, slots=True)
class UserFieldQuery:
    """`GET /userfields` filter (the category's type) and page."""

    category_type: str | None = None
    offset: int = 0
    limit: int = 15


class UserFields:
    """User field categories, user fields (wire bodies, their category's name and type included) and the
    values each user holds, by user id then field id.

    Tables share them until one writes them (`fresh` marks them shared, `copy` gives a writer its own). A
    body or a user's values are never changed in place: a change makes a new one."""

    def __init__(self, fixture: Mapping[str, Any] | None = None) -> None:
        fixture = fixture or {}
        self._categories: dict[str, dict[str, Any]] = {
            record["id"]: category_body(record) for record in fixture.get("userFieldCategories", ())
        }
        self._fields: dict[str, dict[str, Any]] = {}
        for record in fixture.get("userFields", ()):
            self._fields[record["id"]] = self._with_category(record)
        # Kept as loaded: a user's values are replaced, never changed in place.
        self._values: dict[str, Mapping[str, Any]] = {
            entry["userId"]: entry["values"]
            for entry in fixture.get("userFieldValues", ())
            if entry["values"]
        }
        self._lock = threading.RLock()
        self.shared = False

    def _with_category(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A fixture's field as served: `required` and `readOnly` always said, options with `selected`."""
        values = {
            **record,
            "required": record.get("required") or False,
            "readOnly": record.get("readOnly") or False,
        }
        if values.get("options") is not None:
            values["options"] = [
                {"name": o["name"], "selected": o.get("selected") or False} for o in values["options"]
            ]
        for name in CATEGORY_NAMES:  # the category's: never the record's own
            values.pop(name, None)
        category = self._categories.get(record.get("categoryId") or "")
        if category is not None:
            values.update(categoryName=category["name"], categoryType=category["type"])
        return userfield_body(values)

    def fresh(self) -> UserFields:
        """These, shared from now on: whoever writes them first copies them."""
        self.shared = True
        return self

    def copy(self) -> UserFields:
        with self._lock:
            copied = UserFields()
            copied._categories = dict(self._categories)
            copied._fields = dict(self._fields)
            copied._values = dict(self._values)
        return copied

    def __len__(self) -> int:
        return len(self._categories) + len(self._fields) + len(self._values)

    # categories

    def category(self, category_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._categories.get(category_id)

    def category_named(self, name: str) -> dict[str, Any] | None:
        """The first category (in list order) of this name, case ignored."""
        wanted = name.casefold()
        with self._lock:
            return next((c for c in self._ordered_categories() if c["name"].casefold() == wanted), None)

    def categories(self, query: UserFieldCategoryQuery) -> Page:
        """The categories matching every filter, public first, then by `orderIndex`; paged."""
        with self._lock:
            found = self._ordered_categories()
        if query.name is not None:
            needle = query.name.casefold()
            found = [category for category in found if needle in category["name"].casefold()]
        if query.type is not None:
            found = [category for category in found if category["type"] == query.type]
        if query.created is not None:
            created = query.created
            found = [c for c in found if "createdDate" in c and instant_of(c["createdDate"]) in created]
        return Page(results=list(found[query.offset : query.offset + query.limit]), total=len(found))

    def _ordered_categories(self) -> list[dict[str, Any]]:
        """Public first, then by `orderIndex`, then in the order they came (call with the lock held)."""
        return sorted(
            self._categories.values(), key=lambda c: (c["type"] != "public", c.get("orderIndex", 0))
        )

    def holds_fields(self, category_id: str) -> bool:
        with self._lock:
            return any(field.get("categoryId") == category_id for field in self._fields.values())

    def delete_category(self, category_id: str) -> bool:
        """Remove a category that holds no field; whether there was one; `CategoryInUse` if it holds any."""
        with self._lock:
            if category_id not in self._categories:
                return False
            if self.holds_fields(category_id):
                raise CategoryInUse(CATEGORY_IN_USE)
            del self._categories[category_id]
            return True

    # fields

    def field(self, field_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._fields.get(field_id)

    def fields(self, query: UserFieldQuery) -> Page:
        """The fields, in form order: by category (as categories are listed), then `orderIndex`, then
        order of creation; fields off the form (built-in ones taken off it) last. Paged."""
        with self._lock:
            rank = {category["id"]: index for index, category in enumerate(self._ordered_categories())}
            found = sorted(
                self._fields.values(),
                key=lambda f: (rank.get(f.get("categoryId", ""), len(rank)), f.get("orderIndex", math.inf)),
            )
        if query.category_type is not None:
            found = [field for field in found if field.get("categoryType") == query.category_type]
        return Page(results=list(found[query.offset : query.offset + query.limit]), total=len(found))

    def add_field(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add a user field (a checked definition with a new id); `InvalidUserField` when its category is
        gone (another process may have deleted it since the view looked)."""
        with self._lock:
            if body.get("categoryId") not in self._categories:
                raise InvalidUserField(
                    f"Invalid user field: no user field category has the id {body.get('categoryId')}."
                )
            if body["id"] in self._fields:
                raise InvalidUserField("Invalid user field: its id is taken.")  # 128 random bits: never
            self._fields[body["id"]] = body
        return body

    def update_field(self, field_id: str, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Set checked fields of a user field; its new body, or None when there is no such field."""
        with self._lock:
            old = self._fields.get(field_id)
            if old is None:
                return None
            category_id = changes.get("categoryId")
            if category_id is not None and category_id not in self._categories:
                raise InvalidUserField(
                    f"Invalid user field: no user field category has the id {category_id}."
                )
            new = userfield_body({**old, **changes})
            self._fields[field_id] = new
            return new

    def delete_field(self, field_id: str) -> bool:
        """Remove a custom field, or take a built-in one off the form (it keeps its definition and loses its
        category); either way its values go. Whether there was such a field."""
        with self._lock:
            old = self._fields.get(field_id)
            if old is None:
                return False
            if old.get("readOnly"):
                self._fields[field_id] = {
                    k: v for k, v in old.items() if k not in ("categoryId", *CATEGORY_NAMES)
                }
            else:
                del self._fields[field_id]
            for user_id, values in list(self._values.items()):
                if field_id in values:
                    kept = {name: value for name, value in values.items() if name != field_id}
                    if kept:
                        self._values[user_id] = kept
                    else:
                        del self._values[user_id]
            return True

    # values

    def values(self, user_id: str) -> dict[str, Any]:
        """A user's values by field id, in the fields' order of creation ({} when none)."""
        with self._lock:
            held = self._values.get(user_id)
            if not held:
                return {}
            return {field_id: held[field_id] for field_id in self._fields if field_id in held}

    def value_errors(self, values: Mapping[str, Any]) -> dict[str, str]:
        """Field errors for values to set (`None` clears): an unknown field, or a value it does not take. A
        built-in field off the form still takes values: it exists."""
        errors: dict[str, str] = {}
        with self._lock:
            for field_id, value in values.items():
                field = self._fields.get(field_id)
                if field is None:
                    errors[field_id] = NO_SUCH_FIELD
                elif value is not None and (problem := value_problem(field, value)):
                    errors[field_id] = problem
        return errors

    def set_values(self, user_id: str, values: Mapping[str, Any]) -> None:
        """Set a user's values (`None` clears one; fields left out keep theirs), all or none:
        `InvalidValues` naming each refused field."""
        with self._lock:
            errors = self.value_errors(values)
            if errors:
                raise InvalidValues(errors)
            new = {**self._values.get(user_id, {}), **values}
            kept = {field_id: value for field_id, value in new.items() if value is not None}
            if kept:
                self._values[user_id] = kept
            else:
                self._values.pop(user_id, None)

    def dump(self, user_of: Callable[[str], object]) -> dict[str, Any]:
        """The three collections in the fixture file's format; the values of users that still exist."""
        with self._lock:
            return {
                "userFieldCategories": [dict(category) for category in self._categories.values()],
                "userFields": [
                    {k: v for k, v in field.items() if k not in CATEGORY_NAMES}
                    for field in self._fields.values()
                ],
                "userFieldValues": [
                    {"userId": user_id, "values": dict(values)}
                    for user_id, values in self._values.items()
                    if user_of(user_id) is not None
                ],
            }
