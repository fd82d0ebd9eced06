"""Login throttling: password guesses are counted per e-mail and per client address in Redis,
and either is locked out for a while once it reaches its limit.

Why Redis: every API process must see the same counts, and the counters expire by themselves.

- An attempt is counted *before* the password is checked (a correct password takes it back for
  the account), so a burst of concurrent guesses cannot slip past the limit.
- A lockout refuses every attempt, correct password or not, until it expires; attempts refused
  during a lockout are not counted, so knocking does not extend it.
- Counts are kept for any e-mail typed, registered or not, and a locked-out e-mail answers the
  same way whether or not it exists: the lockout reveals nothing about which accounts exist.
- A successful login does not reset the address's count (a guesser with one valid account must
  not be able to clear it); it only stops counting that attempt.
- If Redis cannot be reached, logins are not throttled (staff must be able to sign in) and the
  failure is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import NoReturn

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.errors import TooManyLoginAttempts

log = logging.getLogger(__name__)

_PREFIX = "leafledger:login"
_redis_url = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Limits:
    per_account: int = 5
    per_address: int = 50
    # Failures are counted over this window; reaching a limit locks for ``lockout_seconds``.
    window_seconds: float = 900
    lockout_seconds: float = 900


_limits = Limits()


def configure(*, redis_url: str, prefix: str, limits: Limits) -> None:
    """Where the counts live and the limits (api.bootstrap, from ``Settings``); a test may
    call it again to change the limits without a restart."""
    global _redis_url, _PREFIX, _limits
    _redis_url, _PREFIX, _limits = redis_url, f"{prefix}:login", limits


def configured_limits() -> Limits:
    return _limits


_clients: dict[tuple[str, int], aioredis.Redis] = {}


def _redis() -> aioredis.Redis:
    """One client per Redis URL and event loop (a client's connections belong to one loop)."""
    url = _redis_url
    key = (url, id(asyncio.get_running_loop()))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = aioredis.from_url(url)
    return client


def _digest(value: str) -> str:
    # E-mails and addresses are personal data: keep only a digest in Redis.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """An attempt that got past the lockout check; report how it ended with ``succeeded``
    or ``failed``."""

    email: str
    address: str | None
    limits: Limits

    def _keys(self) -> list[tuple[str, str, int]]:
        """(count key, lock key, limit) for the account and, when known, the address."""
        keys = [
            (
                f"{_PREFIX}:count:account:{_digest(self.email)}",
                f"{_PREFIX}:lock:account:{_digest(self.email)}",
                self.limits.per_account,
            )
        ]
        if self.address:
            keys.append(
                (
                    f"{_PREFIX}:count:address:{_digest(self.address)}",
                    f"{_PREFIX}:lock:address:{_digest(self.address)}",
                    self.limits.per_address,
                )
            )
        return keys

    async def succeeded(self) -> None:
        """The password was right: the attempt does not count against either limit, and the
        account's earlier failures are forgiven."""
        keys = self._keys()
        try:
            async with _redis().pipeline(transaction=True) as pipe:
                pipe.delete(keys[0][0])
                for count_key, _, _ in keys[1:]:
                    pipe.decr(count_key)
                    # If the count expired meanwhile, the -1 left behind must expire too.
                    pipe.pexpire(count_key, _ms(self.limits.window_seconds), nx=True)
                await pipe.execute()
        except RedisError as exc:
            log.error("login throttle: Redis unavailable (%s)", exc)

    async def failed(self) -> None:
        """A wrong password (or unknown e-mail): lock whichever limit this attempt reached."""
        keys = self._keys()
        try:
            redis = _redis()
            counts = [int(await redis.get(count_key) or 0) for count_key, _, _ in keys]
            for (count_key, lock_key, limit), count in zip(keys, counts, strict=True):
                if count >= limit:
                    locked = await redis.set(
                        lock_key, "1", px=_ms(self.limits.lockout_seconds), nx=True
                    )
                    await redis.delete(count_key)
                    if locked:
                        who = "account" if ":account:" in lock_key else "address"
                        log.warning(
                            "login locked out: %s %s after %d failed attempts, for %ss",
                            who,
                            _shown(self.email if who == "account" else self.address),
                            count,
                            self.limits.lockout_seconds,
                        )
        except RedisError as exc:
            log.error("login throttle: Redis unavailable (%s)", exc)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _shown(value: str | None) -> str:
    return repr((value or "")[:100])


async def begin(email: str, address: str | None, limits: Limits | None = None) -> Attempt:
    """Count an attempt, or raise TooManyLoginAttempts if the e-mail or address is locked out
    (or this attempt is one over a limit that concurrent attempts are about to reach).

    A refused attempt is not counted: knocking during a lockout does not extend it.
    """
    attempt = Attempt(email, address, limits or _limits)
    keys = attempt._keys()
    try:
        redis = _redis()
        async with redis.pipeline(transaction=False) as pipe:
            for _, lock_key, _ in keys:
                pipe.pttl(lock_key)
            locks = await pipe.execute()
        if any(ms > 0 or ms == -1 for ms in locks):
            _refuse(attempt, max(ms if ms > 0 else 0 for ms in locks))
        async with redis.pipeline(transaction=True) as pipe:
            for count_key, _, _ in keys:
                pipe.incr(count_key)
                pipe.pexpire(count_key, _ms(attempt.limits.window_seconds), nx=True)
            counts = (await pipe.execute())[::2]
        for (count_key, lock_key, limit), count in zip(keys, counts, strict=True):
            if count > limit:
                # Over the limit through concurrent attempts before any of them failed.
                if await redis.set(lock_key, "1", px=_ms(attempt.limits.lockout_seconds), nx=True):
                    log.warning(
                        "login locked out: %s after %d concurrent attempts, for %ss",
                        _shown(attempt.email if ":account:" in lock_key else attempt.address),
                        count - 1,
                        attempt.limits.lockout_seconds,
                    )
                await redis.decr(count_key)
                _refuse(attempt, 0)
    except RedisError as exc:
        log.error("login throttle: Redis unavailable, not throttling (%s)", exc)
    return attempt


async def unlock(email: str) -> None:
    """Forget an e-mail's failed attempts and lift its lockout (an admin's decision; the
    address's own count is left alone, so a guesser behind the same address stays counted)."""
    attempt = Attempt(email, None, _limits)
    (count_key, lock_key, _), *_ = attempt._keys()
    try:
        await _redis().delete(count_key, lock_key)
    except RedisError as exc:
        log.error("login throttle: Redis unavailable (%s)", exc)
    log.warning("login lockout lifted for %s", _shown(email))


def _refuse(attempt: Attempt, lock_ms: int) -> NoReturn:
    retry_after = lock_ms if lock_ms > 0 else _ms(attempt.limits.lockout_seconds)
    log.warning(
        "login refused while locked out: e-mail %s from %s",
        _shown(attempt.email),
        _shown(attempt.address),
    )
    raise TooManyLoginAttempts(retry_after_seconds=max(1, -(-retry_after // 1000)))
