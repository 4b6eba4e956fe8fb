"""Marshmallow schemas of DigitalChalk's agreements: fixture records, how they refer to users, and the lists'
query parameters."""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from marshmallow import EXCLUDE, Schema, fields
from marshmallow.validate import Length, OneOf, Range

from mockserver.schemas import QueryInteger

from .agreements import AGREEMENT_TYPES
from .catalogue_schemas import StrictBoolean
from .domain import parse_timestamp
from .values import Timestamp, vendor_id

_TYPE = OneOf(AGREEMENT_TYPES, error="must be one of " + ", ".join(AGREEMENT_TYPES))


class AgreementSchema(Schema):
    """An agreement as the vendor writes it, plus `enabled` (the mock's own, never served: a disabled type
    is not found); absent or null dates have no value."""

    type = fields.String(required=True, validate=_TYPE)
    title = fields.String(required=True, validate=Length(min=1))
    text = fields.String(required=True)
    createdDate = Timestamp(allow_none=True)
    updatedDate = Timestamp(allow_none=True)
    required = StrictBoolean(load_default=False)
    enabled = StrictBoolean(load_default=True)


class UserAgreementSchema(Schema):
    """A user's answer to an agreement: whether they agreed, and when they answered."""

    userId = vendor_id(required=True)
    type = fields.String(required=True, validate=_TYPE)
    agreed = StrictBoolean(required=True)
    agreedDate = Timestamp(allow_none=True)


_ANSWER_REQUIRED = frozenset(("userId", "type", "agreed"))
_ANSWER_KNOWN = frozenset(UserAgreementSchema().fields)


def plainly_valid_user_agreement(record: Any) -> bool:
    """True when `UserAgreementSchema` is sure to load `record` unchanged (a generated set holds a
    hundred thousand): else it has the final word, and the error messages."""
    if type(record) is not dict or not _ANSWER_REQUIRED <= record.keys() <= _ANSWER_KNOWN:
        return False
    user_id, date = record["userId"], record.get("agreedDate")
    if type(user_id) is not str or not user_id or record["type"] not in AGREEMENT_TYPES:
        return False
    if type(record["agreed"]) is not bool:
        return False
    if date is None:
        return True
    if type(date) is not str:
        return False
    try:
        parse_timestamp(date)
    except ValueError:
        return False
    return True


def agreement_problems(data: dict[str, Any], user_ids: Container[str]) -> dict[str, Any]:
    """How agreements and user agreements disagree with each other or with the users (`user_ids`): a type
    given twice, an agreement updated before it was created, a user agreement of no user or of a type that
    is no agreement, or given twice. Marshmallow's error messages by path (none: `{}`)."""
    errors: dict[str, Any] = {}
    types: dict[str, int] = {}
    for index, agreement in enumerate(data.get("agreements", [])):
        first = types.setdefault(agreement["type"], index)
        problems: dict[str, list[str]] = {}
        if first != index:
            problems["type"] = [f"Duplicate type, already used by agreements.{first}."]
        created, updated = agreement.get("createdDate"), agreement.get("updatedDate")
        if created and updated and parse_timestamp(updated) < parse_timestamp(created):
            problems["updatedDate"] = ["Must not be earlier than createdDate."]
        if problems:
            errors.setdefault("agreements", {})[index] = problems
    seen: dict[tuple[str, str], int] = {}
    for index, answer in enumerate(data.get("userAgreements", [])):
        problems = {}
        if answer["userId"] not in user_ids:
            problems["userId"] = [f"No user has the id {answer['userId']}."]
        if answer["type"] not in types:
            problems["type"] = [f"No agreement has the type {answer['type']}."]
        first = seen.setdefault((answer["userId"], answer["type"]), index)
        if first != index:
            problems["type"] = [f"Duplicate answer of this user to this type, as userAgreements.{first}."]
        if problems:
            errors.setdefault("userAgreements", {})[index] = problems
    return errors


class PageQuerySchema(Schema):
    """The query parameters of a list with paging alone (`GET /agreements`, `GET /users/{id}/agreements`)."""

    class Meta:
        unknown = EXCLUDE  # the view's business: a warning, or a 400 in strict mode

    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))


PAGE_PARAMETERS = frozenset(PageQuerySchema().fields)
