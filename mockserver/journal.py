"""The request journal: a bounded ring buffer of what clients sent and got, secrets masked. No Flask."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

SECRET_HEADERS = frozenset({"ff-auth", "authorization", "proxy-authorization", "cookie", "x-api-key"})
BODY_LIMIT = 64 * 1024  # bodies kept in an entry, per body


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with secrets hidden; an Authorization scheme stays visible (`Bearer ****`)."""
    masked = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} ****" if rest and name.lower().endswith("authorization") else "****"
        masked[name] = value
    return masked


def body_for_journal(data: bytes, parsed: Any = None, *, is_json: bool = False) -> Any:
    """A body as the journal keeps it: its JSON when it was JSON, else text, cut at BODY_LIMIT."""
    if not data:
        return None
    if is_json and len(data) <= BODY_LIMIT:
        return parsed
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text + ("… (truncated)" if len(data) > BODY_LIMIT else "")


class Deferred:
    """A value of an entry made when the journal is read, not on every request: parsing bodies and
    masking headers is work most entries never need."""

    __slots__ = ("function", "args")

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self.function = function
        self.args = args

    def value(self) -> Any:
        return self.function(*self.args)


def _read(entry: dict[str, Any]) -> dict[str, Any]:
    return {name: value.value() if isinstance(value, Deferred) else value for name, value in entry.items()}


class Journal:
    """The last `size` entries, oldest first.

    An entry is kept as its id, its names and its values in two tuples (the names shared by every entry
    that has the same): ten thousand dicts of sixteen fields would hold several times the memory."""

    def __init__(self, size: int) -> None:
        self._entries: deque[tuple[int, tuple[str, ...], tuple[Any, ...]]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def record(self, entry: Mapping[str, Any]) -> None:
        names = tuple(entry)
        names = self._names.setdefault(names, names)
        values = tuple(entry.values())
        with self._lock:
            self._entries.append((next(self._ids), names, values))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(
        self,
        *,
        api: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        warnings: bool | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries matching every filter given, oldest first; `limit` keeps the newest that many."""
        with self._lock:
            kept = list(self._entries)
        entries = [{"id": number, **dict(zip(names, values, strict=True))} for number, names, values in kept]
        selected = [
            entry
            for entry in entries
            if (api is None or entry["api"] == api)
            and (method is None or entry["method"] == method.upper())
            and (path is None or entry["path"] == path)
            and (status is None or entry["status"] == status)
            and (warnings is None or bool(entry["warnings"]) == warnings)
        ]
        return [_read(entry) for entry in (selected[-limit:] if limit else selected)]
