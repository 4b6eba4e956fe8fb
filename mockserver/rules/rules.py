"""Failure rules: data plus small matcher functions that return `(matched, reason)`. No Flask here."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCOPES = ("request", "item")
FAULTS = ("connection_reset", "malformed_json", "empty_body")


@dataclass(frozen=True, slots=True)
class Call:
    """What a rule is matched against: one request, and for item rules one item of it."""

    api: str
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased
    params: Mapping[str, str] = field(default_factory=dict)  # the path's parameters (`profile_id`)
    item: Any = None
    index: int | None = None


Matcher = Callable[[Call], tuple[bool, str]]


def _same(name: str, expected: Any, actual: Any) -> tuple[bool, str]:
    if actual == expected:
        return True, f"{name} is {actual!r}"
    return False, f"{name} {actual!r} is not {expected!r}"


def match_method(expected: str) -> Matcher:
    return lambda call: _same("method", expected.upper(), call.method.upper())


def glob_matches(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern`, where `*` stands for any characters (`/` included), in time
    linear in their lengths: no backtracking, whatever the pattern (a regex of `*a*a*…*b` is exponential).

    The first piece between `*`s must start the text and the last end it; each piece between them is
    taken where it is first found after the one before. Taking the first place is never wrong: any later
    place leaves less text for the pieces after it."""
    first, *middle, last = pattern.split("*")
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    position = len(first)
    for piece in middle:
        found = text.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def match_path(pattern: str) -> Matcher:
    """Exactly, or as a glob when the pattern has `*` (which also crosses `/`); see `glob_matches`."""
    if "*" not in pattern:
        return lambda call: _same("path", pattern, call.path)

    def matcher(call: Call) -> tuple[bool, str]:
        if glob_matches(pattern, call.path):
            return True, f"path {call.path!r} matches {pattern!r}"
        return False, f"path {call.path!r} does not match {pattern!r}"

    return matcher


def match_query(name: str, expected: str) -> Matcher:
    return lambda call: _same(f"query {name}", expected, call.query.get(name))


def match_header(name: str, expected: str) -> Matcher:
    return lambda call: _same(f"header {name}", expected, call.headers.get(name.lower()))


def match_field(name: str, expected: Any) -> Matcher:
    """A path parameter (`profile_id`) or, failing that, a field of the item (`unit_id`)."""

    def matcher(call: Call) -> tuple[bool, str]:
        actual: object
        if name in call.params:
            actual = call.params[name]
        else:
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
        elif name == "index":
            matchers.append(match_index(expected))
        else:
            matchers.append(match_field(name, expected))
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
    """The rule of a validated spec (see `rules.schema`), with no hits yet."""
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


class MayFire:
    """Whether any of `rules` could fire for a request of an API, method and path (see `Rule.may_fire`):
    when none could, the request need not be described to them. Remembered (for the first `SIZE` such
    requests), so that a thousand rules for other paths cost a lookup, not a thousand checks; a rule set
    makes a new one whenever its rules change."""

    SIZE = 1024

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules = list(rules)
        self._memo: dict[tuple[str, str, str, str], bool] = {}

    def __call__(self, api: str, method: str, path: str, scope: str = "request") -> bool:
        key = (api, method, path, scope)
        found = self._memo.get(key)
        if found is None:
            found = any(rule.may_fire(*key) for rule in self._rules)
            if len(self._memo) < self.SIZE:
                self._memo[key] = found
        return found


class RuleSet:
    """The rules of one world, in the order they were added: the first that fires wins."""

    def __init__(self, seed: int | None, specs: Iterable[Mapping[str, Any]] = ()) -> None:
        self._seed = seed
        self._rules: dict[str, Rule] = {}
        self._counter = 0
        self._lock = threading.Lock()
        self.may_fire = MayFire()
        for spec in specs:
            self.add(spec)

    def reset(self, specs: Iterable[Mapping[str, Any]] = ()) -> None:
        """Only `specs`, with no hits, and made-up ids counted from 1 again."""
        with self._lock:
            self._rules = {}
            self._counter = 0
            self.may_fire = MayFire()
        for spec in specs:
            self.add(spec)

    def add(self, spec: Mapping[str, Any]) -> Rule:
        """A rule from a validated spec (see `rules.schema`)."""
        rule_id = spec.get("id")
        while rule_id is None or (rule_id in self._rules and "id" not in spec):
            self._counter += 1  # a made-up id never takes one a user chose
            rule_id = f"rule-{self._counter}"
        rule = build_rule(rule_id, spec, self._seed)
        with self._lock:
            self._rules[rule_id] = rule
            self.may_fire = MayFire(self._rules.values())
        return rule

    def __iter__(self) -> Any:
        return iter(list(self._rules.values()))

    def __len__(self) -> int:
        return len(self._rules)

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            removed = self._rules.pop(rule_id, None) is not None
            self.may_fire = MayFire(self._rules.values())
            return removed

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.may_fire = MayFire()

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
