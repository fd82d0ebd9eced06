"""The build job is safe to run twice: one packet, built once; a crashed build starts over clean;
the sweep picks up what a lost kick or a dead worker left behind."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

from domain import db
from domain.packet import build, links
from tests.packet.helpers import a_day_of_trade, built, packet_count, request, store_today
from tests.support.units import job_ctx
from workers import packet as packet_jobs


async def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_the_job_run_twice_gives_one_packet(world):
    await a_day_of_trade(world)
    packet_id = await request(world, store_today() - timedelta(days=1), store_today())
    first = await packet_jobs.build_audit_packet(job_ctx(), packet_id)
    second = await packet_jobs.build_audit_packet(job_ctx(), packet_id)
    assert (first["status"], second["status"]) == ("finished", "skipped")
    assert await packet_count() == 1
    files = sorted(p.name for p in links.directory().glob(f"*-{packet_id}.zip*"))
    assert len(files) == 1
    assert files[0].endswith(".zip")
    async with db.connection() as conn:
        attempts = await conn.fetchval("SELECT attempts FROM audit_packet WHERE id = $1", packet_id)
    assert attempts == 1


async def test_two_runs_at_once_build_it_once(world):
    await a_day_of_trade(world)
    packet_id = await request(world, store_today(), store_today())
    results = await asyncio.gather(built(packet_id), built(packet_id))
    assert sorted(r.status for r in results) in (["busy", "finished"], ["finished", "skipped"])
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, attempts, sha256 FROM audit_packet WHERE id = $1", packet_id
        )
    assert (row["status"], row["attempts"]) == ("finished", 1)
    finished = next(r for r in results if r.status == "finished")
    assert finished.file is not None
    assert await _sha(finished.file) == row["sha256"]


async def test_a_build_that_died_half_way_starts_over_clean(world):
    await a_day_of_trade(world)
    packet_id = await request(world, store_today(), store_today())
    # A worker died mid-build: the row says building, half a file lies on disk.
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE audit_packet SET status = 'building', parts_done = 4, rows_written = 9,"
            " attempts = 1, updated_at = now() - interval '1 hour' WHERE id = $1",
            packet_id,
        )
        licence = await conn.fetchval(
            "SELECT license_number FROM location WHERE id = $1", world.ca.location_id
        )
        row = await conn.fetchrow("SELECT * FROM audit_packet WHERE id = $1", packet_id)
    name = f"audit-packet-{licence}-{row['first_day']}-{row['last_day']}-{packet_id}.zip"
    links.directory().mkdir(parents=True, exist_ok=True)
    (links.directory() / f"{name}.partial").write_bytes(b"PK half a zip")

    # The sweep finds it (no progress for an hour) and queues its build again.
    queued: list[tuple] = []

    class Queue:
        async def enqueue_job(self, *args, **kwargs) -> None:
            queued.append((args, kwargs["_job_id"]))

    swept = await packet_jobs.sweep_audit_packets({**job_ctx(), "redis": Queue()})
    assert swept == {"queued": 1}
    assert queued[0][0] == ("build_audit_packet", packet_id)

    again = await built(packet_id)
    assert again.status == "finished"
    assert not (links.directory() / f"{name}.partial").exists()
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, attempts, parts_done, parts_total, sha256 FROM audit_packet"
            " WHERE id = $1",
            packet_id,
        )
    assert (row["status"], row["attempts"]) == ("finished", 2)
    assert row["parts_done"] == row["parts_total"]
    assert again.file is not None
    assert await _sha(again.file) == row["sha256"]
    assert build.file_name(licence, (await _row(packet_id))) == name


async def _row(packet_id: int):
    from domain.packet import services

    row = await services.packet(packet_id)
    assert row is not None
    return row


async def test_a_failed_packet_asked_for_again_is_built_again(world):
    yesterday = store_today() - timedelta(days=1)
    packet_id = await request(world, yesterday, yesterday)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE audit_packet SET status = 'failed', error = 'disk full' WHERE id = $1",
            packet_id,
        )
    assert await request(world, yesterday, yesterday) == packet_id
    async with db.connection() as conn:
        status = await conn.fetchval("SELECT status FROM audit_packet WHERE id = $1", packet_id)
    assert status == "queued"
    assert (await built(packet_id)).status == "finished"
