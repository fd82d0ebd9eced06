"""PostgreSQL crashes under a store's traffic: the clients caught in the outage are told to retry
(HTTP 503, ``Retry-After``, ``SERVICE_UNAVAILABLE``), never "Unexpected error."; the API comes
back by itself, and every transfer the clients retried with its key is applied exactly once.

Runs on a throwaway cluster of its own: the shared server is every test run's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import asyncpg
import httpx
import pytest

from domain.demo.sites import CA, EMAIL_DOMAIN, PASSWORD
from tests.support.processes import api_processes
from tests.support.throwaway_postgres import throwaway_postgres

LOGIN = """mutation($e: String!, $p: String!) {
  login(email: $e, password: $p) { ... on LoginPayload { token } }
}"""
TRANSFER = """mutation($input: TransferStockInput!) {
  transferStock(input: $input) { __typename ... on StockMovedPayload { replayed } }
}"""
CLIENTS = 4
STEP = Decimal(1)


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, check=True, timeout=600)


def _post(
    http: httpx.Client, query: str, variables: dict, token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


class Register:
    """One client moving one unit at a time from the vault to the floor, retrying each transfer
    with its idempotency key until it is acknowledged (as the POS integration guide asks)."""

    def __init__(self, base: str, token: str, transfer: dict, stop: threading.Event) -> None:
        self.base, self.token, self.transfer, self.stop = base, token, transfer, stop
        self.acknowledged = 0
        self.unavailable: list[httpx.Response] = []
        self.other_failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as http:
            while not self.stop.is_set():
                key = str(uuid.uuid4())
                while True:  # the same transfer until acknowledged
                    try:
                        answer = _post(
                            http,
                            TRANSFER,
                            {"input": {**self.transfer, "idempotencyKey": key}},
                            self.token,
                        )
                    except httpx.TransportError:
                        time.sleep(0.1)
                        continue
                    if answer.status_code == 503:
                        self.unavailable.append(answer)
                        time.sleep(float(answer.headers["Retry-After"]) / 10)
                        continue
                    body = answer.json()
                    result = (body.get("data") or {}).get("transferStock")
                    if (
                        answer.status_code == 200
                        and result
                        and result["__typename"] == "StockMovedPayload"
                    ):
                        self.acknowledged += 1
                        break
                    self.other_failures.append(f"{answer.status_code} {body}")
                    return


async def _floor_quantity(url: str, tag: str) -> Decimal:
    conn = await asyncpg.connect(url)
    try:
        value = await conn.fetchval(
            "SELECT coalesce(sum(b.quantity), 0) FROM stock_balance b"
            " JOIN package p ON p.id = b.package JOIN zone z ON z.id = b.zone"
            " WHERE p.tag = $1 AND z.kind = 'sales_floor'",
            tag,
        )
    finally:
        await conn.close()
    return Decimal(value)


@pytest.mark.slow
def test_a_database_crash_under_load_is_answered_retry_later_and_applies_each_transfer_once():
    with throwaway_postgres() as pg:
        url = pg.url("leafledger_outage")
        env = {
            **os.environ,
            "LEAFLEDGER_DATABASE_URL": url,
            "LEAFLEDGER_REDIS_PREFIX": f"outage-{os.getpid()}:",
        }
        asyncio.run(_create(pg.server_url))
        _cli(env, "demo-data")
        with api_processes(1, env) as (api,), httpx.Client(base_url=api.http, timeout=10) as http:
            token = _post(http, LOGIN, {"e": f"manager@{EMAIL_DOMAIN}", "p": PASSWORD})
            token = token.json()["data"]["login"]["token"]
            transfer = _vault_to_floor(http, token)
            before = asyncio.run(_floor_quantity(url, transfer["tag"]))

            stop = threading.Event()
            registers = [Register(api.http, token, transfer, stop) for _ in range(CLIENTS)]
            threads = [threading.Thread(target=r.run) for r in registers]
            for thread in threads:
                thread.start()
            time.sleep(1.5)
            pg.crash()
            outage = http.get("/readyz")
            time.sleep(1.5)
            pg.start()
            time.sleep(1.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            ready = http.get("/readyz")

            after = asyncio.run(_floor_quantity(url, transfer["tag"]))

    assert outage.status_code == 503  # not ready while the database is away
    assert ready.status_code == 200  # and ready again without a restart
    unavailable = [a for r in registers for a in r.unavailable]
    assert unavailable, "no request was caught in the outage: the crash came too late"
    for answer in unavailable:
        assert answer.headers["Retry-After"] == "2"
        codes = {e["extensions"]["code"] for e in answer.json()["errors"]}
        assert codes == {"SERVICE_UNAVAILABLE"}
        assert "Unexpected error" not in answer.text
    assert [f for r in registers for f in r.other_failures] == []
    acknowledged = sum(r.acknowledged for r in registers)
    assert acknowledged > 0
    assert after - before == acknowledged * STEP  # each acknowledged transfer exactly once


async def _create(server_url: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute("CREATE DATABASE leafledger_outage")
    finally:
        await conn.close()


REGISTER = """mutation($input: RegisterPackageInput!) {
  registerPackage(input: $input) { __typename ... on ValidationError { field reason } }
}"""
FIRST_PACKAGE = """query($loc: ID!) {
  zones(locationId: $loc) { id kind }
  packages(locationId: $loc, first: 1) { edges { node { unit product { id } } } }
}"""


def _vault_to_floor(http: httpx.Client, token: str) -> dict:
    """A new package of a demo product with 100,000 in the Oakland vault: more than any run
    can move, so every refusal the registers meet would be the outage's."""
    locations = _post(http, "{ locations { id licenseNumber } }", {}, token).json()["data"]
    location = next(
        x["id"] for x in locations["locations"] if x["licenseNumber"] == CA.license_number
    )
    found = _post(http, FIRST_PACKAGE, {"loc": location}, token).json()["data"]
    zones = {z["kind"]: z["id"] for z in found["zones"]}
    package = found["packages"]["edges"][0]["node"]
    tag = f"1A4{CA.facility_code}000000999999"
    registered = _post(
        http,
        REGISTER,
        {
            "input": {
                "locationId": location,
                "tag": tag,
                "productId": package["product"]["id"],
                "unit": package["unit"],
                "balances": [{"zoneId": zones["VAULT"], "quantity": "100000"}],
            }
        },
        token,
    ).json()
    assert registered["data"]["registerPackage"]["__typename"] == "PackagePayload", registered
    return {
        "locationId": location,
        "tag": tag,
        "fromZoneId": zones["VAULT"],
        "toZoneId": zones["SALES_FLOOR"],
        "quantity": str(STEP),
    }
