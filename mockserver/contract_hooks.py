"""Schemathesis hooks for what the contracts cannot say in OpenAPI.

Admin: no failure rule aimed at the admin API itself is generated. Such a rule does what it is told
(answer 500, wait ten minutes) to every later admin call, so the run would test the rule, not the API.

DigitalChalk's date filters: a range must not start after it ends, and 02-29 must fall in a leap year.
Generated values that break only these rules are repaired (ends swapped, 29 made 28), so positive cases
stay valid. Written apart from mockserver's own parser on purpose: an oracle must not borrow the code
it judges.

DigitalChalk users: an email or username another user has is refused (case ignored); each valid one
generated is made unique (`u<n>x` put before it), which keeps it valid.

DigitalChalk registrations: `POST /registrations` refuses ids that name nothing, and an offering not
available to the user now, neither of which a schema can say. A body whose ids are valid strings gets a
user made for it through the API itself (`POST /users`) and an offering that user may register for
(`GET /offerings?userId=`), so that positive cases are accepted; when the server will not make them (no
token, say), the body is sent as generated. Over HTTPS, those requests verify the server's certificate
against the CA certificate MOCKSERVER_CA names (`mockserver verify --ca` sets it), else the system's store.

DigitalChalk user fields: a field's category must exist, a value's field must exist and take that kind
of value, and a category holding fields cannot be deleted. A valid `categoryId` or `categoryName`
generated becomes the default fixtures' public category; each valid value goes to a built-in text
field, written as a string (a built-in field is never deleted, only taken off the form, and it still
takes values); a delete of a default category (refused while it holds fields) is sent for an id that
does not exist (`404`).

FullFabric unit updates: `PATCH /apis/registrations/units/{unit_id}/registrations` refuses (422) a grade
name the unit lacks and an unknown grade state, which a schema cannot say, once an item names a real
registration (ids found in other answers are reused). In each item, the first grade with a valid name
is named `final` (every unit of the default fixtures has one) and the other valid ones are dropped, so
no name repeats; a grade state given as a string becomes `pass`. Invalid grades stay invalid.

FullFabric unit grades: `POST /apis/units/units/{unit_id}/grades` refuses (422) a `grade_name` the unit
lacks, once the body names a profile registered there; a valid (non-empty string) name becomes `final`.

Load with `SCHEMATHESIS_HOOKS=mockserver.contract_hooks`.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import json
import os
import re
import ssl
import urllib.parse
import urllib.request
from typing import Any

import schemathesis

DATE_PARAMETERS = ("createdDate", "beginDate", "lastActiveDate", "endDate", "lastLoginDate")
_RANGE = re.compile(r"\[([^,\[\]]+),([^,\[\]]+)\]\Z")
_LEAP_DAY = re.compile(r"([0-9]{4})-02-29")


@schemathesis.hook
def map_query(context: Any, query: dict[str, Any] | None) -> dict[str, Any] | None:
    if not query:
        return query
    for name in DATE_PARAMETERS:
        value = query.get(name)
        if isinstance(value, str):
            query[name] = _ordered(_LEAP_DAY.sub(_real_leap_day, value))
    return query


def _real_leap_day(match: re.Match[str]) -> str:
    year = int(match.group(1))
    return match.group(0) if year == 0 or calendar.isleap(year) else f"{match.group(1)}-02-28"


def _ordered(value: str) -> str:
    """`[END,START]` becomes `[START,END]` when START's first second is after END's last one."""
    found = _RANGE.match(value)
    if not found:
        return value
    start, end = found.groups()
    if _padded(start, "0001-01-01T00:00:00") > _padded(end, "9999-12-31T23:59:59"):
        return f"[{end},{start}]"
    return value


def _padded(date: str, template: str) -> str:
    """An imprecise date completed from `template` (its first or last second), for comparing as text."""
    date = date.removesuffix("Z")
    return date + template[len(date) :]


_USERS = re.compile(r"/dc/api/v5/users(?:/\{id\})?\Z")
_UNIQUE = itertools.count()
# The contract's email pattern.
_EMAIL = re.compile(r"^[^@\x00-\x20]+@[^@\x00-\x20]+\.[^@\x00-\x20]+$")
_ANY = re.compile(".", re.S)


_REGISTRATIONS = "/dc/api/v5/registrations"
_UNIT_REGISTRATIONS = "/apis/registrations/units/{unit_id}/registrations"
_UNIT_GRADES = "/apis/units/units/{unit_id}/grades"


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Just before sending, so that every phase's cases are made unique, reused values included."""
    _userfields(case)
    body = case.body
    if not isinstance(body, dict):
        return
    if str(case.operation.path) == _REGISTRATIONS and str(case.method).upper() == "POST":
        _registrable(case, body)
        return
    if str(case.operation.path) == _UNIT_REGISTRATIONS and str(case.method).upper() == "PATCH":
        _gradable(body)
        return
    if str(case.operation.path) == _UNIT_GRADES and str(case.method).upper() == "POST":
        if isinstance(body.get("grade_name"), str) and body["grade_name"]:
            body["grade_name"] = "final"
        return
    if not _USERS.match(str(case.operation.path)):
        return
    for name, valid in (("email", _EMAIL), ("username", _ANY)):
        value = body.get(name)
        if isinstance(value, str) and valid.search(value):  # an invalid one stays invalid
            body[name] = f"u{next(_UNIQUE)}x{value}"


@schemathesis.hook
def filter_body(context: Any, body: Any) -> bool:
    operation = getattr(context, "operation", None)
    if operation is None or not str(operation.path).startswith("/__admin/failures"):
        return True
    return not (isinstance(body, dict) and body.get("api") == "admin")


def _gradable(body: dict[str, Any]) -> None:
    """Grade names and grade states that the default fixtures' units all know (see the docstring)."""
    items = body.get("registrations")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("grade_state_name"), str):
            item["grade_state_name"] = "pass"
        grades = item.get("grades")
        if not isinstance(grades, list):
            continue
        valid = [g for g in grades if isinstance(g, dict) and isinstance(g.get("name"), str) and g["name"]]
        if valid:
            valid[0]["name"] = "final"
        dropped = {id(grade) for grade in valid[1:]}
        item["grades"] = [grade for grade in grades if id(grade) not in dropped]


@functools.cache
def _tls() -> ssl.SSLContext:
    """What the hooks' own HTTPS requests trust: the CA of MOCKSERVER_CA, else the system's store."""
    return ssl.create_default_context(cafile=os.environ.get("MOCKSERVER_CA") or None)


def _registrable(case: Any, body: dict[str, Any]) -> None:
    """`userId` and `offeringId`, when both are valid strings, replaced by a new user's id and an offering
    open to them, both found through the server's own API with the case's headers (its token); left as
    they are if that fails."""
    if not all(isinstance(body.get(name), str) and body[name] for name in ("userId", "offeringId")):
        return
    base = f"{case.operation.schema.get_base_url()}/dc/api/v5"
    headers = {**(case.headers or {}), "Content-Type": "application/json", "Accept": "application/json"}
    number = next(_UNIQUE)
    user = {"firstName": "Contract", "lastName": f"User{number}", "email": f"u{number}x@contract.example"}
    try:
        made = urllib.request.Request(f"{base}/users", json.dumps(user).encode(), headers, method="POST")
        with urllib.request.urlopen(made, timeout=10, context=_tls()) as created:
            user_id = created.headers["Location"].rsplit("/", 1)[1]
        query = urllib.parse.urlencode({"userId": user_id, "limit": 1})
        found = urllib.request.Request(f"{base}/offerings?{query}", headers=headers)
        with urllib.request.urlopen(found, timeout=10, context=_tls()) as listed:
            offerings = json.load(listed).get("results", [])
    except (OSError, ValueError, KeyError, AttributeError):  # refused (no token, say): sent as generated
        return
    if offerings:
        body["userId"], body["offeringId"] = user_id, offerings[0]["id"]


_USERFIELDS = re.compile(r"/dc/api/v5/userfields(?:/\{id\})?\Z")
_VALUES = re.compile(r"/dc/api/v5/users/\{id\}/userfieldvalues\Z")
_CATEGORIES = re.compile(r"/dc/api/v5/userfieldcategories/\{id\}\Z")
CONTACT = "cedb6ca9f8331ea9b89a9be74c0d17ec"  # the default fixtures' public category
BIOGRAPHICAL = "abfb646ab1ea1c46f0c9c6240a604df1"  # and their private one
TEXT_FIELDS = (  # Phone Number, Street 1, Street 2, City, State/Province, Postal Code
    "99b5396fc23ebd422cdc751d457ede83",
    "ee11283c01fc62b4ed0598bfdb18399a",
    "f1bff48aac32847a06837577acfd30b6",
    "a0b339f3cee02fd12f47c9871de983c9",
    "d46d8a7e17dc10e091f8a55e1405df63",
    "230a319aa90e9fcffed4ed636a443c78",
)
_KEPT = frozenset((CONTACT, BIOGRAPHICAL))
_NOWHERE = "0" * 32


def _userfields(case: Any) -> None:
    path, method, body = str(case.operation.path), str(case.method).upper(), case.body
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    if method == "DELETE" and _CATEGORIES.match(path):
        if parameters.get("id") in _KEPT:
            parameters["id"] = _NOWHERE
    elif _USERFIELDS.match(path) and isinstance(body, dict):
        if isinstance(body.get("categoryId"), str) and body["categoryId"]:
            body["categoryId"] = CONTACT
        if isinstance(body.get("categoryName"), str) and body["categoryName"]:
            body["categoryName"] = "Contact Information"
    elif _VALUES.match(path) and method == "PUT" and isinstance(body, dict):
        # An invalid entry (an empty key, a value of no JSON type a field takes) stays: it stays invalid.
        valid = [(key, value) for key, value in body.items() if key and _takes(value)]
        invalid = {key: value for key, value in body.items() if not (key and _takes(value))}
        body.clear()
        body.update(
            {
                TEXT_FIELDS[index % len(TEXT_FIELDS)]: value
                if value is None or isinstance(value, str)
                else json.dumps(value)
                for index, (_, value) in enumerate(valid)
            }
        )
        body.update(invalid)


def _takes(value: Any) -> bool:
    """Whether some field takes a value like this: a string, number, boolean, array of strings, or null."""
    if isinstance(value, list):  # of distinct strings
        return all(isinstance(item, str) for item in value) and len(set(value)) == len(value)
    return value is None or isinstance(value, str | int | float | bool)
