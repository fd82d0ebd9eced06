"""Creating users, logging in, and turning a bearer token into a Principal."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import asyncpg

from domain import db, service
from domain.changelog import record as changelog
from domain.changelog.model import Actor, ActorKind
from domain.errors import InvalidCredentials, NotFound, PermissionDenied, ValidationError
from domain.identity import throttle
from domain.identity.passwords import MIN_LENGTH, dummy_hash, hash_password, verify_password
from domain.identity.principal import Principal
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.roles import Capability, Role
from domain.rows import returned
from domain.unit_of_work import UnitOfWork

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def create_user(
    *,
    operator_id: int,
    email: str,
    name: str,
    password: str,
    grants: dict[int, Role],
    logged_as: Actor | None = None,
) -> int:
    """Create a user with roles at the given locations (used by the CLI and by admins).

    ``logged_as``: the change-log actor when no service logs it (the CLI, a new deployment's
    first admin); ``invite_user`` logs its own row.
    """
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValidationError("email", "is not an e-mail address")
    if len(password) < MIN_LENGTH:
        raise ValidationError("password", f"must be at least {MIN_LENGTH} characters")
    if not name.strip():
        raise ValidationError("name", "is required")
    password_hash = await asyncio.to_thread(hash_password, password)
    async with db.transaction(), db.connection() as conn:
        owned = await conn.fetch(
            "SELECT id FROM location WHERE operator = $1 AND id = ANY($2::int[])",
            operator_id,
            list(grants),
        )
        if len(owned) != len(grants):
            raise NotFound("location", ",".join(str(i) for i in grants))
        try:
            user_id = returned(
                await conn.fetchval(
                    "INSERT INTO app_user (operator, email, name, password_hash, active,"
                    " token_version, created_at) VALUES ($1, $2, $3, $4, true, 0, now())"
                    " RETURNING id",
                    operator_id,
                    email,
                    name.strip(),
                    password_hash,
                )
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError("email", "a user with this e-mail already exists") from None
        await conn.executemany(
            'INSERT INTO location_grant ("user", location, role) VALUES ($1, $2, $3)',
            [(user_id, location_id, str(Role(role))) for location_id, role in grants.items()],
        )
        if logged_as is not None:
            await changelog.record(
                conn,
                logged_as,
                "createUser",
                "user",
                user_id,
                location_id=None,
                after={"email": email, "name": name.strip(), "grants": _grants(grants)},
            )
    return user_id


def _grants(grants: dict[int, Role]) -> dict[str, str]:
    return {str(loc): str(Role(role)) for loc, role in sorted(grants.items())}


async def login(
    codec: TokenCodec,
    email: str,
    password: str,
    client_address: str | None = None,
    client: str | None = None,
) -> tuple[str, Principal]:
    """Check a password and issue a bearer token.

    Guesses are throttled per e-mail and per ``client_address`` (see ``throttle``): a locked-out
    e-mail or address is refused before the password is looked at. Each sign-in and each wrong
    password is a change-log row of the person's operator (the e-mail tried, never the password).
    """
    email = email.strip().lower()
    attempt = await throttle.begin(email, client_address)
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, operator, password_hash, token_version, active FROM app_user"
            " WHERE email = $1",
            email,
        )
    stored = row["password_hash"] if row else dummy_hash()
    ok = await asyncio.to_thread(verify_password, stored, password)
    principal = (
        await load_principal(TokenClaims(row["id"], row["token_version"]))
        if row and ok and row["active"]
        else None
    )
    if row is None or principal is None:
        await attempt.failed()
        await changelog.record_apart(
            Actor(ActorKind.USER, row["operator"] if row else None, None, None, client),
            "loginFailed",
            "user",
            row["id"] if row else None,
            after={"email": email, "address": client_address},
        )
        raise InvalidCredentials()
    await attempt.succeeded()
    await changelog.record_apart(
        Actor(ActorKind.USER, principal.operator_id, principal.user_id, None, client),
        "login",
        "user",
        principal.user_id,
        after={"email": email, "address": client_address},
    )
    return codec.issue(TokenClaims(row["id"], row["token_version"])), principal


async def load_principal(claims: TokenClaims) -> Principal | None:
    """The user behind valid token claims, with their grants; None if revoked or inactive."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT u.id, u.operator, u.email, u.name, g.location, g.role
            FROM app_user u LEFT JOIN location_grant g ON g."user" = u.id
            WHERE u.id = $1 AND u.active AND u.token_version = $2
            """,
            claims.user_id,
            claims.token_version,
        )
    if not rows:
        return None
    first = rows[0]
    return Principal(
        user_id=first["id"],
        operator_id=first["operator"],
        email=first["email"],
        name=first["name"],
        grants={r["location"]: Role(r["role"]) for r in rows if r["location"] is not None},
    )


@dataclass(frozen=True)
class InviteUser:
    email: str
    name: str
    password: str
    grants: dict[int, Role]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class SetGrant:
    user_id: int
    location_id: int
    # None removes the grant.
    role: Role | None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UserSaved:
    user_id: int


async def invite_user(uow: UnitOfWork, principal: Principal, cmd: InviteUser) -> service.Outcome:
    """An admin adds staff, with a role at each location they administer."""
    if not cmd.grants:
        raise ValidationError("grants", "give the user a role at one location at least")
    for location_id in cmd.grants:
        if not principal.can(Capability.MANAGE_USERS, location_id):
            raise PermissionDenied(str(Capability.MANAGE_USERS), "at every location granted")

    async def work(uow: UnitOfWork) -> UserSaved:
        user_id = await create_user(
            operator_id=principal.operator_id,
            email=cmd.email,
            name=cmd.name,
            password=cmd.password,
            grants=cmd.grants,
        )
        await changelog.change(
            uow,
            principal,
            "inviteUser",
            "user",
            user_id,
            location_id=None,
            after={
                "email": cmd.email.strip().lower(),
                "name": cmd.name.strip(),
                "grants": _grants(cmd.grants),
            },
        )
        return UserSaved(user_id)

    # The password is not part of what a retry must repeat exactly, and must not be stored.
    return await service.run(uow, principal, "inviteUser", _without_password(cmd), work, UserSaved)


def _without_password(cmd: InviteUser) -> InviteUser:
    return InviteUser(cmd.email, cmd.name, "", cmd.grants, cmd.idempotency_key)


async def set_grant(uow: UnitOfWork, principal: Principal, cmd: SetGrant) -> service.Outcome:
    """Give, change or remove a user's role at a location (takes effect on their next request)."""
    principal.require(Capability.MANAGE_USERS, cmd.location_id)
    if cmd.user_id == principal.user_id and cmd.role != Role.ADMIN:
        raise ValidationError("userId", "admins cannot demote themselves; ask another admin")
    async with db.connection() as conn:
        operator = await conn.fetchval("SELECT operator FROM app_user WHERE id = $1", cmd.user_id)
    if operator != principal.operator_id:
        raise NotFound("user", str(cmd.user_id))

    async def work(uow: UnitOfWork) -> UserSaved:
        conn = uow.conn
        was = await conn.fetchval(
            'SELECT role FROM location_grant WHERE "user" = $1 AND location = $2 FOR UPDATE',
            cmd.user_id,
            cmd.location_id,
        )
        if cmd.role is None:
            await conn.execute(
                'DELETE FROM location_grant WHERE "user" = $1 AND location = $2',
                cmd.user_id,
                cmd.location_id,
            )
        else:
            await conn.execute(
                'INSERT INTO location_grant ("user", location, role) VALUES ($1, $2, $3)'
                ' ON CONFLICT ("user", location) DO UPDATE SET role = EXCLUDED.role',
                cmd.user_id,
                cmd.location_id,
                str(Role(cmd.role)),
            )
        await changelog.change(
            uow,
            principal,
            "setGrant",
            "user",
            cmd.user_id,
            location_id=cmd.location_id,
            before={"role": was},
            after={"role": str(Role(cmd.role)) if cmd.role is not None else None},
        )
        return UserSaved(cmd.user_id)

    return await service.run(uow, principal, "setGrant", cmd, work, UserSaved)


@dataclass(frozen=True)
class UnlockSignIn:
    user_id: int
    location_id: int
    idempotency_key: str | None = None


async def unlock_sign_in(
    uow: UnitOfWork, principal: Principal, cmd: UnlockSignIn
) -> service.Outcome:
    """An admin lifts a sign-in (and witness) lockout now.

    Why: a budtender who mistyped their password five times at the start of a shift would
    otherwise wait out the 15-minute lockout with the register closed. Only an admin of a
    location where the person works may do it, and only for that person's e-mail: the lockout
    of the address the guesses came from stays."""
    principal.require(Capability.MANAGE_USERS, cmd.location_id)
    async with db.connection() as conn:
        email = await conn.fetchval(
            'SELECT u.email FROM app_user u JOIN location_grant g ON g."user" = u.id'
            " WHERE u.id = $1 AND g.location = $2 AND u.operator = $3",
            cmd.user_id,
            cmd.location_id,
            principal.operator_id,
        )
    if email is None:
        raise NotFound("user", str(cmd.user_id))

    async def work(uow: UnitOfWork) -> UserSaved:
        # Redis, not the transaction: deleting the counters twice is harmless, so a rollback
        # after this point changes nothing a retry would not do again.
        await throttle.unlock(email)
        await changelog.change(
            uow,
            principal,
            "unlockSignIn",
            "user",
            cmd.user_id,
            location_id=cmd.location_id,
            after={"unlocked": True},
        )
        return UserSaved(cmd.user_id)

    return await service.run(uow, principal, "unlockSignIn", cmd, work, UserSaved)
