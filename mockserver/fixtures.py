"""Load and validate fixture files: one per vendor, YAML or JSON, checked with marshmallow."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from mockserver.digitalchalk.schemas import DigitalChalkFixtureSchema
from mockserver.failures import FailuresFileSchema
from mockserver.fullfabric.schemas import FullFabricFixtureSchema
from mockserver.schemas import FixtureSchema, flatten_errors

VENDOR_SCHEMAS: dict[str, type[FixtureSchema]] = {
    "fullfabric": FullFabricFixtureSchema,
    "digitalchalk": DigitalChalkFixtureSchema,
}
EXTENSIONS = (".yaml", ".yml", ".json")


class FixtureError(Exception):
    """One or more fixture files are invalid; each problem reads `<file>: <path>: <message>`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.first_added = 0  # for records added to a state: where they start in their collection


class FixtureConflict(FixtureError):
    """Every record is valid on its own, but ids repeat or references lead nowhere."""


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: `2012-03-01T06:03:10Z` stays the string the vendor sends."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_failures(path: Path) -> list[dict[str, Any]]:
    """The rules of a failures file (`fixtures/failures.yaml`); `FixtureError` if it is invalid."""
    try:
        return FailuresFileSchema().load(_read(path) or {})["rules"]
    except _Unreadable as error:
        raise FixtureError([f"{path}: {error}"]) from None
    except ValidationError as error:
        raise FixtureError(
            [f"{path}: {where}: {message}" for where, message in flatten_errors(error.messages)]
        ) from None


def validate_state(data: Any, source: str = "state") -> dict[str, dict[str, Any]]:
    """Whole state (`{"fullfabric": …, "digitalchalk": …}`) validated like fixture files: first each record
    on its own (`FixtureError`), then how records refer to each other (`FixtureConflict`)."""
    if not isinstance(data, dict):
        raise FixtureError([f"{source}: (top level): must be an object with fullfabric and digitalchalk"])
    unknown = [f"{source}: {name}: Unknown vendor." for name in data if name not in VENDOR_SCHEMAS]
    if unknown:
        raise FixtureError(unknown)
    loaded: dict[str, dict[str, Any]] = {}
    for check_references, error_class in ((False, FixtureError), (True, FixtureConflict)):
        problems: list[str] = []
        for vendor, schema_class in VENDOR_SCHEMAS.items():
            schema = schema_class()
            schema.check_references = check_references
            try:
                loaded[vendor] = schema.load(data.get(vendor, {}))
            except ValidationError as error:
                flat = flatten_errors(error.messages)
                problems.extend(f"{source}: {vendor}.{where}: {message}" for where, message in flat)
        if problems:
            raise error_class(problems)
    return loaded


def load_yaml(text: str) -> Any:
    """A YAML document read as fixtures are: safely, with timestamps left as strings."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects


@dataclass(frozen=True, slots=True)
class Fixtures:
    """Validated fixture data per vendor, and the file each came from (None: no file, empty state)."""

    data: dict[str, dict[str, Any]]
    sources: dict[str, Path | None]


def load_fixtures(directory: Path) -> Fixtures:
    """Read every vendor's fixture file in `directory`; raise `FixtureError` listing all problems."""
    problems: list[str] = []
    data: dict[str, dict[str, Any]] = {}
    sources: dict[str, Path | None] = {}
    # DigitalChalk first: its file may hold a million registrations, and parsing it holds the text and
    # every record at once; that peak is lower with nothing else loaded yet.
    for vendor, schema in reversed(VENDOR_SCHEMAS.items()):
        candidates = [
            directory / f"{vendor}{ext}" for ext in EXTENSIONS if (directory / f"{vendor}{ext}").is_file()
        ]
        if len(candidates) > 1:
            problems.append(
                f"{directory}: more than one {vendor} fixture file: {', '.join(map(str, candidates))}"
            )
            continue
        source = candidates[0] if candidates else None
        sources[vendor] = source
        try:
            raw = _read(source) if source else {}
            data[vendor] = schema().load(raw)
        except _Unreadable as error:
            problems.append(f"{source}: {error}")
        except ValidationError as error:
            problems.extend(
                f"{source}: {path}: {message}" for path, message in flatten_errors(error.messages)
            )
    if problems:
        raise FixtureError(problems)
    return Fixtures(
        data={vendor: data[vendor] for vendor in VENDOR_SCHEMAS},
        sources={vendor: sources[vendor] for vendor in VENDOR_SCHEMAS},
    )


class _Unreadable(Exception):
    """The file is not valid YAML or JSON."""


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _Unreadable(f"cannot read: {error}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise _Unreadable(f"line {error.lineno}, column {error.colno}: {error.msg}") from None
    try:
        document = load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Unreadable(f"{where}{getattr(error, 'problem', None) or error}") from None
    return {} if document is None else document


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cycle collection while a million records are made: each new batch of objects would make it
    rescan the whole heap again (a third of the time), and fixtures make no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
