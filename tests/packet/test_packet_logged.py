"""A finished packet's SHA-256 and size are in the change log, written by the build job, so
the file an inspector was handed can be checked against the tamper-evident chain."""

from __future__ import annotations

import hashlib

from domain import db
from tests.changelog.helpers import last_id, rows_since
from tests.packet.helpers import built, request, store_today


async def test_a_finished_packets_sha256_is_in_the_change_log(world):
    packet_id = await request(world, store_today(), store_today())
    since = await last_id()
    result = await built(packet_id)
    assert result.status == "finished"
    assert result.file is not None
    content = result.file.read_bytes()

    (row,) = [r for r in await rows_since(since) if r["operation"] == "auditPacketBuilt"]
    assert (row["entity_type"], row["entity_id"]) == ("audit packet", str(packet_id))
    assert (row["actor_kind"], row["user_id"], row["client"]) == (
        "worker",
        None,
        "build_audit_packet",
    )
    assert row["location"] == world.ca.location_id
    assert row["operator"] == world.ca.operator_id
    assert row["after"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert row["after"]["size_bytes"] == len(content)
    async with db.connection() as conn:
        stored = await conn.fetchval("SELECT sha256 FROM audit_packet WHERE id = $1", packet_id)
    assert row["after"]["sha256"] == stored


async def test_a_packet_built_again_is_not_logged_again(world):
    packet_id = await request(world, store_today(), store_today())
    await built(packet_id)
    since = await last_id()
    assert (await built(packet_id)).status == "skipped"
    assert await rows_since(since) == []
