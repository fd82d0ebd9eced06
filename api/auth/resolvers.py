"""me and login."""

from __future__ import annotations

import strawberry

from api.auth.types import Me
from api.context import Info
from api.errors import InvalidCredentials, ValidationError, attempt, result_union
from domain.identity import services as identity


@strawberry.type(description="A bearer token to send as `Authorization: Bearer <token>`.")
class LoginPayload:
    token: str
    me: Me


LoginResult = result_union("LoginResult", LoginPayload, (InvalidCredentials, ValidationError))


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
        def present(result: tuple) -> LoginPayload:
            token, principal = result
            return LoginPayload(token=token, me=Me.from_principal(principal))

        return await attempt(
            lambda: identity.login(info.context.codec, email, password),
            present,
            (InvalidCredentials, ValidationError),
        )
