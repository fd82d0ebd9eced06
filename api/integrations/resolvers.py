"""Integration queries (connections, installed adapters) and the configureIntegration mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.errors import CommonError
from api.integrations.types import IntegrationAdapter, IntegrationConnectionNode, IntegrationKind
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.integrations import queries, services
from domain.integrations.tables import IntegrationKind as Kind


@strawberry.input(
    description="The whole connection: configuring again replaces these fields (not the secret)."
)
class ConfigureIntegrationInput:
    location_id: strawberry.ID
    kind: IntegrationKind
    adapter: str = strawberry.field(description='An installed adapter, e.g. "generic".')
    acting_user_id: strawberry.ID = strawberry.field(
        description="Who the integration acts as: a user who may sell at the location."
    )
    active: bool = True
    rotate_secret: bool = strawberry.field(
        default=False, description="Issue a new secret now (the old one stops working)."
    )
    webhook_endpoint_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Delivery: send this endpoint's reservation webhooks in the adapter's format.",
    )
    idempotency_key: str | None = None


@strawberry.type
class ConfigureIntegrationPayload:
    connection: IntegrationConnectionNode
    secret: str | None = strawberry.field(
        description="The signing secret when one was issued (new connection or rotateSecret),"
        " shown this once; null otherwise and when the request was replayed."
    )
    replayed: bool


ConfigureIntegrationResult = Annotated[
    ConfigureIntegrationPayload | CommonError, strawberry.union("ConfigureIntegrationResult")
]


@strawberry.type
class IntegrationQueries:
    @strawberry.field(description="A location's POS and delivery connections, oldest first.")
    async def integration_connections(
        self, info: Info, location_id: strawberry.ID
    ) -> list[IntegrationConnectionNode]:
        loc = query_id(location_id, "location")
        principal = await info.context.reader(loc)
        rows = await queries.list_connections(principal, loc)
        return [IntegrationConnectionNode.from_domain(r) for r in rows]

    @strawberry.field(description="The POS and delivery-platform adapters installed.")
    async def integration_adapters(self, info: Info) -> list[IntegrationAdapter]:
        if await info.context.principal() is None:
            raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
        installed = [
            *((Kind.POS, a) for a in info.context.registry.pos_adapters.values()),
            *((Kind.DELIVERY, a) for a in info.context.registry.delivery_adapters.values()),
        ]
        return [
            IntegrationAdapter(kind=kind, name=a.name, title=a.title, description=a.description)
            for kind, a in sorted(installed, key=lambda pair: (pair[0], pair[1].name))
        ]


@strawberry.type
class IntegrationMutations:
    @strawberry.mutation(
        description="Accept a POS's or delivery platform's webhooks at a location (managers)."
    )
    async def configure_integration(
        self, info: Info, input: ConfigureIntegrationInput
    ) -> ConfigureIntegrationResult:
        def command() -> services.ConfigureIntegration:
            endpoint = input.webhook_endpoint_id
            return services.ConfigureIntegration(
                location_id=parse_id(input.location_id, "location"),
                kind=Kind(input.kind),
                adapter=input.adapter,
                acting_user_id=parse_id(input.acting_user_id, "user"),
                active=input.active,
                rotate_secret=input.rotate_secret,
                webhook_endpoint_id=(
                    None if endpoint is None else parse_id(endpoint, "webhook endpoint")
                ),
                idempotency_key=input.idempotency_key,
            )

        async def present(saved: services.ConfiguredIntegration) -> ConfigureIntegrationPayload:
            row = await queries.connection(saved.connection_id)
            return ConfigureIntegrationPayload(
                connection=IntegrationConnectionNode.from_domain(row),
                secret=saved.secret,
                replayed=saved.replayed,
            )

        return await mutate(info, services.configure, command, present)
