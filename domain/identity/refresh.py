"""Sessions for people: a short-lived access token plus a one-time refresh token.

Why: access tokens are stateless (checked by signature and the user's token version), so they
cannot be revoked one by one; keeping them short and renewing them with a refresh token that the
server can revoke gives both cheap requests and real sign-out. Each refresh token is used once:
using it returns a new pair and spends it. A spent token presented again means it was copied, so
the whole family (that sign-in and every rotation after it) is revoked. Only SHA-256 digests of
refresh tokens are stored (they are 256 random bits; a slow hash would buy nothing).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass

from domain import db
from domain.errors import InvalidCredentials, PermissionDenied
from domain.identity import services as identity
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

REFUSED = "the refresh token is invalid, spent or expired: sign in again"


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    principal: Principal


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue(user_id: int, family: str, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    async with db.connection() as conn:
        await conn.execute(
            'INSERT INTO refresh_token ("user", family, token_hash, created_at, expires_at)'
            " VALUES ($1, $2, $3, now(), now() + make_interval(secs => $4))",
            user_id,
            family,
            _digest(token),
            float(ttl_seconds),
        )
    return token


async def start(login: Awaitable[tuple[str, Principal]], refresh_ttl: int) -> Session:
    """A successful sign-in (``identity.login``, awaited here) starts a new refresh family."""
    access, principal = await login
    refresh = await _issue(principal.user_id, secrets.token_hex(16), refresh_ttl)
    return Session(access, refresh, principal)


async def rotate(codec: TokenCodec, token: str, refresh_ttl: int) -> Session:
    """Spend a refresh token for a new pair; a spent one presented again revokes its family."""
    digest = _digest(token)
    refresh, version = "", None
    async with db.transaction(), db.connection() as conn:
        row = await conn.fetchrow(
            "UPDATE refresh_token SET used_at = now() WHERE token_hash = $1"
            " AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()"
            ' RETURNING "user" AS user_id, family',
            digest,
        )
        if row is not None:
            version = await conn.fetchval(
                "SELECT token_version FROM app_user WHERE id = $1 AND active", row["user_id"]
            )
            if version is not None:
                refresh = await _issue(row["user_id"], row["family"], refresh_ttl)
    if row is None:
        await _revoke_if_replayed(digest)
        raise InvalidCredentials(REFUSED)
    claims = TokenClaims(row["user_id"], version) if version is not None else None
    principal = await identity.load_principal(claims) if claims else None
    if claims is None or principal is None:
        raise InvalidCredentials(REFUSED)
    return Session(codec.issue(claims), refresh, principal)


async def _revoke_if_replayed(digest: str) -> None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            'SELECT "user" AS user_id, family FROM refresh_token'
            " WHERE token_hash = $1 AND used_at IS NOT NULL",
            digest,
        )
        if row is None:
            return
        revoked = await conn.execute(
            "UPDATE refresh_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL",
            row["family"],
        )
    if revoked != "UPDATE 0":
        log.warning(
            "spent refresh token presented again: family %s of user %s revoked",
            row["family"],
            row["user_id"],
        )


async def logout(token: str) -> bool:
    """End this sign-in: its refresh family is revoked (its access token lives out its TTL)."""
    async with db.connection() as conn:
        status = await conn.execute(
            "UPDATE refresh_token SET revoked_at = now() WHERE revoked_at IS NULL AND family ="
            " (SELECT family FROM refresh_token WHERE token_hash = $1)",
            _digest(token),
        )
    return status != "UPDATE 0"


async def logout_everywhere(uow: UnitOfWork, principal: Principal) -> None:
    """Revoke every refresh token of the caller and invalidate every access token they hold
    (the token version they carry stops matching, within the auth cache window)."""
    if principal.scopes is not None:
        raise PermissionDenied("sign out", "API keys are revoked, not signed out")
    async with uow:
        conn = uow.conn
        await conn.execute(
            "UPDATE app_user SET token_version = token_version + 1 WHERE id = $1",
            principal.user_id,
        )
        await conn.execute(
            'UPDATE refresh_token SET revoked_at = now() WHERE "user" = $1 AND revoked_at IS NULL',
            principal.user_id,
        )
    log.info("user %s signed out everywhere", principal.user_id)


async def purge_dead_families(uow: UnitOfWork, *, grace_days: int = 7) -> int:
    """Delete the refresh-token families whose every token expired more than ``grace_days`` ago.

    Why: every rotation leaves a spent row behind, so without a purge the table grows with every
    renewal for ever. A family is deleted only as a whole and only once all of it is dead: while
    any token of a sign-in can still be used, its spent tokens are what detects a copied one
    (reuse revokes the family), so they must stay. Safe to run twice."""
    async with uow:
        deleted = await uow.conn.fetch(
            "DELETE FROM refresh_token WHERE family IN ("
            " SELECT family FROM refresh_token GROUP BY family"
            " HAVING max(expires_at) < now() - make_interval(days => $1))"
            " RETURNING id",
            grace_days,
        )
    return len(deleted)
