"""Webhook queries (endpoints, the delivery log) and mutations (register, change, redeliver)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import CommonError
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from api.webhooks.types import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from domain.service import Outcome
from domain.webhooks import queries, services
from domain.webhooks.outbox import ALL_EVENTS, EVENTS

_EVENTS_HELP = f'Any of {", ".join(EVENTS)}, or "*" for all.'


@strawberry.input
class CreateWebhookEndpointInput:
    location_id: strawberry.ID
    url: str = strawberry.field(description="https (http only for localhost).")
    events: list[str] = strawberry.field(
        default_factory=lambda: [ALL_EVENTS], description=_EVENTS_HELP
    )
    secret: str | None = strawberry.field(
        default=None,
        description="Write-only. Omit to have one generated (returned once, in the payload).",
    )
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed.")
class UpdateWebhookEndpointInput:
    endpoint_id: strawberry.ID
    url: str | None = None
    events: list[str] | None = strawberry.field(default=None, description=_EVENTS_HELP)
    active: bool | None = strawberry.field(
        default=None, description="false fails its pending deliveries (they can be redelivered)."
    )
    secret: str | None = strawberry.field(
        default=None, description="Write-only: a new signing secret (never returned)."
    )
    idempotency_key: str | None = None


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint
    secret: str | None = strawberry.field(
        description="The signing secret, shown this once (null when the request was replayed)."
    )
    replayed: bool


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint
    replayed: bool


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery
    replayed: bool


CreateWebhookEndpointResult = Annotated[
    CreateWebhookEndpointPayload | CommonError, strawberry.union("CreateWebhookEndpointResult")
]
UpdateWebhookEndpointResult = Annotated[
    WebhookEndpointPayload | CommonError, strawberry.union("UpdateWebhookEndpointResult")
]
RedeliverWebhookResult = Annotated[
    WebhookDeliveryPayload | CommonError, strawberry.union("RedeliverWebhookResult")
]


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="A licence's webhook endpoints, oldest first.")
    async def webhook_endpoints(
        self, info: Info, location_id: strawberry.ID
    ) -> list[WebhookEndpoint]:
        loc = query_id(location_id, "location")
        principal = await info.context.reader(loc)
        return [
            WebhookEndpoint.from_domain(r) for r in await queries.list_endpoints(principal, loc)
        ]

    @strawberry.field(description="The webhook delivery log, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: WebhookDeliveryStatus | None = None,
        endpoint_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        loc = query_id(location_id, "location")
        principal = await info.context.reader(loc)
        endpoint = None if endpoint_id is None else query_id(endpoint_id, "webhook endpoint")
        page = await queries.list_deliveries(
            principal, loc, status, endpoint, first, decode_cursor(after)
        )
        return connection(page, WebhookDelivery.from_domain)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Send a licence's events to a URL, signed with a secret.")
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateWebhookEndpointResult:
        async def present(created: services.NewEndpoint) -> CreateWebhookEndpointPayload:
            row = await queries.endpoint(created.endpoint_id)
            return CreateWebhookEndpointPayload(
                endpoint=WebhookEndpoint.from_domain(row),
                secret=created.secret,
                replayed=created.replayed,
            )

        return await mutate(
            info,
            services.create_endpoint,
            lambda: services.CreateEndpoint(
                location_id=parse_id(input.location_id, "location"),
                url=input.url,
                events=tuple(input.events),
                secret=input.secret,
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(
        description="Change an endpoint's URL, events or secret, or (de)activate it."
    )
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> UpdateWebhookEndpointResult:
        async def present(outcome: Outcome) -> WebhookEndpointPayload:
            row = await queries.endpoint(outcome.value.endpoint_id)
            return WebhookEndpointPayload(
                endpoint=WebhookEndpoint.from_domain(row), replayed=outcome.replayed
            )

        return await mutate(
            info,
            services.update_endpoint,
            lambda: services.UpdateEndpoint(
                endpoint_id=parse_id(input.endpoint_id, "webhook endpoint"),
                url=input.url,
                events=None if input.events is None else tuple(input.events),
                active=input.active,
                secret=input.secret,
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(description="Send a failed delivery again (same event id and body).")
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookResult:
        async def present(outcome: Outcome) -> WebhookDeliveryPayload:
            row = await queries.delivery(outcome.value.delivery_id)
            return WebhookDeliveryPayload(
                delivery=WebhookDelivery.from_domain(row), replayed=outcome.replayed
            )

        return await mutate(
            info,
            services.redeliver,
            lambda: services.Redeliver(
                parse_id(input.delivery_id, "webhook delivery"), input.idempotency_key
            ),
            present,
        )
