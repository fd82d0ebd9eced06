"""The packet hands an inspector the licence's change log with its chain, re-verifiable."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from decimal import Decimal

from domain.changelog.model import GENESIS, row_hash
from domain.organisation import services as organisation
from domain.roles import Role
from tests.packet.helpers import Packet, built, request, store_today
from tests.support.units import new_uow


async def test_a_policy_change_in_the_period_is_in_the_packet_with_its_chain(world):
    await organisation.update_location(
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.UpdateLocation(world.ca.location_id, receiving_tolerance_pct=Decimal("3.5")),
    )
    today = store_today()
    done = await built(await request(world, today - timedelta(days=1), today))
    assert done.file is not None
    packet = Packet(done.file)

    rows = packet.rows("change_log")
    changed = [r for r in rows if r["operation"] == "updateLocation"]
    assert len(changed) == 1
    assert json.loads(changed[0]["after"]) == {"receiving_tolerance_pct": "3.5"}
    assert "Change log" in packet.pdf_text()
    for row in rows:  # each row re-hashes to its own hash from the CSV alone
        assert row_hash(row["prev_hash"], _as_written(row)) == row["hash"]
    chain = [r for r in rows if r["chain"] == changed[0]["chain"]]
    for earlier, later in itertools.pairwise(chain):
        assert later["prev_hash"] == earlier["hash"]
    assert chain[0]["prev_hash"] == GENESIS or int(chain[0]["sequence"]) > 1


def _as_written(row: dict[str, str]) -> dict[str, object]:
    """A CSV row back as the values the change log hashed."""

    def number(name: str) -> int | None:
        return int(row[name]) if row[name] else None

    return {
        **row,
        "sequence": int(row["sequence"]),
        "operator_id": number("operator_id"),
        "location_id": number("location_id"),
        "user_id": number("user_id"),
        "api_key_id": number("api_key_id"),
        "client": row["client"] or None,
        "entity_id": row["entity_id"] or None,
        "occurred_at": datetime.fromisoformat(row["occurred_at"]),
        "before": json.loads(row["before"]) if row["before"] else None,
        "after": json.loads(row["after"]) if row["after"] else None,
    }
