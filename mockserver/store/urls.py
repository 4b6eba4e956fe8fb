"""A store's URL as the mock shows it (banner, start-up errors): without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

HIDDEN = "****"


def without_password(url: str) -> str:
    """`url` with its password, in the user part or the `password` query parameter, as `****`."""
    try:
        parts = urlsplit(url)
        user, at, host = parts.netloc.rpartition("@")
        if at and ":" in user:
            parts = parts._replace(netloc=f"{user.partition(':')[0]}:{HIDDEN}@{host}")
        if parts.query:
            query = "&".join(
                f"{name}={HIDDEN}" if name.lower() == "password" else f"{name}{sign}{value}"
                for name, sign, value in (pair.partition("=") for pair in parts.query.split("&"))
            )
            parts = parts._replace(query=query)
        return urlunsplit(parts)
    except ValueError:  # not a URL urllib can read: nothing of it shown
        return "(the store's URL)"
