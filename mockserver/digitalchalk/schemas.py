"""Marshmallow schemas of DigitalChalk: fixture records and the list endpoints' queries."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping
from operator import itemgetter
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from mockserver.digitalchalk.domain import (
    DATE_FIELDS,
    STATUSES,
    RegistrationQuery,
    parse_timestamp,
)
from mockserver.digitalchalk.users import (
    EMAIL_PATTERN,
    INVALID_EMAIL,
    INVALID_LOCALE,
    LOCALE_PATTERN,
    TEXT_FILTERS,
    USER_DATES,
    USER_FIELDS,
    UserQuery,
    password_problem,
)
from mockserver.digitalchalk.values import DateFilter, Timestamp, vendor_id
from mockserver.schemas import FixtureSchema, Number, PlainList, QueryInteger, TokenSchema

from .agreements_schemas import (
    AgreementSchema,
    UserAgreementSchema,
    agreement_problems,
    plainly_valid_user_agreement,
)
from .catalogue_schemas import OfferingCategorySchema, OfferingSchema, StrictBoolean, catalogue_problems
from .userfields_schemas import (
    UserFieldCategorySchema,
    UserFieldSchema,
    UserFieldValuesSchema,
    plainly_valid_values,
    userfield_problems,
)

_STATUS_ERROR = "must be one of " + ", ".join(STATUSES)


class RegistrationSchema(Schema):
    """A registration as the vendor writes it; absent or null fields have no value."""

    id = vendor_id(required=True)
    userId = vendor_id(required=True)
    offeringId = vendor_id(required=True)
    title = fields.String(allow_none=True)
    status = fields.String(required=True, validate=OneOf(STATUSES, error=_STATUS_ERROR))
    grade = Number(allow_none=True, validate=Range(0, 100))
    graderId = vendor_id(allow_none=True)
    graderComment = fields.String(allow_none=True)
    createdDate = Timestamp(required=True)
    beginDate = Timestamp(allow_none=True)
    lastActiveDate = Timestamp(allow_none=True)
    endDate = Timestamp(allow_none=True)


# A timestamp that is surely a date: checked by one match, not a parse (a day past 28 is parsed too).
_PLAIN_TIMESTAMP = re.compile(
    r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z\Z"
)
_IDS = ("id", "userId", "offeringId")
_REQUIRED = frozenset((*_IDS, "status", "createdDate"))
_KNOWN = frozenset(RegistrationSchema().fields)
_OPTIONAL_TEXT = ("title", "graderComment")


def _plainly_valid(record: Any) -> bool:
    """True when `RegistrationSchema` is sure to load `record` unchanged; False when it may not (it then
    has the final word, and the error messages). A million records load several times faster so."""
    if type(record) is not dict or not _REQUIRED <= record.keys() <= _KNOWN:
        return False
    if record["status"] not in STATUSES:
        return False
    for name in _IDS:
        if type(record[name]) is not str or not record[name]:
            return False
    grader = record.get("graderId")
    if grader is not None and (type(grader) is not str or not grader):
        return False
    for name in _OPTIONAL_TEXT:
        if record.get(name) is not None and type(record[name]) is not str:
            return False
    grade = record.get("grade")
    if grade is not None and (type(grade) not in (int, float) or not 0 <= grade <= 100):
        return False
    return _plain_dates(record, DATE_FIELDS, _REQUIRED)


def _password(value: str) -> None:
    problem = password_problem(value)
    if problem:
        raise ValidationError(problem)


_EMAIL = re.compile(EMAIL_PATTERN.removesuffix("$") + r"\Z")
_LOCALE = re.compile(LOCALE_PATTERN.removesuffix("$") + r"\Z")


class UserSchema(Schema):
    """A user as the vendor writes it; absent or null fields have no value. A `password` is checked and
    not kept (the vendor never shows it; the mock has no login)."""

    id = vendor_id(required=True)
    firstName = fields.String(required=True, validate=Length(min=1))
    lastName = fields.String(required=True, validate=Length(min=1))
    username = fields.String(allow_none=True, validate=Length(min=1))
    email = fields.String(required=True, validate=Regexp(_EMAIL, error=INVALID_EMAIL))
    locale = fields.String(allow_none=True, validate=Regexp(_LOCALE, error=INVALID_LOCALE))
    tags = fields.List(fields.String(), allow_none=True)
    createdDate = Timestamp(required=True)
    lastLoginDate = Timestamp(allow_none=True)
    password = fields.String(load_only=True, validate=_password)
    # The mock's own, never served: a user deleted through the API, kept for the registrations naming them.
    deleted = StrictBoolean()


_USER_REQUIRED = frozenset(("id", "firstName", "lastName", "email", "createdDate"))
_USER_KNOWN = frozenset((*USER_FIELDS, "deleted"))


def _plainly_valid_user(record: Any) -> bool:
    """True when `UserSchema` is sure to load `record` unchanged (as `_plainly_valid`, for users)."""
    if type(record) is not dict or not _USER_REQUIRED <= record.keys() <= _USER_KNOWN:
        return False
    for name in ("id", "firstName", "lastName", "email"):
        if type(record[name]) is not str or not record[name]:
            return False
    if not _EMAIL.match(record["email"]):
        return False
    if type(record.get("deleted", False)) is not bool:
        return False
    username, locale, tags = record.get("username"), record.get("locale"), record.get("tags")
    if username is not None and (type(username) is not str or not username):
        return False
    if locale is not None and (type(locale) is not str or not _LOCALE.match(locale)):
        return False
    if tags is not None and (type(tags) is not list or not all(type(tag) is str for tag in tags)):
        return False
    return _plain_dates(record, USER_DATES, _USER_REQUIRED)


def _plain_dates(record: Mapping[str, Any], names: Iterable[str], required: Container[str]) -> bool:
    """Every date of `record` named in `names` is a plain timestamp (or absent, when not `required`)."""
    for name in names:
        value = record.get(name)
        if value is None and name not in required:
            continue
        if type(value) is not str or not _PLAIN_TIMESTAMP.match(value):
            return False
        if value[8:10] > "28":
            try:
                parse_timestamp(value)
            except ValueError:
                return False
    return True


class DigitalChalkFixtureSchema(FixtureSchema):
    """`fixtures/digitalchalk.yaml`: accepted tokens (none listed: any), the catalogue (offering categories
    and offerings), the registrations, the users, the agreements and the users' answers to them."""

    tokens = fields.List(fields.Nested(TokenSchema), load_default=list)
    offeringCategories = fields.List(fields.Nested(OfferingCategorySchema), load_default=list)
    offerings = fields.List(fields.Nested(OfferingSchema), load_default=list)
    registrations = PlainList(RegistrationSchema, _plainly_valid, load_default=list)
    users = PlainList(UserSchema, _plainly_valid_user, load_default=list)
    agreements = fields.List(fields.Nested(AgreementSchema), load_default=list)
    userAgreements = PlainList(UserAgreementSchema, plainly_valid_user_agreement, load_default=list)

    @validates_schema
    def agreements_refer_rightly(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not self.check_references:
            return
        user_ids = {user["id"] for user in data.get("users", [])}
        if errors := agreement_problems(data, user_ids):
            raise ValidationError(errors)

    userFieldCategories = fields.List(fields.Nested(UserFieldCategorySchema), load_default=list)
    userFields = fields.List(fields.Nested(UserFieldSchema), load_default=list)
    userFieldValues = PlainList(UserFieldValuesSchema, plainly_valid_values, load_default=list)

    @validates_schema
    def catalogue_refers_rightly(self, data: dict[str, Any], **kwargs: Any) -> None:
        if self.check_references and (errors := catalogue_problems(data)):
            raise ValidationError(errors)

    @validates_schema
    def userfields_refer_rightly(self, data: dict[str, Any], **kwargs: Any) -> None:
        if self.check_references and (errors := userfield_problems(data)):
            raise ValidationError(errors)

    @validates_schema
    def unique_ids(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Ids unique in each collection; a user's email and username unique among users who are not
        deleted (case ignored): a deleted user's are free for another."""
        if not self.check_references:
            return
        errors: dict[str, Any] = {}
        for collection, names in (("registrations", ("id",)), ("users", ("id", "email", "username"))):
            found = _repeated(data.get(collection, []), collection, names)
            if found:
                errors[collection] = found
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def registrations_refer_rightly(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Every registration names a user (a deleted one too: their registrations stay, as history) and
        an offering that the fixtures hold."""
        if self.check_references and (errors := reference_problems(data)):
            raise ValidationError(errors)


def reference_problems(data: Mapping[str, Any]) -> dict[str, Any]:
    """A registration's `userId` that is no user's id, and its `offeringId` that is no offering's:
    marshmallow's error messages by path (none: `{}`). Sets, and a first pass over all ids at once, for a
    million registrations: the record-by-record pass runs only when some id is unknown."""
    registrations = data.get("registrations", [])
    users = {user["id"] for user in data.get("users", [])}
    offerings = {offering["id"] for offering in data.get("offerings", [])}
    if users.issuperset(map(itemgetter("userId"), registrations)) and offerings.issuperset(
        map(itemgetter("offeringId"), registrations)
    ):
        return {}
    errors: dict[int, Any] = {}
    for index, registration in enumerate(registrations):
        problems: dict[str, list[str]] = {}
        if registration["userId"] not in users:
            problems["userId"] = [f"No user has the id {registration['userId']}."]
        if registration["offeringId"] not in offerings:
            problems["offeringId"] = [f"No offering has the id {registration['offeringId']}."]
        if problems:
            errors[index] = problems
    return {"registrations": errors}


def _repeated(records: list[dict[str, Any]], collection: str, names: tuple[str, ...]) -> dict[int, Any]:
    """Per record, each of its fields `names` whose value an earlier record has (case ignored but in ids;
    but for the id, a deleted user's fields are no one's)."""
    errors: dict[int, Any] = {}
    for name in names:
        seen: dict[str, int] = {}
        for index, record in enumerate(records):
            value = record.get(name)
            if value is None or (name != "id" and record.get("deleted")):
                continue
            first = seen.setdefault(value if name == "id" else value.lower(), index)
            if first != index:
                message = f"Duplicate {name}, already used by {collection}.{first}."
                errors.setdefault(index, {})[name] = [message]
    return errors


class RegistrationQuerySchema(Schema):
    """`GET /dc/api/v5/registrations` query parameters."""

    class Meta:
        # Unknown parameters are the view's business: a warning, or a 400 in strict mode.
        unknown = EXCLUDE

    status = fields.String(validate=OneOf(STATUSES, error=_STATUS_ERROR))
    userId = fields.String(validate=Length(min=1, error="must not be empty"))
    offeringId = fields.String(validate=Length(min=1, error="must not be empty"))
    createdDate = DateFilter()
    beginDate = DateFilter()
    lastActiveDate = DateFilter()
    endDate = DateFilter()
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> RegistrationQuery:
        return RegistrationQuery(
            status=data.get("status"),
            user_id=data.get("userId"),
            offering_id=data.get("offeringId"),
            dates={name: data[name] for name in DATE_FIELDS if name in data},
            offset=data["offset"],
            limit=data["limit"],
        )


QUERY_PARAMETERS = frozenset(RegistrationQuerySchema().fields)


class UserQuerySchema(Schema):
    """`GET /dc/api/v5/users` query parameters."""

    class Meta:
        unknown = EXCLUDE

    email = fields.String(validate=Length(min=1, error="must not be empty"))
    firstName = fields.String(validate=Length(min=1, error="must not be empty"))
    lastName = fields.String(validate=Length(min=1, error="must not be empty"))
    username = fields.String(validate=Length(min=1, error="must not be empty"))
    createdDate = DateFilter()
    lastLoginDate = DateFilter()
    limit = QueryInteger(load_default=15, validate=Range(1, 100, error="must be between 1 and 100"))
    offset = QueryInteger(load_default=0, validate=Range(min=0, error="must be 0 or more"))

    @post_load
    def to_query(self, data: dict[str, Any], **kwargs: Any) -> UserQuery:
        return UserQuery(
            text={name: data[name].lower() for name in TEXT_FILTERS if name in data},
            dates={name: data[name] for name in USER_DATES if name in data},
            offset=data["offset"],
            limit=data["limit"],
        )


USER_QUERY_PARAMETERS = frozenset(UserQuerySchema().fields)
