"""Putting an order's reserved stock back: on cancellation, and when its hold expires.

What goes back is what is still in the reserved zone (a recall may already have pulled it to
quarantine), and it goes where it came from, unless the package has since been held or
recalled: then it goes to quarantine, never to the floor.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from domain import db, events, webhooks
from domain.inventory import ledger
from domain.inventory.model import MovementKind, PackageStatus
from domain.organisation.model import ZoneKind
from domain.sales.model import ReservationStatus
from domain.unit_of_work import UnitOfWork

EXPIRY_BATCH = 500


async def put_back(
    uow: UnitOfWork, actor_id: int, reservation_ids: list[int], status: str
) -> list[int]:
    """Release the reservations' stock and close them with ``status``; caller holds their locks."""
    async with db.connection() as conn:
        lines = await conn.fetch(
            """
            SELECT rl.reservation, rl.package, rl.quantity, r.location,
                   fz.id AS from_id, fz.kind AS from_kind, fz.name AS from_name,
                   rz.id AS reserved_id, rz.name AS reserved_name
            FROM reservation_line rl
            JOIN reservation r ON r.id = rl.reservation
            JOIN zone fz ON fz.id = rl.from_zone
            JOIN zone rz ON rz.id = rl.reserved_zone
            WHERE rl.reservation = ANY($1::bigint[])
            ORDER BY rl.id
            """,
            reservation_ids,
        )
    movement_ids: list[int] = []
    if lines:
        locked = await ledger.lock_packages([r["package"] for r in lines])
        drafts = await _drafts(lines, locked, status)
        if drafts:
            posted = await ledger.post(
                uow,
                drafts,
                ledger.Posting(
                    actor_id=actor_id,
                    source_document=f"reservation-{status}:{min(reservation_ids)}",
                ),
                locked=locked,
            )
            movement_ids = [p.id for p in posted]
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE reservation SET status = $2, closed_at = now() WHERE id = ANY($1::bigint[])",
            reservation_ids,
            status,
        )
    return movement_ids


async def _drafts(lines: list[Any], locked: dict[int, Any], status: str) -> list[ledger.Draft]:
    async with db.connection() as conn:
        balances = {
            (r["package"], r["zone"]): r["quantity"]
            for r in await conn.fetch(
                "SELECT package, zone, quantity FROM stock_balance"
                " WHERE package = ANY($1::int[]) AND zone = ANY($2::int[])",
                sorted({r["package"] for r in lines}),
                sorted({r["reserved_id"] for r in lines}),
            )
        }
        quarantine = {
            r["location"]: ledger.ZoneRef(r["id"], r["location"], ZoneKind.QUARANTINE, r["name"])
            for r in await conn.fetch(
                "SELECT DISTINCT ON (location) id, location, name FROM zone"
                " WHERE location = ANY($1::int[]) AND kind = 'quarantine' AND active"
                " ORDER BY location, id",
                sorted({r["location"] for r in lines}),
            )
        }
    drafts = []
    for r in lines:
        key = (r["package"], r["reserved_id"])
        quantity = min(r["quantity"], balances.get(key, Decimal(0)))
        if quantity <= 0:
            continue
        balances[key] -= quantity
        back = ledger.ZoneRef(r["from_id"], r["location"], ZoneKind(r["from_kind"]), r["from_name"])
        if locked[r["package"]].status != PackageStatus.ACTIVE and r["location"] in quarantine:
            back = quarantine[r["location"]]
        drafts.append(
            ledger.Draft(
                package_id=r["package"],
                kind=MovementKind.RELEASE,
                quantity=quantity,
                from_zone=ledger.ZoneRef(
                    r["reserved_id"], r["location"], ZoneKind.RESERVED, r["reserved_name"]
                ),
                to_zone=back,
                note=f"reservation {r['reservation']} {status}",
            )
        )
    return drafts


async def expire_due(uow: UnitOfWork, batch: int = EXPIRY_BATCH) -> int:
    """Expire every held reservation past its time, a batch per transaction. Safe to run
    concurrently and twice: rows being fulfilled (locked) are skipped, expired ones are gone.
    ``uow`` is opened once per batch (each batch commits, and announces, on its own)."""
    expired = 0
    while True:
        async with uow:
            async with db.connection() as conn:
                rows = await conn.fetch(
                    "SELECT id, location, created_by FROM reservation"
                    " WHERE status = 'held' AND expires_at <= now()"
                    " ORDER BY expires_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
                    batch,
                )
            if not rows:
                return expired
            by_actor: dict[int, list[int]] = defaultdict(list)
            for row in rows:
                by_actor[row["created_by"]].append(row["id"])
            for actor_id, ids in by_actor.items():
                await put_back(uow, actor_id, ids, "expired")
            told: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
            for row in rows:
                data = {"reservation_id": row["id"], "status": "expired"}
                uow.record(
                    events.ReservationUpdated(
                        location_id=row["location"],
                        reservation_id=row["id"],
                        status=ReservationStatus.EXPIRED,
                    )
                )
                told[row["location"]].append((f"reservation:{row['id']}:expired", data))
            for location_id, items in told.items():
                await webhooks.record_many(uow, location_id, "reservation.expired", items)
        expired += len(rows)
