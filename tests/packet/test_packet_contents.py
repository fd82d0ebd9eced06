"""The audit packet adds up: each tag's roll-up closes from the CSVs alone, the PDF's totals are
the CSVs', and the chains re-verify from the movements an inspector is handed."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from domain import hashchain
from tests.packet.helpers import Packet, a_day_of_trade, built, request, store_today

D = Decimal


async def _packet(world) -> Packet:
    await a_day_of_trade(world)
    today = store_today()
    packet_id = await request(world, today - timedelta(days=2), today)
    done = await built(packet_id)
    assert done.status == "finished"
    assert done.file is not None
    return Packet(done.file)


def _by_tag(rows: list[dict[str, str]], column: str, keep=lambda r: True) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if keep(r):
            totals[r["tag"]] += D(r[column] or 0)
    return totals


async def test_every_tags_roll_up_closes_from_the_csvs_alone(world):
    packet = await _packet(world)
    stock = packet.rows("stock")
    opening = _by_tag(stock, "quantity_at_start")
    closing = _by_tag(stock, "quantity_at_end")
    received = _by_tag(packet.rows("receipts"), "quantity", lambda r: r["kind"] != "rejected")
    sold = _by_tag(packet.rows("sales"), "quantity")
    returned = _by_tag(packet.rows("voids_returns"), "quantity")
    destroyed = _by_tag(
        packet.rows("destructions"), "quantity", lambda r: r["status"] == "destroyed"
    )
    adjusted = _by_tag(packet.rows("adjustments"), "signed_quantity")
    tags = set(opening) | set(closing) | set(received) | set(sold)
    assert len(tags) == 3  # the vault package, the floor package, the delivered one
    for tag in tags:
        rolled = (
            opening[tag]
            + received[tag]
            - sold[tag]
            + returned[tag]
            - destroyed[tag]
            + adjusted[tag]
        )
        assert rolled == closing[tag], tag
    # The packet's own roll-up says the same, tag by tag, with no difference anywhere.
    for r in packet.rows("package_rollup"):
        assert D(r["closing"]) == closing[r["tag"]]
        assert D(r["difference"]) == 0
    # The rejected package entered nothing, and is on record.
    rejected = [r for r in packet.rows("receipts") if r["kind"] == "rejected"]
    assert [(r["reason"], r["quantity"]) for r in rejected] == [("mould", "0")]


async def test_the_summarys_totals_are_the_csvs(world):
    packet = await _packet(world)
    text = " ".join(packet.pdf_text().split())
    sales = packet.rows("sales")
    assert f"Sale lines: {len(sales)}" in text
    total = sum((D(r["line_total"]) for r in sales), D(0))
    assert f"Sale lines total: {total:.2f}" in text
    assert "Sales: 3 (1 voided)" in text
    for reason in ("damage", "entry_error", "sample"):
        rows = [r for r in packet.rows("adjustments") if r["reason"] == reason]
        net = sum((D(r["signed_value"]) for r in rows), D(0))
        assert re.search(rf"{reason} {len(rows)} [0-9.]+ [0-9.]+ {net:.2f}", text), reason
    stock = packet.rows("stock")
    end_value = sum((D(r["value_at_end"]) for r in stock), D(0))
    assert f"Stock value at cost, end of period: {end_value:.2f}" in text
    movements = packet.rows("movements")
    assert f"Movements in the period: {len(movements)}" in text
    heads = "".join(
        f"{r['tag']},{r['last_sequence']},{r['head_at_period_end']}\n"
        for r in packet.rows("chain_heads")
    )
    assert f"Heads digest: {hashlib.sha256(heads.encode()).hexdigest()}" in text
    contents = {r["file"]: r for r in packet.rows("contents")}
    for name, row in contents.items():
        assert hashlib.sha256(packet.files[name]).hexdigest() == row["sha256"]


async def test_an_inspector_re_verifies_every_chain_from_the_movements_csv(world):
    packet = await _packet(world)
    by_package: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in packet.rows("movements"):
        by_package[r["package_id"]].append(r)
    heads = {r["package_id"]: r for r in packet.rows("chain_heads")}
    assert set(heads) == set(by_package)
    for package_id, rows in by_package.items():
        rows.sort(key=lambda r: int(r["sequence"]))
        previous = heads[package_id]["head_before_period"]
        for r in rows:
            facts = {
                "package_id": int(r["package_id"]),
                "sequence": int(r["sequence"]),
                "kind": r["kind"],
                "from_zone_id": int(r["from_zone_id"]) if r["from_zone_id"] else None,
                "to_zone_id": int(r["to_zone_id"]) if r["to_zone_id"] else None,
                "quantity": D(r["quantity"]),
                "reason": r["reason"] or None,
                "note": r["note"] or None,
                "actor_id": int(r["actor_id"]),
                "witness_id": int(r["witness_id"]) if r["witness_id"] else None,
                "occurred_at": r["occurred_at"],
                "source_document": r["source_document"] or None,
                "idempotency_key": r["idempotency_key"] or None,
            }
            assert r["previous_hash"] == previous
            assert hashchain.movement_hash(previous, facts) == r["hash"]
            previous = r["hash"]
        assert previous == heads[package_id]["head_at_period_end"]
        assert previous == heads[package_id]["head_now"]
