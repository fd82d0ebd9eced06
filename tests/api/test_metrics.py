"""/metrics: what an operator's Prometheus sees, and who may see it."""

from __future__ import annotations

import dataclasses
import re

import httpx

from api.app import create_app
from domain import settings
from domain.roles import Role
from tests.api.queries import TRANSFER, transfer_input


def _value(text: str, sample: str) -> float:
    found = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_mutations_are_counted_by_the_result_they_answered(world, api):
    token = world.ca.token(Role.INVENTORY_LEAD)
    ok = 'leafledger_mutation_outcomes_total{mutation="transferStock",result="StockMovedPayload"}'
    short = (
        'leafledger_mutation_outcomes_total{mutation="transferStock",result="InsufficientStock"}'
    )
    timed = 'leafledger_graphql_request_seconds_count{operation="mutation transferStock"}'
    before = (await api.http.get("/metrics")).text

    await api(TRANSFER, {"input": transfer_input(world, "1")}, token)
    await api(TRANSFER, {"input": transfer_input(world, "500")}, token)
    after = await api.http.get("/metrics")

    assert after.status_code == 200
    assert _value(after.text, ok) == _value(before, ok) + 1
    assert _value(after.text, short) == _value(before, short) + 1
    assert _value(after.text, timed) == _value(before, timed) + 2
    backlog = (
        f'leafledger_state_reports_pending{{location="{world.ca.location_id}",system="metrc"}}'
    )
    assert backlog in after.text
    assert "leafledger_subscriptions " in after.text


async def test_with_a_token_set_only_its_bearer_may_scrape(clean_db):
    config = dataclasses.replace(settings.load(), metrics_token="scrape-me")
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        refused = await http.get("/metrics")
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert refused.status_code == 403
    assert "leafledger_" not in refused.text
    assert allowed.status_code == 200


async def test_without_a_token_only_this_host_may_scrape(clean_db):
    app = create_app(settings.load())
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        assert (await http.get("/metrics")).status_code == 403
