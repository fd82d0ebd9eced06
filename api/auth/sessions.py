"""refreshToken, logout and logoutEverywhere (people; API keys are revoked instead)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.auth.types import Me
from api.context import Info
from api.errors import InvalidCredentials, PermissionDenied
from api.mutation import attempt, mutate
from domain.identity import refresh


@strawberry.type(
    description="An access token (`Authorization: Bearer <token>`, short-lived) and a one-time"
    " refresh token for `refreshToken`."
)
class SessionPayload:
    token: str
    refresh_token: str
    me: Me

    @classmethod
    def from_session(cls, session: refresh.Session) -> SessionPayload:
        return cls(
            token=session.access_token,
            refresh_token=session.refresh_token,
            me=Me.from_principal(session.principal),
        )


@strawberry.type
class SignedOut:
    signed_out: bool = strawberry.field(description="False if the token was already revoked.")


RefreshResult = Annotated[SessionPayload | InvalidCredentials, strawberry.union("RefreshResult")]
SignOutResult = Annotated[SignedOut | PermissionDenied, strawberry.union("SignOutResult")]


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="Spend a refresh token for a new pair. Each refresh token works once; one"
        " presented again revokes every token of that sign-in."
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> RefreshResult:
        return await attempt(
            lambda: refresh.rotate(info.context.codec, refresh_token, info.context.refresh_ttl),
            SessionPayload.from_session,
            RefreshResult,
        )

    @strawberry.mutation(
        description="Sign out this session: its refresh token stops working (the access token"
        " expires on its own)."
    )
    async def logout(self, info: Info, refresh_token: str) -> SignedOut:
        return SignedOut(signed_out=await refresh.logout(refresh_token))

    @strawberry.mutation(
        description="Sign out everywhere: every refresh token and access token you hold stops"
        " working (access tokens within the 5 s auth cache window)."
    )
    async def logout_everywhere(self, info: Info) -> SignOutResult:
        return await mutate(
            info,
            lambda uow, principal, _: refresh.logout_everywhere(uow, principal),
            lambda: None,
            lambda _: SignedOut(signed_out=True),
        )
