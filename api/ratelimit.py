"""Rate limits per client address, signed-in user and API key, shared by every API process.

Token buckets in Redis, one small Lua script: every bucket a request draws from (its address, and
its user or key) is refilled by elapsed time and charged in one atomic round trip, and a refusal
charges none of them, so a throttled client does not also drain its other buckets. Why our own
script rather than the ``limits`` library: it is not a dependency today, its Redis strategies
charge one limit per call (we need two or three at once, all or none), and a token bucket gives an
exact ``Retry-After`` from the same arithmetic. Redis' own clock (``TIME``) is used so processes
with skewed clocks agree. If Redis is unreachable requests pass (logged): limits protect
availability and must not take it away.

Over HTTP a refusal is a 429 with ``Retry-After`` before the body is read; over a WebSocket each
operation is charged and a refusal is a GraphQL error for that operation. Subscriptions are capped
per connection (strawberry's own limit) and per API key across processes (``key_subscriptions``).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any, cast

import redis.asyncio as aioredis
from graphql import GraphQLFormattedError
from redis.exceptions import RedisError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage

from api.context import Caller, Context, credential, identify
from api.key_subscriptions import KeySubscriptions
from domain.identity.tokens import TokenCodec
from domain.settings import Settings

log = logging.getLogger(__name__)


def key_prefix(config: Settings) -> str:
    """Where this deployment's buckets live (``<redis prefix>:ratelimit:``)."""
    return f"{config.redis_prefix}:ratelimit:"


# KEYS: buckets; ARGV: their capacities (requests per minute). Returns {allowed, retry_ms}.
_TOKEN_BUCKETS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local retry = 0
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[i])
  local per_ms = capacity / 60000
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local level = tonumber(state[1]) or capacity
  local ts = tonumber(state[2]) or now
  level = math.min(capacity, level + math.max(0, now - ts) * per_ms)
  tokens[i] = level
  if level < 1 then
    retry = math.max(retry, math.ceil((1 - level) / per_ms))
  end
end
if retry > 0 then
  return {0, retry}
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', tostring(tokens[i] - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', key, 61000)
end
return {1, 0}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0

    @property
    def message(self) -> str:
        return f"too many requests: try again in {self.retry_after} s"


ALLOWED = Verdict(True)


class RateLimiter:
    def __init__(self, redis_url: str, config: Settings) -> None:
        self.redis = aioredis.from_url(redis_url)
        self.config = config
        self._script = self.redis.register_script(_TOKEN_BUCKETS)
        self.prefix = key_prefix(config)
        self.subscriptions = KeySubscriptions(self.redis, self.prefix)

    @property
    def enabled(self) -> bool:
        c = self.config
        return max(c.rate_limit_address, c.rate_limit_user, c.rate_limit_key) > 0

    def buckets(self, address: str, caller: Caller) -> dict[str, int]:
        """Every bucket a request of this caller draws from, with its per-minute capacity."""
        buckets: dict[str, int] = {}
        if self.config.rate_limit_address > 0 and address:
            buckets[f"{self.prefix}address:{address}"] = self.config.rate_limit_address
        if caller.api_key is not None:
            rate = caller.api_key.rate_limit_per_minute or self.config.rate_limit_key
            if rate > 0:
                buckets[f"{self.prefix}key:{caller.api_key.key_id}"] = rate
        elif caller.principal is not None and self.config.rate_limit_user > 0:
            buckets[f"{self.prefix}user:{caller.principal.user_id}"] = self.config.rate_limit_user
        return buckets

    async def check(self, address: str, caller: Caller) -> Verdict:
        buckets = self.buckets(address, caller)
        if not buckets:
            return ALLOWED
        try:
            allowed, retry_ms = await self._script(
                keys=list(buckets), args=[str(v) for v in buckets.values()]
            )
        except (RedisError, OSError) as exc:
            log.warning("rate limits not applied, Redis unavailable: %s", exc)
            return ALLOWED
        if allowed:
            return ALLOWED
        verdict = Verdict(False, max(1, math.ceil(int(retry_ms) / 1000)))
        who = (
            caller.api_key.prefix
            if caller.api_key
            else (f"user {caller.principal.user_id}" if caller.principal else "anonymous")
        )
        log.warning("rate limited: %s from %s (retry in %s s)", who, address, verdict.retry_after)
        return verdict

    async def aclose(self) -> None:
        await self.subscriptions.aclose()
        await self.redis.aclose()


def client_address(scope: dict[str, Any]) -> str:
    """The peer's address (behind a proxy, run uvicorn with ``--proxy-headers``)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def error_body(verdict: Verdict) -> dict[str, Any]:
    return {
        "message": verdict.message,
        "extensions": {"code": "RATE_LIMITED", "retryAfter": verdict.retry_after},
    }


async def admit_http(
    limiter: RateLimiter, codec: TokenCodec, scope: dict[str, Any], send: Any
) -> bool:
    """Charge an HTTP request; on refusal answer 429 and return False. The caller resolved here
    is kept in the scope so the request's context does not resolve it again."""
    if not limiter.enabled:
        return True
    address = client_address(scope)
    caller = await identify(codec, credential(_headers(scope)))
    scope.setdefault("state", {})["leafledger.caller"] = caller
    verdict = await limiter.check(address, caller)
    if verdict.allowed:
        return True
    body = json.dumps({"data": None, "errors": [error_body(verdict)]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(verdict.retry_after).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
    return False


class LimitedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with each operation charged, and a cap per API key."""

    async def handle_subscribe(self, message: Any) -> None:
        limiter: RateLimiter | None = getattr(self.view, "limiter", None)
        if limiter is None or not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)
            return
        # Each new operation re-reads the caller (through the auth cache), so a revoked key or
        # a signed-out user cannot start more on a socket opened before.
        self.context.caller = None
        caller = await self.context.identify()
        if caller.principal is None:
            await self._refuse(
                message["id"],
                {"message": "sign in first", "extensions": {"code": "UNAUTHENTICATED"}},
            )
            return
        verdict = await limiter.check(self.context.address, caller)
        if not verdict.allowed:
            await self._refuse(message["id"], error_body(verdict))
            return
        key = caller.api_key
        cap = limiter.config.max_subscriptions_per_key
        lease = ""
        if key is not None and cap > 0:
            claimed = await limiter.subscriptions.claim(key.key_id, cap)
            if claimed is None:
                log.warning("api key %s refused: %s operations open", key.prefix, cap)
                await self._refuse(
                    message["id"],
                    {
                        "message": f"this API key already has {cap} subscriptions open",
                        "extensions": {"code": "SUBSCRIPTION_LIMIT"},
                    },
                )
                return
            lease = claimed
        await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        if lease and operation is not None and operation.task is not None:
            operation.task.add_done_callback(lambda _: limiter.subscriptions.release(lease))
        elif lease:
            limiter.subscriptions.release(lease)

    async def _refuse(self, operation_id: str, error: dict[str, Any]) -> None:
        payload = [cast(GraphQLFormattedError, error)]  # a {"message", "extensions"} dict
        await self.send_message(ErrorMessage(id=operation_id, type="error", payload=payload))
