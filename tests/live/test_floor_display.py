"""A floor display connected to one API process sees a restock made through another."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from domain.roles import Role
from tests.api.queries import TRANSFER, transfer_input
from tests.support.processes import api_processes

FLOOR = """
    subscription($loc: ID!) {
      floorStockChanged(locationId: $loc) {
        movementId quantity productQuantity zone { kind } package { tag }
      }
    }
"""


def _transport(url: str, token: str | None) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=url,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {token}"} if token else {},
    )


async def test_floor_stock_changes_reach_subscribers_of_another_api_process(world):
    with api_processes(2) as (display_side, register_side):
        transport = _transport(display_side.ws, world.ca.token(Role.BUDTENDER))
        async with Client(transport=transport) as session:
            received: asyncio.Queue[dict] = asyncio.Queue()

            async def listen() -> None:
                request = GraphQLRequest(FLOOR, variable_values={"loc": str(world.ca.location_id)})
                async for result in session.subscribe(request):
                    await received.put(result["floorStockChanged"])

            listener = asyncio.create_task(listen())
            try:
                change = await _restock_until_seen(register_side.http, world, received)
            finally:
                listener.cancel()
    assert change["zone"] == {"kind": "SALES_FLOOR"}
    assert change["package"] == {"tag": world.tag}
    assert change["quantity"] == change["productQuantity"]


async def _restock_until_seen(base: str, world, received: asyncio.Queue[dict]) -> dict:
    """Restock 0.5 g at a time until the display sees one (the socket may still be subscribing)."""
    token = world.ca.token(Role.INVENTORY_LEAD)
    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(20):
            response = await http.post(
                "/graphql",
                json={"query": TRANSFER, "variables": {"input": transfer_input(world, "0.5")}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.json()["data"]["transferStock"]["__typename"] == "StockMovedPayload"
            try:
                return await asyncio.wait_for(received.get(), timeout=0.5)
            except TimeoutError:
                continue
    raise AssertionError("the floor display never saw the restock")


async def test_a_socket_without_a_valid_token_is_refused(world):
    with api_processes(1) as (api,):
        async with websockets.connect(api.ws, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": "Bearer forged"}}
                )
            )
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
    assert closed.value.rcvd.code == 4403
