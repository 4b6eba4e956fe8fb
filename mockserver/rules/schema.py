"""Validation of failure rules as users write them (`failures.yaml`, the admin API), for the APIs served.

The fields a rule may match depend on the vendors: `rule_schemas` makes the schemas from what they say
(their names, the fields of their items, their path parameters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from mockserver.rules.rules import FAULTS, SCOPES
from mockserver.schemas import MAX_JSON_DEPTH, StrictNumber, WholeNumber, nested_deeper

# A path pattern's most characters: enough for any real path, and the time a glob takes stays small.
MAX_PATH_PATTERN = 1024

# Headers a rule's answer may not set: they say how the answer is framed, which the mock and the server
# decide (a wrong Content-Length cuts the body short or leaves the client waiting).
FRAMING_HEADERS = ("content-length", "transfer-encoding", "connection")


def _not_framing(name: str) -> None:
    if name.lower() in FRAMING_HEADERS:
        raise ValidationError("The mock sets Content-Length, Transfer-Encoding and Connection itself.")


def _not_too_deep(value: Any) -> None:
    if nested_deeper(value, MAX_JSON_DEPTH):
        raise ValidationError(f"Nested deeper than {MAX_JSON_DEPTH} levels.")


class RespondSchema(Schema):
    status = WholeNumber(required=True, validate=Range(100, 599))
    # Deeper, it could not be listed back or sent (JSON is written by recursion).
    json = fields.Raw(allow_none=True, validate=_not_too_deep)
    headers = fields.Dict(
        keys=fields.String(
            validate=[
                # RFC 9110's token: a name with a space, colon or line break would break the answer.
                Regexp(
                    r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z",
                    error="Not a header name: letters, digits and !#$%&'*+-.^_`|~ only.",
                ),
                _not_framing,
            ]
        ),
        values=fields.String(
            validate=Regexp(
                r"[^\x00-\x08\x0a-\x1f\x7f]*\Z",
                error="Header values hold no control characters (CR, LF, NUL, …) but tab.",
            )
        ),
    )


def _match_schema(path_fields: Sequence[str], item_fields: Sequence[str]) -> type[Schema]:
    """What a rule's `match` may name: the request's method, path, query and headers, the path parameters
    of the APIs, and for item rules the items' fields and index."""
    named: dict[str, fields.Field[Any]] = {
        "method": fields.String(validate=Length(min=1)),
        "path": fields.String(validate=[Length(min=1), Length(max=MAX_PATH_PATTERN)]),
        "query": fields.Dict(keys=fields.String(), values=fields.String()),
        "headers": fields.Dict(keys=fields.String(validate=Length(min=1)), values=fields.String()),
    }
    named.update({name: fields.String() for name in (*path_fields, *item_fields)})
    named["index"] = WholeNumber(validate=Range(min=0))
    return Schema.from_dict(named, name="MatchSchema")


@dataclass(frozen=True)
class RuleSchemas:
    """The schemas of one rule (`rule`) and of a failures file (`file`), for the APIs served."""

    rule: type[Schema]
    file: type[Schema]


def rule_schemas(
    apis: Sequence[str],
    item_fields: Mapping[str, Sequence[str]],
    path_fields: Sequence[str],
    items_label: str,
) -> RuleSchemas:
    """Schemas for rules on `apis` (the vendors' names; `admin` and `any` are added), where the APIs in
    `item_fields` have items that item rules fail (`items_label` says what they are, for errors), with the
    fields such a rule may match, and `path_fields` are path parameters any rule may match."""
    all_item_fields = tuple(dict.fromkeys(name for names in item_fields.values() for name in names))
    item_apis = (*item_fields, "any")

    class RuleSchema(Schema):
        """A failure rule as users write it."""

        id = fields.String(
            validate=Regexp(
                r"[A-Za-z0-9][A-Za-z0-9._~-]{0,99}\Z",
                error="Letters, digits and . _ ~ - only (it goes in URLs).",
            )
        )
        name = fields.String(validate=Length(1, 200))
        api = fields.String(load_default="any", validate=OneOf((*apis, "admin", "any")))
        scope = fields.String(load_default="request", validate=OneOf(SCOPES))
        match = fields.Nested(_match_schema(path_fields, all_item_fields), load_default=dict)
        respond = fields.Nested(RespondSchema, allow_none=True)
        latency_ms = WholeNumber(load_default=0, validate=Range(0, 600_000))
        fault = fields.String(allow_none=True, validate=OneOf(FAULTS))
        times = WholeNumber(allow_none=True, validate=Range(min=1))
        after = WholeNumber(load_default=0, validate=Range(min=0))
        probability = StrictNumber(allow_none=True, allow_nan=False, validate=Range(0, 1))

        @validates_schema
        def coherent(self, data: dict[str, Any], **kwargs: Any) -> None:
            matched = data.get("match", {})
            item_only = [name for name in (*all_item_fields, "index") if name in matched]
            if data.get("scope") == "item":
                if data.get("api") not in item_apis:
                    raise ValidationError(f"Item rules are for {items_label}.", "scope")
                if not data.get("respond") and not data.get("latency_ms"):
                    raise ValidationError("An item rule needs respond (or latency_ms).", "respond")
                if data.get("fault"):
                    raise ValidationError("Faults break a whole response: use a request rule.", "fault")
            elif item_only:
                raise ValidationError(f"Only item rules match {', '.join(item_only)}.", "match")
            if not (data.get("respond") or data.get("fault") or data.get("latency_ms")):
                raise ValidationError("A rule needs respond, fault or latency_ms.", "respond")

    class FailuresFileSchema(Schema):
        """`fixtures/failures.yaml`: rules active from the start (and after every reset)."""

        rules = fields.List(fields.Nested(RuleSchema), load_default=list)

        @validates_schema
        def unique_ids(self, data: dict[str, Any], **kwargs: Any) -> None:
            ids = [rule["id"] for rule in data.get("rules", []) if "id" in rule]
            repeated = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
            if repeated:
                raise ValidationError(f"Rule ids must be unique: {', '.join(repeated)}.", "rules")

    return RuleSchemas(rule=RuleSchema, file=FailuresFileSchema)
