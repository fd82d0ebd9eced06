"""Against a real API process (issue 10, findings 1 and 5): a huge upload is refused while the
API keeps answering, and a WebSocket that never says connection_init is closed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import websockets

from tests.support.processes import api_processes

CHUNK = 64 * 1024
RECORD = """mutation($input: RecordSaleInput!) { recordSale(input: $input) { __typename } }"""


def _hundred_thousand_line_sale(location_id: int) -> bytes:
    lines = [{"tag": f"T{i}", "quantity": "1", "unitPrice": "9.50"} for i in range(100_000)]
    sale = {
        "locationId": str(location_id),
        "register": "R1",
        "posReceiptId": "A-1",
        "customerType": "ADULT_USE",
        "lines": lines,
    }
    return json.dumps({"query": RECORD, "variables": {"input": sale}}).encode()


async def test_a_5_mb_upload_gets_413_and_the_api_answers_while_it_streams(world):
    body = _hundred_thousand_line_sale(world.ca.location_id)
    assert len(body) > 5_000_000
    halfway, probed = asyncio.Event(), asyncio.Event()
    streamed = 0

    async def upload() -> AsyncIterator[bytes]:
        nonlocal streamed
        for start in range(0, len(body), CHUNK):
            if start == 8 * CHUNK:  # half a mebibyte in: let the probes run, then go on
                halfway.set()
                await probed.wait()
            streamed += len(body[start : start + CHUNK])
            yield body[start : start + CHUNK]

    with api_processes(1) as (api,):
        async with (
            httpx.AsyncClient(base_url=api.http, timeout=60) as attacker,
            httpx.AsyncClient(base_url=api.http, timeout=60) as client,
        ):
            big = asyncio.create_task(
                attacker.post(
                    "/graphql", content=upload(), headers={"Content-Type": "application/json"}
                )
            )
            await halfway.wait()
            probe = await client.post("/graphql", json={"query": "{ me { id } }"})
            health = await client.get("/healthz")
            mid_stream = streamed
            probed.set()
            refused = await big
            after = await client.post("/graphql", json={"query": "{ me { id } }"})
    # Both answered while the upload was paused half a mebibyte in.
    assert (probe.status_code, probe.json()) == (200, {"data": {"me": None}})
    assert health.status_code == 200
    assert mid_stream == 8 * CHUNK
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert after.json() == {"data": {"me": None}}


async def test_a_websocket_that_never_initialises_is_closed(world):
    env = {"LEAFLEDGER_WS_INIT_TIMEOUT_SECONDS": "0.5"}
    with api_processes(1, extra_env=env) as (api,):
        async with websockets.connect(api.ws, subprotocols=["graphql-transport-ws"]) as socket:
            # The bound only keeps a server that never closes from hanging the suite.
            try:
                await asyncio.wait_for(socket.recv(), timeout=20)
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
            else:
                code = "a message instead of a close"
    assert code == 4408  # graphql-transport-ws: connection initialisation timeout
