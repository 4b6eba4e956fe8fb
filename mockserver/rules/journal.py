"""The request journal: a bounded ring buffer of what clients sent and got, secrets masked. No Flask."""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from sys import getsizeof
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


SECRET_FIELDS = frozenset({"password"})  # body fields shown as `****`, at any depth
HIDDEN = "****"
_SECRET_TEXT = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"')


def mask_fields(value: Any) -> Any:
    """A parsed JSON body with the value of every secret field, at any depth, as `****` (in place)."""
    pending = [value]
    while pending:  # not by recursion: a body may be nested as deep as its parser allowed
        item = pending.pop()
        if isinstance(item, dict):
            for name, inner in item.items():
                if name in SECRET_FIELDS:
                    item[name] = HIDDEN
                elif isinstance(inner, dict | list):
                    pending.append(inner)
        elif isinstance(item, list):
            pending.extend(inner for inner in item if isinstance(inner, dict | list))
    return value


def body_for_journal(data: bytes, parsed: Any = None, *, is_json: bool = False) -> Any:
    """A body as the journal keeps it: its JSON when it was JSON, else text, cut at BODY_LIMIT; the value
    of a secret field (`password`) shown as `****` either way."""
    if not data:
        return None
    if is_json and len(data) <= BODY_LIMIT:
        return mask_fields(parsed)
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    text = _SECRET_TEXT.sub(rf'\1"{HIDDEN}"', text)
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


def kept_body(data: bytes) -> bytes:
    """What of a body an entry keeps, cut when recorded (not when read): its first BODY_LIMIT bytes, and
    one more, so that `body_for_journal` still sees it was longer. A shorter body is the same object."""
    return data[: BODY_LIMIT + 1]


# Counted for each entry besides its values (its tuples, the deque's slot, numbers): with it the count is at
# or above what tracemalloc finds the entries of real requests hold, 1.0 to 2.5 times it (a list's answer is
# counted though its bytes are the kept answer's); tests/admin/test_journal_memory.py holds it there.
ENTRY_BYTES = 512
_DEFERRED_BYTES = 112


def _size(value: Any) -> int:
    """Roughly the bytes `value` holds: strings and bytes exactly, containers by their items."""
    kind = type(value)
    if kind is str or kind is bytes:
        return getsizeof(value)
    if value is None or kind is bool:
        return 0
    if kind is Deferred:
        return _DEFERRED_BYTES + sum(map(_size, value.args))
    if isinstance(value, dict):
        return getsizeof(value) + sum(map(_size, value)) + sum(map(_size, value.values()))
    if isinstance(value, list | tuple):
        return getsizeof(value) + sum(map(_size, value))
    return getsizeof(value)


def entry_size(values: Iterable[Any]) -> int:
    """The bytes a journal counts for an entry of these values. On every request, so the usual values
    (strings, bytes, numbers, a Deferred of those or of a flat dict of strings: the headers) are counted
    here without a call each; anything else through `_size`."""
    total = ENTRY_BYTES
    for value in values:
        kind = type(value)
        if kind is str or kind is bytes:
            total += getsizeof(value)
        elif kind is Deferred:
            total += _DEFERRED_BYTES
            for arg in value.args:
                kind = type(arg)
                if kind is str or kind is bytes:
                    total += getsizeof(arg)
                elif kind is dict:
                    total += _flat_size(arg)
                elif kind not in _NUMBERS:
                    total += _size(arg)
        elif value and kind not in _NUMBERS:  # empty containers and numbers: within ENTRY_BYTES
            total += _size(value)
    return total


_NUMBERS = frozenset({int, float, bool})
_STRING_BYTES = 80  # a string's bytes besides its characters, one byte each (WSGI's strings are latin-1)


def _flat_size(mapping: dict[Any, Any]) -> int:
    """A dict of strings (the request's headers, as WSGI gives them), counted by lengths, not a call each;
    any other dict through `_size`."""
    try:
        characters = sum(map(len, mapping)) + sum(map(len, mapping.values()))
        plain = all(map(str.isascii, mapping)) and all(map(str.isascii, mapping.values()))
    except TypeError:  # not strings
        plain = False
    if not plain:  # one byte a character is sure for ascii only
        return _size(mapping)
    return getsizeof(mapping) + characters + 2 * _STRING_BYTES * len(mapping)


class JournalBudget:
    """The bytes every journal of one process holds together, and their bound (None: none): beyond it,
    the oldest entries of all journals go first. Its lock is the journals' lock.

    A journal's bytes come back when it is emptied, and when it is dropped (its session ended)."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes or None
        self.bytes = 0
        # Reentrant: a journal dropped while the lock is held (its last reference gone in `evict`) gives
        # its bytes back through `_release`, which takes the lock again.
        self.lock = threading.RLock()
        self.order = itertools.count()  # entries' order across journals: the oldest goes first
        self._journals: weakref.WeakSet[Journal] = weakref.WeakSet()

    def add(self, journal: Journal) -> None:
        with self.lock:
            self._journals.add(journal)

    def _release(self, held: _Held) -> None:
        with self.lock:
            self.bytes -= held.bytes
            held.bytes = 0

    def evict(self) -> None:
        """Drop the oldest entries of all journals until they hold no more than the bound (lock held)."""
        while self.max_bytes is not None and self.bytes > self.max_bytes:
            oldest = min(
                (journal for journal in self._journals if journal._entries),
                key=lambda journal: journal._entries[0][4],
                default=None,
            )
            if oldest is None:
                return
            oldest._drop_oldest()


class _Held:
    """A journal's bytes, apart from the journal: what its finalizer gives back."""

    __slots__ = ("bytes",)

    def __init__(self) -> None:
        self.bytes = 0


class Journal:
    """The last `size` entries, oldest first, holding no more than `max_bytes` (None: no bound), and
    within `budget` with the other journals of the process.

    An entry is kept as its id, its names and its values in two tuples (the names shared by every entry
    that has the same): ten thousand dicts of sixteen fields would hold several times the memory. Its
    bytes are estimated when it is recorded (`entry_size`): bodies are cut by then (`kept_body`)."""

    def __init__(self, size: int, max_bytes: int | None = None, budget: JournalBudget | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes or None
        self.budget = budget if budget is not None else JournalBudget()
        # (id, names, values, bytes, order across journals)
        self._entries: deque[tuple[int, tuple[str, ...], tuple[Any, ...], int, int]] = deque()
        self._ids = itertools.count(1)
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._lock = self.budget.lock
        self._held = _Held()
        self.budget.add(self)
        weakref.finalize(self, self.budget._release, self._held)

    @property
    def bytes(self) -> int:
        """The bytes its entries hold, as estimated."""
        return self._held.bytes

    def record(self, entry: Mapping[str, Any]) -> None:
        names = tuple(entry)
        names = self._names.setdefault(names, names)
        values = tuple(entry.values())
        size = entry_size(values)
        budget = self.budget
        with self._lock:
            self._entries.append((next(self._ids), names, values, size, next(budget.order)))
            self._held.bytes += size
            budget.bytes += size
            while len(self._entries) > self.size or (
                self.max_bytes is not None and self._held.bytes > self.max_bytes
            ):
                self._drop_oldest()
            if budget.max_bytes is not None and budget.bytes > budget.max_bytes:
                budget.evict()

    def _drop_oldest(self) -> None:
        """Forget the oldest entry (lock held)."""
        size = self._entries.popleft()[3]
        self._held.bytes -= size
        self.budget.bytes -= size

    def clear(self) -> None:
        """Forget the entries; ids go on counting."""
        with self._lock:
            self._forget()

    def restart(self) -> None:
        """Forget the entries and count ids from 1 again (a reset)."""
        with self._lock:
            self._forget()
            self._ids = itertools.count(1)

    def _forget(self) -> None:
        self._entries.clear()
        self.budget.bytes -= self._held.bytes
        self._held.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries matching every filter given (see `select`), oldest first, as the admin API shows them."""
        with self._lock:
            kept = list(self._entries)
        entries = [
            {"id": number, **dict(zip(names, values, strict=True))} for number, names, values, *_ in kept
        ]
        return [_read(entry) for entry in select(entries, **filters)]
