"""User types."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from api.enums import Role
from domain.identity.principal import Principal
from domain.identity.queries import UserRow

if TYPE_CHECKING:  # strawberry.lazy resolves it at run time (the modules import each other)
    from api.locations.types import Location


@strawberry.type(description="A person; shown as the actor or witness of movements.")
class User:
    id: strawberry.ID
    name: str
    email: str

    @classmethod
    def from_domain(cls, row: UserRow) -> User:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, email=row.email)


@strawberry.type(description="A role at one location.")
class Grant:
    role: Role
    location_id: strawberry.Private[int]

    @strawberry.field
    async def location(
        self, info: strawberry.Info
    ) -> Annotated[Location, strawberry.lazy("api.locations.types")]:
        from api.locations.types import Location

        return Location.from_domain(await info.context.loaders.location.one(self.location_id))


@strawberry.type(description="The signed-in user and what they may do where.")
class Me:
    id: strawberry.ID
    name: str
    email: str
    grants: list[Grant]

    @classmethod
    def from_principal(cls, principal: Principal) -> Me:
        return cls(
            id=strawberry.ID(str(principal.user_id)),
            name=principal.name,
            email=principal.email,
            # An API key has scopes, not roles (see apiKeys).
            grants=[]
            if principal.scopes is not None
            else [
                Grant(role=Role(role), location_id=location_id)
                for location_id, role in sorted(principal.grants.items())
            ],
        )
