"""me and login."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.auth.types import Me, User
from api.context import Info
from api.enums import Role
from api.errors import CommonError, InvalidCredentials, TooManyLoginAttempts, ValidationError
from api.mutation import attempt, mutate
from api.pagination import parse_id
from domain.identity import refresh
from domain.identity import services as identity
from domain.service import Outcome


@strawberry.type(
    description="A bearer token to send as `Authorization: Bearer <token>` (short-lived), and a"
    " one-time refresh token for `refreshToken`."
)
class LoginPayload:
    token: str
    refresh_token: str
    me: Me


LoginResult = Annotated[
    LoginPayload | InvalidCredentials | TooManyLoginAttempts | ValidationError,
    strawberry.union("LoginResult"),
]


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> Me | None:
        principal = await info.context.principal()
        return Me.from_principal(principal) if principal else None


@strawberry.type
class AuthMutations:
    @strawberry.mutation(description="Exchange an e-mail and password for a bearer token.")
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        def present(session: refresh.Session) -> LoginPayload:
            return LoginPayload(
                token=session.access_token,
                refresh_token=session.refresh_token,
                me=Me.from_principal(session.principal),
            )

        return await attempt(
            lambda: refresh.start(
                identity.login(
                    info.context.codec,
                    email,
                    password,
                    info.context.address or None,
                    info.context.client,
                ),
                info.context.refresh_ttl,
            ),
            present,
            LoginResult,
        )


@strawberry.input
class GrantInput:
    location_id: strawberry.ID
    role: Role


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    password: str = strawberry.field(description="At least 10 characters.")
    grants: list[GrantInput]
    idempotency_key: str | None = None


@strawberry.input
class SetGrantInput:
    user_id: strawberry.ID
    location_id: strawberry.ID
    role: Role | None = strawberry.field(default=None, description="null removes the grant.")
    idempotency_key: str | None = None


@strawberry.input
class UnlockSignInInput:
    user_id: strawberry.ID
    location_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class UserPayload:
    user: User
    replayed: bool


UserResult = Annotated[UserPayload | CommonError, strawberry.union("UserResult")]


async def _user_payload(info: Info, outcome: Outcome) -> UserPayload:
    info.context.refresh()
    row = await info.context.loaders.user.one(outcome.value.user_id)
    return UserPayload(user=User.from_domain(row), replayed=outcome.replayed)


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Add a member of staff (admins of every location granted).")
    async def create_user(self, info: Info, input: CreateUserInput) -> UserResult:
        return await mutate(
            info,
            identity.invite_user,
            lambda: identity.InviteUser(
                email=input.email,
                name=input.name,
                password=input.password,
                grants={parse_id(g.location_id, "location"): g.role for g in input.grants},
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _user_payload(info, o),
        )

    @strawberry.mutation(
        description="Lift a member of staff's sign-in lockout now (admins of a location they"
        " work at); the lockout of the address the guesses came from stays."
    )
    async def unlock_sign_in(self, info: Info, input: UnlockSignInInput) -> UserResult:
        return await mutate(
            info,
            identity.unlock_sign_in,
            lambda: identity.UnlockSignIn(
                user_id=parse_id(input.user_id, "user"),
                location_id=parse_id(input.location_id, "location"),
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _user_payload(info, o),
        )

    @strawberry.mutation(description="Give, change or remove someone's role at a location.")
    async def set_grant(self, info: Info, input: SetGrantInput) -> UserResult:
        return await mutate(
            info,
            identity.set_grant,
            lambda: identity.SetGrant(
                user_id=parse_id(input.user_id, "user"),
                location_id=parse_id(input.location_id, "location"),
                role=input.role,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _user_payload(info, o),
        )
