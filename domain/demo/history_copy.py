"""Writing a simulated history (``domain.demo.history``) as a consistent ledger, with COPY.

A year of a store's trade is a few hundred thousand rows; through ``ledger.post`` that would
take minutes, so this writes the same rows the ledger would, in bulk, and keeps its invariants:
each package's movements are numbered from 1 and hash-chained exactly as
``domain.hashchain.movement_hash`` computes them (the package row carries the chain's head),
every balance equals the sum of its movements and never goes below zero, nothing is sold from
an expired lot (it is written off the morning after its date), every sale movement has its
``sale`` and ``sale_line`` rows, and a package that has nothing left is ``finished``. Ids come
from the tables' own sequences (reserved in one step), so later inserts carry on after them.
Historic movements owe no state report: the state has had them all along.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np

from domain import hashchain
from domain.demo.history import History, Stocked

CENT = Decimal("0.01")


@dataclass(frozen=True)
class HistoryStore:
    location_id: int
    timezone: str
    vault_zone: int
    floor_zone: int
    facility_code: str  # nine characters of the METRC tags
    receiver_id: int  # who received deliveries and restocked
    seller_id: int  # who rang up the sales
    first_tag: int = 1  # history tags count up from here (the opening stock's roll is higher)


@dataclass(frozen=True)
class ProductFacts:
    unit: str
    price: Decimal
    unit_cost: Decimal
    limit_facts: dict[str, Any]
    batch_prefix: str


@dataclass(frozen=True)
class Written:
    packages: int
    movements: int
    sales: int


async def _reserve(conn: asyncpg.Connection, table: str, count: int) -> int:
    """The first of ``count`` consecutive ids taken from ``table``'s id sequence."""
    if count == 0:
        return 0
    last = await conn.fetchval(
        "SELECT setval(s, nextval(s) + $2 - 1) FROM pg_get_serial_sequence($1, 'id') AS s",
        table,
        count,
    )
    if last is None:
        raise RuntimeError(f"{table} has no id sequence")
    return int(last) - count + 1


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


async def write(
    conn: asyncpg.Connection,
    store: HistoryStore,
    stocked: Sequence[Stocked],
    facts: dict[int, ProductFacts],
    history: History,
    seed: int,
) -> Written:
    """Insert ``history`` for ``store`` inside the caller's transaction."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(store.timezone)
    lots = history.lots
    batch0 = await _reserve(conn, "batch", len(lots))
    package0 = await _reserve(conn, "package", len(lots))
    sale_days: dict[int, list[int]] = {}
    for index, event in enumerate(history.events):
        if event.kind == "sale":
            sale_days.setdefault(event.day, []).append(index)
    # Receipts: each day's sale lines, shuffled into baskets of one to three, rung up in order.
    receipts: dict[int, tuple[int, datetime]] = {}  # event index → (receipt number, time)
    receipt_times: list[tuple[int, datetime]] = []
    for day, indexes in sorted(sale_days.items()):
        order = rng.permutation(len(indexes))
        sizes = rng.integers(1, 4, size=len(indexes))
        minutes = np.sort(rng.integers(10 * 60, 21 * 60, size=len(indexes)))
        position, basket = 0, 0
        when = history.first + timedelta(days=day)
        while position < len(indexes):
            size = int(sizes[basket])
            clock = int(minutes[basket])
            at = _at(when, time(clock // 60, clock % 60, basket % 60), tz)
            for i in order[position : position + size]:
                receipts[indexes[int(i)]] = (len(receipt_times), at)
            receipt_times.append((day, at))
            position += size
            basket += 1
    sale0 = await _reserve(conn, "sale", len(receipt_times))
    movement0 = await _reserve(conn, "movement", len(history.events))

    chain: dict[int, tuple[int, str]] = {}
    balances: dict[tuple[int, int], int] = {}
    movements: list[tuple] = []
    lines: list[tuple] = []
    line_numbers: dict[int, int] = {}
    totals: dict[int, Decimal] = {}
    ordered = sorted(
        range(len(history.events)),
        key=lambda i: (
            history.events[i].day,
            _ORDER[history.events[i].kind],
            receipts[i][1] if i in receipts else datetime.min.replace(tzinfo=UTC),
            i,
        ),
    )
    for n, index in enumerate(ordered):
        event = history.events[index]
        lot = lots[event.lot]
        package_id = package0 + lot.key
        product = stocked[lot.product_index]
        fact = facts[product.product_id]
        day = history.first + timedelta(days=event.day)
        source, reason, note, actor = None, None, None, store.receiver_id
        from_zone: int | None = None
        to_zone: int | None = None
        if event.kind == "receive":
            kind, to_zone, at = "receive", store.vault_zone, _at(day, time(9, 0), tz)
            source = f"demo:history:delivery:{lot.key}"
        elif event.kind == "transfer":
            kind, from_zone, to_zone = "transfer", store.vault_zone, store.floor_zone
            at = _at(day, time(9, 30), tz)
        elif event.kind == "expire":
            kind, reason = "adjust", "expired"
            from_zone = store.vault_zone if event.zone == "vault" else store.floor_zone
            at = _at(day, time(8, 30), tz)
            note = "Past its expiry date: pulled for destruction (demo history)."
        else:
            receipt, at = receipts[index]
            sale_id = sale0 + receipt
            kind, from_zone, actor = "sale", store.floor_zone, store.seller_id
            source = f"sale:{sale_id}"
            quantity = Decimal(event.quantity)
            discount = (fact.price * quantity * Decimal(str(event.discount))).quantize(CENT)
            total = (fact.price * quantity - discount).quantize(CENT)
            line_numbers[sale_id] = line_numbers.get(sale_id, 0) + 1
            totals[sale_id] = totals.get(sale_id, Decimal(0)) + total
            lines.append(
                (
                    sale_id,
                    line_numbers[sale_id],
                    package_id,
                    product.product_id,
                    store.floor_zone,
                    quantity,
                    Decimal(0),
                    fact.price,
                    discount,
                    Decimal(0),
                    Decimal(0),
                    total,
                    fact.limit_facts,
                    movement0 + n,
                    store.location_id,
                )
            )
        sequence, previous = chain.get(package_id, (0, hashchain.GENESIS))
        sequence += 1
        quantity = Decimal(event.quantity)
        digest = hashchain.movement_hash(
            previous,
            {
                "package_id": package_id,
                "sequence": sequence,
                "kind": kind,
                "from_zone_id": from_zone,
                "to_zone_id": to_zone,
                "quantity": quantity,
                "reason": reason,
                "note": note,
                "actor_id": actor,
                "witness_id": None,
                "occurred_at": at,
                "source_document": source,
                "idempotency_key": None,
            },
        )
        chain[package_id] = (sequence, digest)
        for zone, sign in ((from_zone, -1), (to_zone, 1)):
            if zone is not None:
                key = (package_id, zone)
                balances[key] = balances.get(key, 0) + sign * event.quantity
                if balances[key] < 0:
                    raise AssertionError(f"history takes package {package_id} below zero")
        movements.append(
            (
                movement0 + n,
                store.location_id,
                package_id,
                sequence,
                kind,
                from_zone,
                to_zone,
                quantity,
                reason,
                note,
                actor,
                None,
                at,
                at,
                source,
                None,
                previous,
                digest,
            )
        )

    remaining: dict[int, int] = {}
    for (package_id, _), quantity in balances.items():
        remaining[package_id] = remaining.get(package_id, 0) + quantity
    batches, packages = [], []
    for lot in lots:
        product = stocked[lot.product_index]
        fact = facts[product.product_id]
        arrived = history.first + timedelta(days=lot.arrived)
        batches.append(
            (
                batch0 + lot.key,
                product.product_id,
                f"{fact.batch_prefix}{lot.produced:%y%m%d}-H{store.location_id}{lot.key:05d}",
                "Demo Cultivation Co.",
                lot.produced,
                lot.expires_on,
                "passed",
                f"COA-H{store.location_id}-{lot.key:06d}",
                _at(arrived, time(8, 0), tz),
            )
        )
        package_id = package0 + lot.key
        count, head = chain[package_id]
        packages.append(
            (
                package_id,
                store.location_id,
                f"1A4{store.facility_code}{store.first_tag + lot.key:012d}",
                product.product_id,
                batch0 + lot.key,
                fact.unit,
                "active" if remaining.get(package_id, 0) > 0 else "finished",
                fact.unit_cost,
                count,
                head,
                _at(arrived, time(9, 0), tz),
            )
        )
    sales = [
        (
            sale0 + i,
            store.location_id,
            "demo-history",
            f"H{at:%Y%m%d}-{sale0 + i}",
            "adult_use",
            "completed",
            f"LL{store.location_id}-S{sale0 + i}",
            totals.get(sale0 + i, Decimal(0)),
            store.seller_id,
            at,
        )
        for i, (_, at) in enumerate(receipt_times)
    ]
    await conn.copy_records_to_table(
        "batch",
        records=batches,
        columns=[
            "id", "product", "producer_batch_number", "producer_name", "production_date",
            "expires_on", "lab_status", "certificate_reference", "created_at",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "package",
        records=packages,
        columns=[
            "id", "location", "tag", "product", "batch", "unit", "status", "unit_cost",
            "movement_count", "last_hash", "created_at",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "movement",
        records=movements,
        columns=[
            "id", "location", "package", "sequence", "kind", "from_zone", "to_zone", "quantity",
            "reason", "note", "actor", "witness", "occurred_at", "recorded_at",
            "source_document", "idempotency_key", "previous_hash", "hash",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "stock_balance",
        records=[
            (package_id, zone, store.location_id, Decimal(q), datetime.now(UTC))
            for (package_id, zone), q in balances.items()
        ],
        columns=["package", "zone", "location", "quantity", "updated_at"],
    )
    await conn.copy_records_to_table(
        "sale",
        records=sales,
        columns=[
            "id", "location", "register", "pos_receipt_id", "customer_type", "status",
            "external_id", "total", "sold_by", "occurred_at",
        ],
    )  # fmt: skip
    # COPY has no binary jsonb encoder: the lines go through a scratch table, facts as text.
    columns = [
        "sale", "line_number", "package", "product", "zone", "quantity", "returned_quantity",
        "unit_price", "discount", "sales_tax", "excise_tax", "total", "limit_facts", "movement",
        "location",
    ]  # fmt: skip
    listed = ", ".join(columns)
    await conn.execute(
        f"CREATE TEMP TABLE history_sale_line ON COMMIT DROP AS SELECT {listed} FROM sale_line"
        " WITH NO DATA; ALTER TABLE history_sale_line ALTER COLUMN limit_facts TYPE text"
    )
    await conn.copy_records_to_table(
        "history_sale_line",
        records=[(*line[:12], json.dumps(line[12]), *line[13:]) for line in lines],
        columns=columns,
    )
    await conn.execute(
        f"INSERT INTO sale_line ({listed})"
        f" SELECT {listed.replace('limit_facts', 'limit_facts::jsonb')}"
        " FROM history_sale_line;"
        " DROP TABLE history_sale_line"
    )
    return Written(len(packages), len(movements), len(sales))


_ORDER = {"expire": 0, "receive": 1, "transfer": 2, "sale": 3}
