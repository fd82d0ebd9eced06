"""A signature header built to crash the check is a plain 401, logged in one line (issue 10,
finding 5)."""

from __future__ import annotations

import logging

from tests.integrations.conftest import body, connect, sale_event, snapshot
from tests.sales.helpers import floor_package


async def test_a_huge_signature_timestamp_is_a_401_logged_in_one_line(hooks, world, caplog):
    secret = await connect(world)
    tag, _ = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("evt-1", (tag, "1"), receipt="R-1"))
    before = await snapshot()
    # 5,000 digits: past what int() parses; 400 digits: past what a float holds.
    for digits in (5000, 400, 13):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = await hooks.http.post(
                f"/hooks/pos/generic?location={loc}",
                content=payload,
                headers={"X-LeafLedger-Signature": f"t={'9' * digits},v1=00"},
            )
        assert response.status_code == 401, digits
        assert response.json()["error"]["code"] == "bad_signature"
        ours = [r for r in caplog.records if r.name.startswith(("api.", "domain."))]
        assert len(ours) == 1, [r.getMessage() for r in ours]
        assert ours[0].exc_info is None  # no traceback
        assert "\n" not in ours[0].getMessage()
    assert await snapshot() == before
    genuine = await hooks.post("pos", loc, payload, secret)
    assert genuine.json()["results"][0]["outcome"] == "applied"
