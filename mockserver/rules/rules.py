"""Failure rules: data plus small matcher functions that return `(matched, reason)`. No Flask here."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from mockserver.schemas import StrictNumber, WholeNumber

APIS = ("fullfabric", "digitalchalk", "admin", "any")
SCOPES = ("request", "item")
FAULTS = ("connection_reset", "malformed_json", "empty_body")
ITEM_FIELDS = ("unit_id", "context_id", "grade_state_name")


@dataclass(frozen=True, slots=True)
class Call:
    """What a rule is matched against: one request, and for item rules one item of it."""

    api: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased
    profile_id: str | None = None
    item: Any = None
    index: int | None = None


Matcher = Callable[[Call], tuple[bool, str]]


def _same(name: str, expected: Any, actual: Any) -> tuple[bool, str]:
    if actual == expected:
        return True, f"{name} is {actual!r}"
    return False, f"{name} {actual!r} is not {expected!r}"


def match_method(expected: str) -> Matcher:
    return lambda call: _same("method", expected.upper(), call.method.upper())


def match_path(pattern: str) -> Matcher:
    """Exactly, or as a glob when the pattern has `*` (which also crosses `/`)."""
    if "*" not in pattern:
        return lambda call: _same("path", pattern, call.path)
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")

    def matcher(call: Call) -> tuple[bool, str]:
        if regex.match(call.path):
            return True, f"path {call.path!r} matches {pattern!r}"
        return False, f"path {call.path!r} does not match {pattern!r}"

    return matcher


def match_query(name: str, expected: str) -> Matcher:
    return lambda call: _same(f"query {name}", expected, call.query.get(name))


def match_header(name: str, expected: str) -> Matcher:
    return lambda call: _same(f"header {name}", expected, call.headers.get(name.lower()))


def match_profile(expected: str) -> Matcher:
    return lambda call: _same("profile_id", expected, call.profile_id)


def match_item_field(name: str, expected: Any) -> Matcher:
    def matcher(call: Call) -> tuple[bool, str]:
        actual = call.item.get(name) if isinstance(call.item, dict) else None
        return _same(name, expected, actual)

    return matcher


def match_index(expected: int) -> Matcher:
    return lambda call: _same("item index", expected, call.index)


def build_matchers(match: Mapping[str, Any]) -> list[Matcher]:
    """One matcher per criterion of a rule's `match`; all must hold."""
    matchers: list[Matcher] = []
    for name, expected in match.items():
        if name == "method":
            matchers.append(match_method(expected))
        elif name == "path":
            matchers.append(match_path(expected))
        elif name == "query":
            matchers.extend(match_query(key, value) for key, value in expected.items())
        elif name == "headers":
            matchers.extend(match_header(key, value) for key, value in expected.items())
        elif name == "profile_id":
            matchers.append(match_profile(expected))
        elif name == "index":
            matchers.append(match_index(expected))
        else:
            matchers.append(match_item_field(name, expected))
    return matchers


@dataclass(slots=True)
class Rule:
    """A failure to inject when a call matches; counts its hits, expires after `times`."""

    id: str
    name: str
    api: str = "any"
    scope: str = "request"
    match: dict[str, Any] = field(default_factory=dict)
    respond: dict[str, Any] | None = None
    latency_ms: int = 0
    fault: str | None = None
    times: int | None = None
    after: int = 0
    probability: float | None = None
    hits: int = 0
    seen: int = 0  # matches so far, including those skipped by `after` or `probability`
    seed: int | None = field(default=None, repr=False)
    _matchers: list[Matcher] = field(default_factory=list, repr=False)

    @property
    def expired(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def applies_to(self, api: str) -> bool:
        # `any` means both vendors: the admin API is failed only by rules that name it.
        return self.api == api or (self.api == "any" and api != "admin")

    def may_fire(self, api: str, method: str, path: str, scope: str) -> bool:
        """Whether the rule could fire for a request of this API, method and path: its scope, API, and
        `method` and `path` criteria allow it (the other criteria, and whether it expired, are not asked)."""
        if self.scope != scope or not self.applies_to(api):
            return False
        expected = self.match.get("method")
        if expected is not None and expected.upper() != method.upper():
            return False
        pattern = self.match.get("path")
        return pattern is None or match_path(pattern)(Call(api, method, path, {}, {}))[0]

    def reasons(self, call: Call) -> list[str] | None:
        """Why every criterion holds for `call` (the API's included), or None when one does not."""
        if not self.applies_to(call.api):
            return None
        reasons = []
        for matcher in self._matchers:
            matched, reason = matcher(call)
            if not matched:
                return None
            reasons.append(reason)
        return reasons

    def passes_draw(self, seen: int) -> bool:
        """Whether the match numbered `seen` passes `probability` (no probability: always)."""
        return self.probability is None or draw(self.seed, self.id, seen - self.after) < self.probability

    def reason(self, reasons: list[str], seen: int) -> str:
        if self.after:
            reasons = [*reasons, f"match {seen}, after skipping {self.after}"]
        return "; ".join(reasons) or f"every {self.api} {self.scope}"

    def consider(self, call: Call) -> str | None:
        """Why the rule fires for `call` (and count the hit), or None when it does not."""
        if self.expired:
            return None
        reasons = self.reasons(call)
        if reasons is None:
            return None
        self.seen += 1
        if self.seen <= self.after or not self.passes_draw(self.seen):
            return None
        self.hits += 1
        return self.reason(reasons, self.seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "api": self.api,
            "scope": self.scope,
            "match": self.match,
            "respond": self.respond,
            "latency_ms": self.latency_ms,
            "fault": self.fault,
            "times": self.times,
            "after": self.after,
            "probability": self.probability,
            "hits": self.hits,
            "expired": self.expired,
        }


def draw(seed: int | None, rule_id: str, number: int) -> float:
    """A rule's `number`th draw for `probability` (1, 2, …). With a seed, the same in every run and every
    process, and one rule's draws never shift another's."""
    if seed is None:
        return random.random()
    return random.Random(f"{seed}/{rule_id}/{number}").random()


def build_rule(rule_id: str, spec: Mapping[str, Any], seed: int | None) -> Rule:
    """The rule of a validated spec (see `RuleSchema`), with no hits yet."""
    rule = Rule(
        id=rule_id,
        name=spec.get("name") or rule_id,
        api=spec.get("api", "any"),
        scope=spec.get("scope", "request"),
        match=dict(spec.get("match") or {}),
        respond=spec.get("respond"),
        latency_ms=spec.get("latency_ms", 0),
        fault=spec.get("fault"),
        times=spec.get("times"),
        after=spec.get("after", 0),
        probability=spec.get("probability"),
        seed=seed,
    )
    rule._matchers = build_matchers(rule.match)
    return rule


class RuleSet:
    """The rules of one world, in the order they were added: the first that fires wins."""

    MEMO_SIZE = 1024

    def __init__(self, seed: int | None, specs: Iterable[Mapping[str, Any]] = ()) -> None:
        self._seed = seed
        self._rules: dict[str, Rule] = {}
        self._counter = 0
        self._lock = threading.Lock()
        # (api, method, path, scope) → whether some rule may fire; forgotten whenever the rules change.
        self._may_fire: dict[tuple[str, str, str, str], bool] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: Mapping[str, Any]) -> Rule:
        """A rule from a validated spec (see `RuleSchema`)."""
        rule_id = spec.get("id")
        while rule_id is None or (rule_id in self._rules and "id" not in spec):
            self._counter += 1  # a made-up id never takes one a user chose
            rule_id = f"rule-{self._counter}"
        rule = build_rule(rule_id, spec, self._seed)
        with self._lock:
            self._rules[rule_id] = rule
            self._may_fire = {}
        return rule

    def __iter__(self) -> Any:
        return iter(list(self._rules.values()))

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            self._may_fire = {}
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._may_fire = {}

    def may_fire(self, api: str, method: str, path: str, scope: str = "request") -> bool:
        """Whether any rule could fire for a request of this API, method and path (see `Rule.may_fire`):
        when none could, the request need not be described to them. Remembered until the rules change,
        so that a thousand rules for other paths cost a lookup, not a thousand checks."""
        key = (api, method, path, scope)
        memo = self._may_fire
        found = memo.get(key)
        if found is None:
            found = any(rule.may_fire(*key) for rule in list(self._rules.values()))
            if len(memo) < self.MEMO_SIZE:
                memo[key] = found
        return found

    def fire(self, call: Call, scope: str) -> tuple[Rule, str] | None:
        """The first rule of `scope` that fires for `call`, and why. One call at a time: a rule's
        `times`, `after` and hit count stay exact when threads serve requests at once."""
        with self._lock:
            for rule in self._rules.values():
                if rule.scope == scope:
                    reason = rule.consider(call)
                    if reason is not None:
                        return rule, reason
        return None


# --- validation of rule specs, from failures.yaml and the admin API ------------------------------------


class MatchSchema(Schema):
    method = fields.String(validate=Length(min=1))
    path = fields.String(validate=Length(min=1))
    query = fields.Dict(keys=fields.String(), values=fields.String())
    headers = fields.Dict(keys=fields.String(validate=Length(min=1)), values=fields.String())
    profile_id = fields.String()
    unit_id = fields.String()
    context_id = fields.String()
    grade_state_name = fields.String()
    index = WholeNumber(validate=Range(min=0))


class RespondSchema(Schema):
    status = WholeNumber(required=True, validate=Range(100, 599))
    json = fields.Raw(allow_none=True)
    headers = fields.Dict(keys=fields.String(validate=Length(min=1)), values=fields.String())


class RuleSchema(Schema):
    """A failure rule as users write it."""

    id = fields.String(
        validate=Regexp(
            r"[A-Za-z0-9][A-Za-z0-9._~-]{0,99}\Z", error="Letters, digits and . _ ~ - only (it goes in URLs)."
        )
    )
    name = fields.String(validate=Length(1, 200))
    api = fields.String(load_default="any", validate=OneOf(APIS))
    scope = fields.String(load_default="request", validate=OneOf(SCOPES))
    match = fields.Nested(MatchSchema, load_default=dict)
    respond = fields.Nested(RespondSchema, allow_none=True)
    latency_ms = WholeNumber(load_default=0, validate=Range(0, 600_000))
    fault = fields.String(allow_none=True, validate=OneOf(FAULTS))
    times = WholeNumber(allow_none=True, validate=Range(min=1))
    after = WholeNumber(load_default=0, validate=Range(min=0))
    probability = StrictNumber(allow_none=True, allow_nan=False, validate=Range(0, 1))

    @validates_schema
    def coherent(self, data: dict[str, Any], **kwargs: Any) -> None:
        item_fields = [name for name in (*ITEM_FIELDS, "index") if name in data.get("match", {})]
        if data.get("scope") == "item":
            if data.get("api") not in ("fullfabric", "any"):
                raise ValidationError("Item rules are for FullFabric's registration items.", "scope")
            if not data.get("respond") and not data.get("latency_ms"):
                raise ValidationError("An item rule needs respond (or latency_ms).", "respond")
            if data.get("fault"):
                raise ValidationError("Faults break a whole response: use a request rule.", "fault")
        elif item_fields:
            raise ValidationError(f"Only item rules match {', '.join(item_fields)}.", "match")
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
