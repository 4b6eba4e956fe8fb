"""Token checks shared by both vendors: fixtures may list tokens, each with a state."""

from __future__ import annotations

from collections.abc import Mapping

from mockserver.errors import Unauthorized

TOKEN_STATES = ("active", "suspended", "revoked", "expired")


def check_token(token: str | None, tokens: Mapping[str, str]) -> None:
    """Raise `Unauthorized` unless `token` may call the API.

    With no tokens listed in the fixtures any non-empty token is accepted, so the vendors' own
    examples work verbatim; once tokens are listed only an `active` one is.
    """
    if not token:
        raise Unauthorized("missing credentials")
    if not tokens:
        return
    state = tokens.get(token)
    if state is None:
        raise Unauthorized("unknown token")
    if state != "active":
        raise Unauthorized(f"token is {state}")


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header's value, or "" when it is not one."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
