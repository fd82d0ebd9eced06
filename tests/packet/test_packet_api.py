"""Compliance asks for a packet, follows it, downloads it; nobody else gets a byte of it, and a
link that expired or was edited opens nothing."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

from domain.packet import links
from domain.roles import Role
from tests.packet.helpers import a_day_of_trade, built, store_today

REQUEST = """
mutation($input: RequestAuditPacketInput!) { requestAuditPacket(input: $input) {
  __typename
  ... on AuditPacketPayload { replayed packet { id status from to } }
  ... on AuditPeriodInvalid { fromDay toDay reason }
  ... on UserError { message }
} }
"""
PACKET = """
query($id: ID!) { auditPacket(id: $id) {
  id status partsDone partsTotal rowsWritten sha256 sizeBytes requestedBy { email }
  location { licenseNumber } download { url expiresAt }
} }
"""
LIST = "query($loc: ID!) { auditPackets(locationId: $loc) { id status } }"


def _input(world, first, last) -> dict:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "from": first.isoformat(),
            "to": last.isoformat(),
        }
    }


async def _finished_packet(api, world) -> dict:
    await a_day_of_trade(world)
    today = store_today()
    compliance = world.ca.token(Role.COMPLIANCE)
    asked = await api(REQUEST, _input(world, today - timedelta(days=6), today), compliance)
    packet = asked["data"]["requestAuditPacket"]["packet"]
    assert packet["status"] == "queued"
    assert (await built(int(packet["id"]))).status == "finished"
    shown = await api(PACKET, {"id": packet["id"]}, compliance)
    return shown["data"]["auditPacket"]


async def test_compliance_asks_for_a_packet_and_downloads_exactly_the_recorded_file(api, world):
    packet = await _finished_packet(api, world)
    assert packet["status"] == "finished"
    assert packet["partsDone"] == packet["partsTotal"] > 10
    assert packet["rowsWritten"] > 20
    assert packet["requestedBy"] == {"email": "compliance@greenleaf.test"}
    url = packet["download"]["url"]
    for role in (Role.COMPLIANCE, Role.AUDITOR):
        got = await api.http.get(url, headers={"Authorization": f"Bearer {world.ca.token(role)}"})
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/zip"
        assert hashlib.sha256(got.content).hexdigest() == packet["sha256"]
        assert len(got.content) == packet["sizeBytes"]
    listed = await api(LIST, {"loc": str(world.ca.location_id)}, world.ca.token(Role.AUDITOR))
    assert listed["data"]["auditPackets"] == [{"id": packet["id"], "status": "finished"}]


async def test_a_role_without_access_gets_403_and_nothing(api, world):
    packet = await _finished_packet(api, world)
    url = packet["download"]["url"]
    for role in (Role.MANAGER, Role.BUDTENDER, Role.INVENTORY_LEAD):
        token = world.ca.token(role)
        got = await api.http.get(url, headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 403
        assert not got.content.startswith(b"PK")
        assert got.json()["error"]["code"] == "forbidden"
        # Nor can they read the packet or its link.
        shown = await api(PACKET, {"id": packet["id"]}, token)
        assert shown["data"] is None
        assert shown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Another operator's compliance officer, with the link in hand, gets nothing either.
    other = world.co.token(Role.COMPLIANCE)
    got = await api.http.get(url, headers={"Authorization": f"Bearer {other}"})
    assert got.status_code == 403
    assert (await api.http.get(url)).status_code == 401


async def test_an_expired_or_edited_link_is_refused(api, world):
    packet = await _finished_packet(api, world)
    packet_id = int(packet["id"])
    auth = {"Authorization": f"Bearer {world.ca.token(Role.COMPLIANCE)}"}
    old = links.sign(packet_id, now=datetime.now(UTC) - timedelta(seconds=links.LINK_SECONDS + 5))
    expired = await api.http.get(old.path, headers=auth)
    assert expired.status_code == 410
    assert not expired.content.startswith(b"PK")
    url = packet["download"]["url"]
    edited = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert (await api.http.get(edited, headers=auth)).status_code == 403
    # A link signed for another packet does not open this one.
    other = links.sign(packet_id + 1).path.replace(f"/{packet_id + 1}/", f"/{packet_id}/")
    assert (await api.http.get(other, headers=auth)).status_code == 403


async def test_a_bad_period_is_refused_with_its_reason_and_writes_nothing(api, world):
    today = store_today()
    compliance = world.ca.token(Role.COMPLIANCE)
    cases = {
        (today, today - timedelta(days=1)): "to must be on or after from",
        (today, today + timedelta(days=1)): "to may be today at the latest",
        (today - timedelta(days=4000), today): "at most",
    }
    for (first, last), reason in cases.items():
        answer = (await api(REQUEST, _input(world, first, last), compliance))["data"]
        refused = answer["requestAuditPacket"]
        assert refused["__typename"] == "AuditPeriodInvalid"
        assert reason in refused["reason"]
    listed = await api(LIST, {"loc": str(world.ca.location_id)}, compliance)
    assert listed["data"]["auditPackets"] == []
    denied = await api(REQUEST, _input(world, today, today), world.ca.token(Role.MANAGER))
    assert denied["data"]["requestAuditPacket"]["__typename"] == "PermissionDenied"


async def test_a_finished_period_asked_for_twice_is_one_packet(api, world):
    last = store_today() - timedelta(days=1)
    compliance = world.ca.token(Role.COMPLIANCE)
    first = await api(REQUEST, _input(world, last - timedelta(days=30), last), compliance)
    again = await api(REQUEST, _input(world, last - timedelta(days=30), last), compliance)
    one = first["data"]["requestAuditPacket"]["packet"]["id"]
    assert again["data"]["requestAuditPacket"]["packet"]["id"] == one


async def test_a_screen_follows_the_build_to_its_end(clean_db, world):
    from api.app import create_app
    from api.context import Context
    from api.schema import schema
    from domain import settings
    from tests.packet.helpers import request
    from tests.support.units import publishing

    app = create_app(settings.load())
    graphql = app.graphql
    await graphql.broadcaster.start()
    try:
        with publishing(graphql.broadcaster.publish):
            packet_id = await request(world, store_today(), store_today())
            context = Context(
                codec=graphql.codec,
                token=world.ca.token(Role.AUDITOR),
                broadcaster=graphql.broadcaster,
                units=graphql.units,
            )
            updates = await schema.subscribe(
                "subscription($id: ID!) { auditPacketProgress(id: $id) {"
                " status partsDone partsTotal packet { sha256 } } }",
                variable_values={"id": str(packet_id)},
                context_value=context,
            )
            seen: list[dict] = []

            async def screen() -> None:
                async for update in updates:  # pyright: ignore[reportGeneralTypeIssues]
                    seen.append(update.data["auditPacketProgress"])

            listening = asyncio.ensure_future(screen())
            await asyncio.sleep(0.5)
            await built(packet_id)
            await asyncio.wait_for(listening, 10)  # the stream ends when the packet is finished
    finally:
        await graphql.broadcaster.stop()
    assert seen[0]["status"] == "queued"
    assert [s["partsDone"] for s in seen] == sorted(s["partsDone"] for s in seen)
    assert seen[-1]["status"] == "finished"
    assert seen[-1]["partsDone"] == seen[-1]["partsTotal"]
    assert seen[-1]["packet"]["sha256"]
