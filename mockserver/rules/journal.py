"""The request journal: a bounded ring buffer of what clients sent and got, secrets masked. No Flask."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
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


def select(
    entries: Iterable[dict[str, Any]],
    *,
    api: str | None = None,
    method: str | None = None,
    path: str | None = None,
    status: int | None = None,
    warnings: bool | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The entries (oldest first) matching every filter given; `limit` keeps the newest that many."""
    selected = [
        entry
        for entry in entries
        if (api is None or entry["api"] == api)
        and (method is None or entry["method"] == method.upper())
        and (path is None or entry["path"] == path)
        and (status is None or entry["status"] == status)
        and (warnings is None or bool(entry["warnings"]) == warnings)
    ]
    return selected[-limit:] if limit else selected


class Journal:
    """The last `size` entries, oldest first.

    An entry is kept as its id, its names and its values in two tuples (the names shared by every entry
    that has the same): ten thousand dicts of sixteen fields would hold several times the memory."""

    def __init__(self, size: int) -> None:
        self.size = size
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
        """Forget the entries; ids go on counting."""
        with self._lock:
            self._entries.clear()

    def restart(self) -> None:
        """Forget the entries and count ids from 1 again (a reset)."""
        with self._lock:
            self._entries.clear()
            self._ids = itertools.count(1)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `select`), oldest first, as the admin API shows them."""
        with self._lock:
            kept = list(self._entries)
        entries = [{"id": number, **dict(zip(names, values, strict=True))} for number, names, values in kept]
        return [_read(entry) for entry in select(entries, **filters)]
