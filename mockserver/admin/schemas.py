"""Marshmallow schemas of the admin API's own inputs (rules are `mockserver.rules.schema`'s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range

from mockserver.clock import parse_instant
from mockserver.events import METHODS
from mockserver.schemas import QueryInteger, WholeNumber


class JournalQuerySchema(Schema):
    """Filters of `GET /__admin/requests`; `context["apis"]` names the APIs journaled."""

    api = fields.String()
    method = fields.String()
    path = fields.String()
    status = QueryInteger(validate=Range(100, 599))
    warnings = fields.String(validate=OneOf(("true", "false")))
    limit = QueryInteger(validate=Range(min=1))

    def __init__(self, apis: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields["api"].validators = [OneOf((*apis, "unknown"))]


class Instant(fields.String):
    """An ISO 8601 instant, loaded as unix seconds."""

    # A string on the wire, a number once loaded: String's checks and messages, not its type.
    def _deserialize(  # type: ignore[override]
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> float:
        try:
            return parse_instant(super()._deserialize(value, attr, data, **kwargs))
        except ValueError:
            raise ValidationError(
                "Not an ISO 8601 instant from 1970 to 2105, like 2024-04-01T19:33:20Z."
            ) from None


class ClockSchema(Schema):
    """`PUT /__admin/clock`: freeze at `now`, or move the clock on by `advance_seconds`."""

    now = Instant()
    advance_seconds = WholeNumber(validate=Range(min=0, max=100 * 365 * 86400))

    @validates_schema
    def one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("now" in data) == ("advance_seconds" in data):
            raise ValidationError("Give either now or advance_seconds.")


class WebhookSchema(Schema):
    """`POST /__admin/webhooks`: send the events named of one API to a URL. `apis`: each API that sends
    events, with the names of its events."""

    api = fields.String(required=True)
    events = fields.List(fields.String(), required=True, validate=Length(min=1))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    method = fields.String(load_default="POST", validate=OneOf(METHODS))

    def __init__(self, apis: Mapping[str, tuple[str, ...]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.apis = apis
        self.fields["api"].validators = [OneOf(tuple(apis))]

    @validates_schema
    def known_events(self, data: dict[str, Any], **kwargs: Any) -> None:
        names = self.apis.get(data.get("api", ""), ())
        unknown = [name for name in data.get("events", ()) if name not in names]
        if names and unknown:
            raise ValidationError(
                f"Unknown events {', '.join(map(repr, unknown))}; {data['api']} sends {', '.join(names)}.",
                "events",
            )


class FlushQuerySchema(Schema):
    """`POST /__admin/webhooks/flush`: how long to wait at most (seconds)."""

    wait = fields.Float(validate=Range(min=0, max=300))
