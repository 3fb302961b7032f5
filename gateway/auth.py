"""Who may read a design's events (verb ``get``) or send it messages (verb ``patch``).

An ``Authorizer`` takes the bearer token and the design and returns the caller's identity, or
raises: :class:`UnauthenticatedError` (→ 401), :class:`ForbiddenError` (→ 403),
:class:`AuthUnavailableError` (→ 503, the authority could not be asked; never "allowed").
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Identity:
    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()


class UnauthenticatedError(Exception):
    """No token, or one that is not valid."""


class ForbiddenError(Exception):
    """A valid token whose owner may not do this to this design."""


class AuthUnavailableError(Exception):
    """The authority (the Kubernetes API) did not answer."""


class Authorizer(Protocol):
    async def authorize(self, token: str | None, namespace: str, name: str, verb: str) -> Identity:
        """The caller's identity if allowed; raises one of the three errors otherwise."""
        ...

    async def authorize_metrics(self, token: str | None) -> Identity:
        """The caller's identity if it may read ``/metrics``; raises like ``authorize``."""
        ...

    async def aclose(self) -> None: ...


class StaticTokenAuthorizer:
    """One shared bearer token, for local runs: whoever has it may do everything."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the static token is empty: pass --token with a value")
        self._token = token.encode()

    async def authorize(self, token: str | None, namespace: str, name: str, verb: str) -> Identity:
        if token is None:
            raise UnauthenticatedError("missing bearer token: send 'Authorization: Bearer <token>'")
        # surrogateescape: a header with bytes that are not UTF-8 is a wrong token, not a 500
        if not hmac.compare_digest(token.encode(errors="surrogateescape"), self._token):
            raise UnauthenticatedError("the bearer token is not valid")
        return Identity(username="token-holder")

    async def authorize_metrics(self, token: str | None) -> Identity:
        return await self.authorize(token, "", "", "get")

    async def aclose(self) -> None:
        return None


class AllowAllAuthorizer:
    """No authentication (only offered when the gateway listens on loopback)."""

    async def authorize(self, token: str | None, namespace: str, name: str, verb: str) -> Identity:
        return Identity(username="anonymous")

    async def authorize_metrics(self, token: str | None) -> Identity:
        return Identity(username="anonymous")

    async def aclose(self) -> None:
        return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
