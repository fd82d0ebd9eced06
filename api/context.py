"""The typed request context: who is calling, and this request's loaders."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.types import Info as _Info

from api.loaders import Loaders
from domain.errors import PermissionDenied
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.roles import Capability

_UNSET: Any = object()
# Grants are re-read at most this often per token (a revoked grant or bumped token version takes
# effect within this many seconds); saves a query on every request of a busy register.
AUTH_CACHE_SECONDS = float(os.environ.get("LEAFLEDGER_AUTH_CACHE_SECONDS", "5"))
_AUTH_CACHE_MAX = 10_000
_auth_cache: dict[TokenClaims, tuple[float, Principal | None]] = {}


async def _principal_for(claims: TokenClaims) -> Principal | None:
    if AUTH_CACHE_SECONDS <= 0:
        return await identity.load_principal(claims)
    now = time.monotonic()
    hit = _auth_cache.get(claims)
    if hit is not None and hit[0] > now:
        return hit[1]
    principal = await identity.load_principal(claims)
    if len(_auth_cache) >= _AUTH_CACHE_MAX:
        _auth_cache.clear()
    _auth_cache[claims] = (now + AUTH_CACHE_SECONDS, principal)
    return principal


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


@dataclass
class Context:
    codec: TokenCodec
    token: str | None
    loaders: Loaders = field(default_factory=Loaders)
    broadcaster: Any = None
    # Set by strawberry from the graphql-transport-ws connection_init payload.
    connection_params: dict[str, Any] | None = None
    _principal: Any = _UNSET

    async def principal(self) -> Principal | None:
        """The caller, or None when unauthenticated (read once per request)."""
        if self._principal is _UNSET:
            claims = self.codec.read(self.token) if self.token else None
            self._principal = await _principal_for(claims) if claims else None
        return self._principal

    async def require_principal(self) -> Principal:
        """For mutations: an anonymous caller gets PermissionDenied (a union member)."""
        principal = await self.principal()
        if principal is None:
            raise PermissionDenied("do this", "sign in first")
        return principal

    async def reader(self, location_id: int) -> Principal:
        """For queries: a GraphQL error unless the caller may read ``location_id``."""
        principal = await self.principal()
        if principal is None:
            raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
        if not principal.can(Capability.READ, location_id):
            raise GraphQLError(
                "you have no grant at this location", extensions={"code": "FORBIDDEN"}
            )
        return principal

    def authenticate_socket(self) -> None:
        """Take the token from connection params: ``{"authorization": "Bearer …"}``."""
        params = self.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        self.token = bearer(value) if isinstance(value, str) else None
        self._principal = _UNSET

    def refresh(self) -> None:
        """New loaders: a subscription's context outlives many events."""
        self.loaders = Loaders()


Info = _Info[Context, None]
