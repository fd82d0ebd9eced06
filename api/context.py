"""The typed request context: who is calling, and this request's loaders."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import GraphQLError
from strawberry.types import Info as _Info

from api.loaders import Loaders
from domain.changelog import record as changelog
from domain.counts import queries as counts
from domain.errors import PermissionDenied
from domain.identity import api_keys
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.roles import Capability
from domain.unit_of_work import PluginRegistry, UnitOfWork, UnitOfWorkFactory

# Grants are re-read at most this often per token or API key (a revoked grant, a bumped token
# version, a revoked or expired key take effect within this many seconds); saves a query on every
# request of a busy register. Documented in README ("API keys and limits").
AUTH_CACHE_SECONDS = 5.0
# Kept instead of cachetools.TTLCache: that would replace only these dicts (it has no async loader),
# and the 0-seconds bypass, the reconfiguring and the awaited load around them stay ours either way.
_AUTH_CACHE_MAX = 10_000
_auth_cache: dict[TokenClaims, tuple[float, Principal | None]] = {}
# Keyed by the key's digest, so no secret is kept as a dictionary key.
_key_cache: dict[str, tuple[float, api_keys.KeyPrincipal | None]] = {}


def configure(*, auth_cache_seconds: float) -> None:
    """Set the cache lifetime (api.bootstrap, from ``Settings.auth_cache_seconds``)."""
    global AUTH_CACHE_SECONDS
    AUTH_CACHE_SECONDS = auth_cache_seconds
    _auth_cache.clear()
    _key_cache.clear()


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


async def _key_for(key: str) -> api_keys.KeyPrincipal | None:
    if AUTH_CACHE_SECONDS <= 0:
        return await api_keys.authenticate(key)
    now = time.monotonic()
    digest = api_keys.digest(key)
    hit = _key_cache.get(digest)
    if hit is not None and hit[0] > now:
        return hit[1]
    found = await api_keys.authenticate(key)
    if len(_key_cache) >= _AUTH_CACHE_MAX:
        _key_cache.clear()
    _key_cache[digest] = (now + AUTH_CACHE_SECONDS, found)
    return found


@dataclass(frozen=True)
class Caller:
    """Who a credential names: a person, an API key, or nobody (anonymous or refused)."""

    principal: Principal | None
    api_key: api_keys.KeyPrincipal | None = None


async def identify(codec: TokenCodec, credential: str | None) -> Caller:
    """Resolve a bearer token or API key (through the auth cache)."""
    if not credential:
        return Caller(None)
    if api_keys.looks_like_key(credential):
        found = await _key_for(credential)
        return Caller(found.principal if found else None, found)
    claims = codec.read(credential)
    return Caller(await _principal_for(claims) if claims else None)


def credential(headers: Any) -> str | None:
    """``Authorization: Bearer <token or key>``, else ``X-Api-Key: <key>``."""
    value = bearer(headers.get("authorization"))
    if value:
        return value
    key = headers.get("x-api-key")
    return key.strip() if isinstance(key, str) and key.strip() else None


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
    # Who may introspect (settings.introspection): "public", "signed-in" or "off".
    introspection: str = "signed-in"
    # Set by strawberry from the graphql-transport-ws connection_init payload.
    connection_params: dict[str, Any] | None = None
    # The client's address (rate limits), and the caller if the limiter already resolved it.
    address: str = ""
    caller: Caller | None = None
    refresh_ttl: int = 30 * 24 * 3600
    # The process's units of work (``api.bootstrap``): one per mutation.
    units: UnitOfWorkFactory | None = None
    # What the caller may not see quantities of (a blind count they take part in): read once
    # per request, by the first field that needs it (sibling fields await the same read).
    blind: asyncio.Future[counts.BlindScope] | None = None
    # The client the request came from (its User-Agent): the change log's "from which client".
    client: str | None = None

    def uow(self) -> UnitOfWork:
        """A new unit of work for one service call."""
        return self._units()()

    @property
    def registry(self) -> PluginRegistry:
        """The process's plugins (queries that list or describe them)."""
        return self._units().registry

    def _units(self) -> UnitOfWorkFactory:
        if self.units is None:
            raise RuntimeError("this context was built without units of work")
        return self.units

    async def identify(self) -> Caller:
        """The caller (read once per request or socket)."""
        if self.caller is None:
            self.caller = await identify(self.codec, self.token)
        found = self.caller.principal
        if self.client and found is not None and found.client is None:
            # Per request, never in the auth cache: the same token may be used by two clients.
            self.caller = replace(self.caller, principal=replace(found, client=self.client))
        return self.caller

    async def principal(self) -> Principal | None:
        """The caller, or None when unauthenticated (read once per request)."""
        return (await self.identify()).principal

    async def blind_scope(self) -> counts.BlindScope:
        """Zones and packages under a blind count the caller counts or witnesses: the stock
        read models leave their quantities out for this caller (see ``domain.counts.queries``)."""
        if self.blind is None:
            self.blind = asyncio.ensure_future(self._read_blind_scope())
        return await asyncio.shield(self.blind)

    async def _read_blind_scope(self) -> counts.BlindScope:
        principal = await self.principal()
        if principal is None:
            return counts.NOBODY_BLIND
        return await counts.blind_scope(principal.user_id)

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
            await changelog.denied(
                principal, "read", str(Capability.READ), f"location {location_id}"
            )
            raise GraphQLError(
                "you have no grant at this location", extensions={"code": "FORBIDDEN"}
            )
        return principal

    def authenticate_socket(self) -> None:
        """Take the credential from connection params: ``{"authorization": "Bearer …"}``, or
        ``{"apiKey": "llk_…"}`` (floor displays)."""
        params = self.connection_params or {}
        value = params.get("authorization") or params.get("Authorization")
        key = params.get("apiKey") or params.get("x-api-key") or params.get("X-Api-Key")
        token = bearer(value) if isinstance(value, str) else None
        self.token = token or (key.strip() if isinstance(key, str) and key.strip() else None)
        self.caller = None

    def refresh(self) -> None:
        """New loaders: a subscription's context outlives many events."""
        self.loaders = Loaders()
        self.blind = None


Info = _Info[Context, None]
