"""Marshmallow fields and schemas shared by both vendors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length, OneOf

from mockserver.auth import TOKEN_STATES

_DIGITS = re.compile(r"-?[0-9]+\Z")

# The most digits an integer query parameter may have (leading zeros aside): far past any count of records,
# and well within what Python turns into an integer and back (4,300 digits).
MAX_DIGITS = 100

# The most levels of arrays and objects in a JSON value the mock keeps (a rule's answer, an admin body):
# JSON is read and written by recursion, which a deeper value could exhaust.
MAX_JSON_DEPTH = 100


class Number(fields.Field[int | float]):
    """A JSON number kept as written: `100` stays an int and `97.15` a float."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Not a number.")
        return value


class WholeNumber(fields.Integer):
    """A JSON integer, also when spelled with a zero fraction (`5.0` is an integer to JSON Schema);
    never a string, a boolean or a fraction."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class StrictNumber(fields.Float):
    """A JSON number: never a string like "0.5"."""

    def _validated(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


class QueryInteger(fields.Field[int]):
    """An integer query parameter: ASCII digits only (Python's `int()` would take ' 5', '1_0' or '٥'), at
    most `MAX_DIGITS` of them after any leading zeros."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or not _DIGITS.match(value):
            raise ValidationError("must be an integer")
        sign = "-" if value.startswith("-") else ""
        digits = value.removeprefix("-").lstrip("0") or "0"
        if len(digits) > MAX_DIGITS:
            raise ValidationError(f"must be an integer of at most {MAX_DIGITS} digits")
        return int(sign + digits)


class FixtureSchema(Schema):
    """A vendor's fixture file. Its schema validators check how records refer to each other, unless
    `check_references` is off (to judge each record on its own first)."""

    check_references = True


class PlainList(fields.List[Any]):
    """A list of records, each loaded by `schema`, unless `plainly_valid` says of every one that the schema
    would load it unchanged: then the list is taken as it is. The schema keeps the final word (and its
    error messages) whenever one record is not plainly valid. Large fixture sets load several times
    faster so."""

    def __init__(self, schema: type[Schema], plainly_valid: Callable[[Any], bool], **kwargs: Any) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        self.plainly_valid = plainly_valid

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if type(value) is list and all(map(self.plainly_valid, value)):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class TokenSchema(Schema):
    """A token listed in a vendor fixture, with its state."""

    token = fields.String(required=True, validate=Length(min=1))
    state = fields.String(load_default="active", validate=OneOf(TOKEN_STATES))


def flatten_errors(messages: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """Marshmallow's nested error messages as (`dotted.path`, message) pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from flatten_errors(value, path if key == "_schema" else (*path, str(key)))
    elif isinstance(messages, list) and all(isinstance(message, str) for message in messages):
        for message in messages:
            yield ".".join(path) or "(top level)", message
    elif isinstance(messages, list):
        for item in messages:
            yield from flatten_errors(item, path)
    else:
        yield ".".join(path) or "(top level)", str(messages)


def nested_deeper(value: Any, depth: int) -> bool:
    """Whether a JSON value (as `json.loads` makes it) has more than `depth` levels of arrays and objects.
    Without recursion, so that it can judge any value."""
    level = [value]
    for _ in range(depth + 1):
        inside = [
            child
            for container in level
            if isinstance(container, dict | list)
            for child in (container.values() if isinstance(container, dict) else container)
        ]
        if not any(isinstance(container, dict | list) for container in level):
            return False
        level = inside
    return True


def sent_as_json(mimetype: str) -> bool:
    """Whether a body's media type says JSON (`application/json`, or `…+json`)."""
    return mimetype == "application/json" or mimetype.endswith("+json")


def parse_json(data: bytes) -> Any:
    """A body's JSON; `ValueError` (or `RecursionError`) when it is not JSON (`NaN`, `Infinity` are not)."""
    return json.loads(data, parse_constant=_not_json)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not a JSON value")
