"""Sending recorded webhook events: claim, sign, POST, record the outcome, back off.

Why it is shaped like this:
- A claim is one short statement: due rows are locked ``FOR UPDATE SKIP LOCKED`` and leased by
  moving ``next_attempt_at`` past the request's deadline, committed before anything is sent. Two
  workers never send the same delivery, and no connection is held during HTTP. If a worker dies
  mid-request the lease lapses and the delivery is sent again: at least once, so receivers dedupe
  by the event id (``X-LeafLedger-Delivery`` changes nothing about that).
- In order per endpoint: only an endpoint's oldest pending delivery is ever claimed, so event N+1
  waits while N is in flight or backing off (a reservation's "cancelled" must not overtake its
  "created"). The cost is head-of-line blocking for that one endpoint, bounded by the retry
  window; a delivery that is refused (4xx) or given up on stops blocking. Different endpoints go
  in parallel.
- 2xx delivered; 4xx other than 408/429 (and redirects, which are not followed) fail at once, with
  the code and the start of the body for a person to read; 5xx, 408, 429, timeouts and connection
  errors are retried with exponential backoff and jitter, never sooner than Retry-After, until
  ``MAX_ATTEMPTS`` or the delivery's ``retry_until`` (24 h after the event).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import httpx

from domain import db
from domain.compliance import credentials
from domain.integrations import outbound
from domain.unit_of_work import PluginRegistry
from domain.webhooks import signing

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
# A claim outlives any request (so a slow receiver is not sent the same event twice at once).
LEASE = timedelta(seconds=max(60.0, 3 * TIMEOUT_SECONDS))


def configure(*, timeout_seconds: float) -> None:
    """Set the per-delivery timeout (api.bootstrap, from ``Settings.webhook_timeout_seconds``)."""
    global TIMEOUT_SECONDS, LEASE
    TIMEOUT_SECONDS = timeout_seconds
    LEASE = timedelta(seconds=max(60.0, 3 * timeout_seconds))


MAX_ATTEMPTS = 25
FIRST_BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 3600
CONCURRENCY = 10  # requests in flight per deliver_due call (one per endpoint at most)
BODY_EXCERPT = 500  # characters of a refusal's body kept in last_error
USER_AGENT = "LeafLedger-Webhooks/1"
RETRYABLE_4XX = frozenset({408, 429})

# The oldest pending delivery of each active endpoint, if it is due. The outer conditions on ``d``
# are re-checked on the row's newest version after the lock, so a delivery another worker claimed
# (and leased) since this statement's snapshot is skipped rather than sent twice.
_CLAIM = """
WITH heads AS (
    SELECT DISTINCT ON (endpoint) id
    FROM webhook_delivery
    WHERE status = 'pending'
    ORDER BY endpoint, id
), due AS (
    SELECT d.id
    FROM webhook_delivery d
    JOIN heads h ON h.id = d.id
    JOIN webhook_endpoint e ON e.id = d.endpoint AND e.active
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_delivery d
SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + $2::interval
FROM due, webhook_endpoint e
WHERE d.id = due.id AND e.id = d.endpoint
RETURNING d.id, d.event, d.event_id, d.payload, d.attempts, d.created_at, d.retry_until,
          e.url, e.secret
"""


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Attempt:
    """How one request went."""

    verdict: Verdict
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None


@dataclass
class DeliveryResult:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.delivered + self.retrying + self.failed


async def deliver_due(plugins: PluginRegistry, limit: int = 100) -> DeliveryResult:
    """Send up to ``limit`` due deliveries and record each outcome.

    Claims go in waves of ``CONCURRENCY``, each sent at once, so every claimed request starts
    right away and finishes well inside its lease. Safe to run twice, in any number of workers at
    once. Call it until nothing is claimed to drain a backlog.
    """
    if db.current_connection() is not None:
        raise RuntimeError("deliver_due sends over the network: call it outside a transaction")
    result = DeliveryResult()
    taken = 0
    client: httpx.AsyncClient | None = None
    try:
        while taken < limit:
            wave = min(CONCURRENCY, limit - taken)
            async with db.connection() as conn:
                rows = await conn.fetch(_CLAIM, wave, LEASE)
            if not rows:
                break
            taken += len(rows)
            client = client or httpx.AsyncClient(
                timeout=TIMEOUT_SECONDS, follow_redirects=False, headers={"User-Agent": USER_AGENT}
            )
            outcomes = await asyncio.gather(
                *(_attempt(plugins, client, row, result) for row in rows), return_exceptions=True
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):  # its lease lapses; it is tried again
                    log.error("recording a webhook attempt failed", exc_info=outcome)
            if len(rows) < wave:
                break
    finally:
        if client is not None:
            await client.aclose()
    return result


async def _attempt(
    plugins: PluginRegistry, client: httpx.AsyncClient, row: Any, result: DeliveryResult
) -> None:
    await _record(row, await _send(plugins, client, row), result)


def body_of(row: Any) -> bytes:
    """What receivers get: the event id to dedupe by, its name, when it happened, its data."""
    document = {
        "id": row["event_id"],
        "event": row["event"],
        "created_at": row["created_at"].isoformat(),
        "data": row["payload"],
    }
    return json.dumps(document, separators=(",", ":"), default=str).encode()


async def _send(plugins: PluginRegistry, client: httpx.AsyncClient, row: Any) -> Attempt:
    secret = credentials.decrypt(row["secret"] or "").get("secret")
    if not secret:
        return Attempt(Verdict.RETRY, error="the endpoint's secret cannot be decrypted")
    try:
        # A delivery platform's linked endpoint gets its own format (domain.integrations).
        body = await outbound.shaped_body(plugins, row) or body_of(row)
    except Exception as exc:  # retried, then given up on, like any failed send
        log.exception("shaping webhook delivery %s failed", row["id"])
        return Attempt(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:BODY_EXCERPT])
    headers = {
        "Content-Type": "application/json",
        signing.HEADER: signing.sign(secret, int(time.time()), body),
        "X-LeafLedger-Event": row["event"],
        "X-LeafLedger-Delivery": str(row["id"]),
    }
    try:
        # httpx's timeout is per read; this bounds the whole exchange (a slow drip included).
        async with (
            asyncio.timeout(TIMEOUT_SECONDS),
            client.stream("POST", row["url"], content=body, headers=headers) as response,
        ):
            return _judge(response, await _excerpt(response))
    except (TimeoutError, httpx.TimeoutException):
        return Attempt(Verdict.RETRY, error=f"no answer within {TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        return Attempt(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:BODY_EXCERPT])
    except Exception as exc:  # a bug or a bad URL must not lose the delivery: retry, then give up
        log.exception("webhook delivery %s crashed", row["id"])
        return Attempt(Verdict.RETRY, error=f"{type(exc).__name__}: {exc}"[:BODY_EXCERPT])


async def _excerpt(response: httpx.Response) -> str:
    """The start of the body; a receiver's huge (or endless) answer is not read to the end."""
    if response.is_success:
        return ""
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= BODY_EXCERPT * 4:
            break
    return data.decode("utf-8", "replace")[:BODY_EXCERPT]


def _judge(response: httpx.Response, excerpt: str) -> Attempt:
    code = response.status_code
    if 200 <= code < 300:
        return Attempt(Verdict.DELIVERED, code)
    error = f"HTTP {code}: {excerpt}".strip() if excerpt else f"HTTP {code}"
    if 300 <= code < 400:
        where = response.headers.get("location", "elsewhere")
        return Attempt(Verdict.FAILED, code, f"redirected to {where}; redirects are not followed")
    if 400 <= code < 500 and code not in RETRYABLE_4XX:
        return Attempt(Verdict.FAILED, code, error)
    return Attempt(Verdict.RETRY, code, error, retry_after(response.headers.get("retry-after")))


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds the receiver asked us to wait (delta-seconds or an HTTP date), if it asked."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before attempt ``attempt + 1``: exponential (10 s, 20 s, ... capped at an hour)
    with jitter, so a recovering receiver is not hit by every delivery at once, and never
    sooner than Retry-After (itself capped at an hour)."""
    ceiling = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** min(max(attempt - 1, 0), 20))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, min(retry_after or 0.0, MAX_BACKOFF_SECONDS))


async def _record(row: Any, attempt: Attempt, result: DeliveryResult) -> None:
    """Store the attempt's outcome on the delivery (the log keeps the latest code and error)."""
    if attempt.verdict == Verdict.DELIVERED:
        async with db.connection() as conn:
            # Whoever else holds the lease by now, the receiver has it: delivered wins.
            await conn.execute(
                "UPDATE webhook_delivery SET status = 'delivered', delivered_at = now(),"
                " last_status_code = $2, last_error = NULL WHERE id = $1 AND status = 'pending'",
                row["id"],
                attempt.status_code,
            )
        result.delivered += 1
        return
    delay = backoff(row["attempts"], attempt.retry_after)
    retry, error = attempt.verdict == Verdict.RETRY, attempt.error
    if retry and (
        row["attempts"] >= MAX_ATTEMPTS
        or datetime.now(UTC) + timedelta(seconds=delay) > row["retry_until"]
    ):
        retry, error = False, f"gave up after {row['attempts']} attempts: {error}"
    async with db.connection() as conn:
        # ``attempts = $5``: a stale outcome (our lease lapsed and another worker took over)
        # must not overwrite the newer attempt's.
        await conn.execute(
            "UPDATE webhook_delivery SET last_status_code = $2, last_error = $3,"
            " status = CASE WHEN $4 THEN 'pending' ELSE 'failed' END,"
            " next_attempt_at = CASE WHEN $4 THEN now() + $6::interval ELSE next_attempt_at END"
            " WHERE id = $1 AND status = 'pending' AND attempts = $5",
            row["id"],
            attempt.status_code,
            error,
            retry,
            row["attempts"],
            timedelta(seconds=delay),
        )
    if retry:
        result.retrying += 1
    else:
        result.failed += 1
        log.warning("webhook delivery %s failed: %s", row["id"], error)
