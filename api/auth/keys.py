"""API keys for partners and devices: createApiKey, revokeApiKey, apiKeys (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.errors import CommonError
from api.mutation import mutate
from api.pagination import parse_id
from domain.errors import NotFound
from domain.identity import api_keys

# The domain enum itself, registered with strawberry (see api/enums.py).
ApiKeyScope = api_keys.Scope
strawberry.enum(
    ApiKeyScope,
    description="What a key may do: READ_FLOOR_STOCK (products, packages, stock and their"
    " subscriptions), RECORD_SALES (recordSale, voidSale, returnSale, fulfilReservation, sales),"
    " CREATE_RESERVATIONS (create, cancel, extend, list and follow reservations),"
    " POST_ACCESS_EVENTS (door and badge systems: recordAccessEvents).",
)


@strawberry.type(description="A partner's or device's key. Its secret is shown only at creation.")
class ApiKey:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="`llk_<prefix>_…`: identifies the key in logs.")
    scopes: list[ApiKeyScope]
    location_ids: list[strawberry.ID]
    rate_limit_per_minute: int | None = strawberry.field(
        description="Requests per minute; null uses the server's default for keys."
    )
    expires_at: datetime | None
    last_used_at: datetime | None = strawberry.field(description="Updated at most once a minute.")
    created_at: datetime
    revoked_at: datetime | None

    @strawberry.field(description="Not revoked and not expired.")
    def active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= datetime.now(
            self.expires_at.tzinfo
        )
        return self.revoked_at is None and not expired

    @classmethod
    def from_domain(cls, row: api_keys.ApiKeyRow) -> ApiKey:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            prefix=row.prefix,
            scopes=list(row.scopes),
            location_ids=[strawberry.ID(str(i)) for i in row.location_ids],
            rate_limit_per_minute=row.rate_limit_per_minute,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


@strawberry.input
class CreateApiKeyInput:
    name: str
    scopes: list[ApiKeyScope]
    location_ids: list[strawberry.ID]
    expires_at: datetime | None = None
    rate_limit_per_minute: int | None = None


@strawberry.type(description="Store `secret` now: it is never shown again.")
class ApiKeyCreated:
    api_key: ApiKey
    secret: str = strawberry.field(
        description="Send as `Authorization: Bearer <secret>` or `X-Api-Key: <secret>`."
    )


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey


CreateApiKeyResult = Annotated[ApiKeyCreated | CommonError, strawberry.union("CreateApiKeyResult")]
ApiKeyResult = Annotated[ApiKeyPayload | CommonError, strawberry.union("ApiKeyResult")]


async def _key(info: Info, key_id: int) -> ApiKey:
    principal = await info.context.require_principal()
    rows = await api_keys.list_keys(principal, [key_id])
    if not rows:
        raise NotFound("api key", str(key_id))
    return ApiKey.from_domain(rows[0])


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(description="Keys at locations where you manage users (admins).")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        principal = await info.context.principal()
        if principal is None:
            raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
        return [ApiKey.from_domain(row) for row in await api_keys.list_keys(principal)]


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(
        description="Issue a key scoped to locations and operations (admins of every location)."
        " Rotate without downtime: create the new key, deploy it, then revoke the old one."
    )
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyResult:
        async def present(created: api_keys.CreatedKey) -> ApiKeyCreated:
            return ApiKeyCreated(api_key=await _key(info, created.key_id), secret=created.secret)

        return await mutate(
            info,
            api_keys.create,
            lambda: api_keys.CreateApiKey(
                name=input.name,
                scopes=frozenset(api_keys.Scope(s) for s in input.scopes),
                location_ids=frozenset(parse_id(i, "location") for i in input.location_ids),
                expires_at=input.expires_at,
                rate_limit_per_minute=input.rate_limit_per_minute,
            ),
            present,
        )

    @strawberry.mutation(description="Revoke a key (within the 5 s auth cache window).")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyResult:
        async def present(key_id: int) -> ApiKeyPayload:
            return ApiKeyPayload(api_key=await _key(info, key_id))

        return await mutate(
            info,
            api_keys.revoke,
            lambda: parse_id(id, "api key"),
            present,
        )
