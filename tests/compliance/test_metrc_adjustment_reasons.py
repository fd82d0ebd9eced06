"""Adjustments reach METRC under the reason compliance chose for the licence, never a guess, and
with the note and waste weight that reason requires (issue 9, finding 2).

The ``metrc`` fixture maps our reasons the way a compliance officer would (``METRC_REASONS``);
the double lists CA's reasons: Damage, Theft, Scale Variance... require a note, Waste a waste
weight."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from domain import db, events
from domain.compliance import adjustment_reasons, sync
from domain.errors import ReasonDetailRequired
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.doubles.metrc import AdjustReason
from tests.support.units import new_uow, publishing

MAP = """query($loc: ID!) { adjustmentReasonMap(locationId: $loc) {
  applies fetchedAt stateReasons { name requiresNote requiresWasteWeight }
  mappings { reason heldReports stateReason { name requiresNote requiresWasteWeight listed }
             suggestion { name } } } }"""
SET = """mutation($input: SetAdjustmentReasonMappingInput!) {
  setAdjustmentReasonMapping(input: $input) {
    __typename
    ... on AdjustmentReasonMapPayload { replayed map { mappings { reason stateReason { name } } } }
    ... on UnknownStateReason { stateReason known }
    ... on PermissionDenied { action }
    ... on ValidationError { field } } }"""
REFRESH = """mutation($loc: ID!) { refreshStateAdjustmentReasons(locationId: $loc) {
  __typename ... on StateSystemUnavailable { system detail }
  ... on AdjustmentReasonMapPayload { map { stateReasons { name } } } } }"""
ADJUST = """mutation($input: AdjustStockInput!) { adjustStock(input: $input) {
  __typename ... on ReasonDetailRequired { reason stateReason missing message }
  ... on StockMovedPayload { movements { id } } } }"""


@pytest.fixture
def alerts() -> Iterator[list[events.ComplianceAlertRaised]]:
    published: list[events.ComplianceAlertRaised] = []

    async def collect(batch) -> None:
        published.extend(e for e in batch if isinstance(e, events.ComplianceAlertRaised))

    with publishing(collect):
        yield published


async def _adjust(world, grams: str, reason: AdjustmentReason, **details) -> None:
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.MANAGER),
        stock.AdjustStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            Decimal(grams),
            reason,
            **details,
        ),
    )


async def _map(world, reason: AdjustmentReason, state_reason: str | None) -> None:
    await adjustment_reasons.set_mapping(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        adjustment_reasons.SetReasonMapping(world.ca.location_id, reason, state_reason),
    )


async def _reports(world) -> list[dict]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, status, last_error FROM state_report WHERE location = $1 ORDER BY id",
            world.ca.location_id,
        )
    return [dict(r) for r in rows]


async def _drain(world) -> sync.DrainResult:
    return await sync.drain(new_uow(), world.ca.location_id, owner="test")


def _adjust_posts(metrc) -> list:
    return [e for e in metrc.log if e.method == "POST" and e.path.endswith("/packages/v2/adjust")]


async def test_an_unmapped_reason_is_held_with_an_alert_and_goes_out_once_mapped(
    world, metrc, alerts
):
    await _map(world, AdjustmentReason.DAMAGE, None)
    await _adjust(world, "-1", AdjustmentReason.DAMAGE, note="jar cracked")
    await _adjust(world, "-2", AdjustmentReason.THEFT, note="camera 3")

    first = await _drain(world)

    # Nothing guessed: the damage report stays home, the theft (mapped) goes.
    assert first.sent == 1
    [sent] = metrc.state.adjustments()
    assert sent.reason == "Theft"
    held, theft = await _reports(world)
    assert (held["status"], theft["status"]) == ("held", "sent")
    assert "'damage' is not mapped" in held["last_error"]
    [alert] = alerts
    assert alert.kind == "adjustment_reason_unmapped"
    assert alert.reason == "damage"
    assert "'damage'" in alert.message
    assert metrc.state.package(world.tag).quantity == Decimal(8)

    await _map(world, AdjustmentReason.DAMAGE, "damage")  # METRC's spelling is kept
    second = await _drain(world)

    assert second.sent == 1
    assert [a.reason for a in metrc.state.adjustments()] == ["Theft", "Damage"]
    assert [r["status"] for r in await _reports(world)] == ["sent", "sent"]
    assert metrc.state.package(world.tag).quantity == Decimal(7)
    metrc.log.assert_no_violations()


async def test_a_reason_the_state_stopped_listing_holds_its_reports(world, metrc, alerts):
    metrc.state.set_adjust_reasons(
        "C10-0000001-LIC", [AdjustReason("Theft", requires_note=True), AdjustReason("Drying")]
    )
    await adjustment_reasons.refresh(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        adjustment_reasons.RefreshStateReasons(world.ca.location_id),
    )
    await _adjust(world, "-1", AdjustmentReason.DAMAGE, note="jar cracked")

    await _drain(world)

    assert _adjust_posts(metrc) == []
    [report] = await _reports(world)
    assert report["status"] == "held"
    assert "mapped to 'Damage', which METRC no longer lists" in report["last_error"]
    assert alerts[0].reason == "damage"


async def test_a_reason_requiring_a_note_is_refused_without_one_and_sent_with_it(world, metrc):
    # Our taxonomy lets a count correction go without words; METRC's Scale Variance does not.
    with pytest.raises(ReasonDetailRequired) as refused:
        await _adjust(world, "-0.5", AdjustmentReason.COUNT_CORRECTION)
    assert refused.value.state_reason == "Scale Variance"
    assert refused.value.missing == ["note"]
    assert await _reports(world) == []  # nothing written

    await _adjust(world, "-0.5", AdjustmentReason.COUNT_CORRECTION, note="scale recalibrated")
    await _drain(world)

    [adjustment] = metrc.state.adjustments()
    assert adjustment.reason == "Scale Variance"
    assert adjustment.note.endswith("scale recalibrated")
    [posted] = _adjust_posts(metrc)
    assert posted.body[0]["ReasonNote"].endswith("scale recalibrated")
    metrc.log.assert_no_violations()


async def test_a_reason_requiring_a_waste_weight_is_refused_without_one_and_sent_with_it(
    world, metrc
):
    with pytest.raises(ReasonDetailRequired) as refused:
        await _adjust(world, "-3", AdjustmentReason.DESTRUCTION, note="expired edibles")
    assert (refused.value.state_reason, refused.value.missing) == ("Waste", ["wasteWeight"])
    assert await _reports(world) == []

    await _adjust(world, "-3", AdjustmentReason.DESTRUCTION, waste_weight=Decimal("41.5"))
    await _drain(world)

    [adjustment] = metrc.state.adjustments()
    assert adjustment.reason == "Waste"
    # METRC's adjust body has no waste-weight property: ReasonNote carries it.
    assert "Waste weight: 41.5 Grams." in adjustment.note
    assert metrc.state.package(world.tag).quantity == Decimal(7)
    metrc.log.assert_no_violations()


async def test_a_mapping_set_after_the_fact_that_needs_a_note_fails_the_report_for_a_person(
    world, metrc, alerts
):
    await _adjust(world, "-1", AdjustmentReason.QA_TESTING)  # unmapped: held
    await _drain(world)
    await _map(world, AdjustmentReason.QA_TESTING, "Inventory Audit")  # requires a note

    await _drain(world)

    [report] = await _reports(world)
    assert report["status"] == "failed"
    assert "requires note" in report["last_error"]
    assert _adjust_posts(metrc) == []
    assert [a.kind for a in alerts] == ["adjustment_reason_unmapped", "report_failed"]


async def test_compliance_sees_each_reason_with_its_mapping_suggestion_and_flags(api, world, metrc):
    await _map(world, AdjustmentReason.THEFT, None)
    result = await api(MAP, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.AUDITOR))

    view = result["data"]["adjustmentReasonMap"]
    assert view["applies"] is True
    assert view["fetchedAt"]
    assert {"name": "Waste", "requiresNote": False, "requiresWasteWeight": True} in view[
        "stateReasons"
    ]
    lines = {m["reason"]: m for m in view["mappings"]}
    assert lines["THEFT"]["stateReason"] is None  # unmapped: held, whatever the suggestion
    assert lines["THEFT"]["suggestion"] == {"name": "Theft"}
    assert lines["COUNT_CORRECTION"]["stateReason"] == {
        "name": "Scale Variance",
        "requiresNote": True,
        "requiresWasteWeight": False,
        "listed": True,
    }
    assert lines["COUNT_CORRECTION"]["suggestion"] == {"name": "Scale Variance"}
    assert lines["SAMPLE"]["suggestion"] is None  # CA lists no sample reason: no guess


async def test_only_compliance_managers_and_admins_map_reasons(api, world, metrc):
    def variables(state_reason: str | None, key: str | None = None) -> dict:
        return {
            "input": {
                "locationId": str(world.ca.location_id),
                "reason": "SAMPLE",
                "stateReason": state_reason,
                "idempotencyKey": key,
            }
        }

    for role in (Role.INVENTORY_LEAD, Role.BUDTENDER, Role.AUDITOR):
        denied = await api(SET, variables("Drying"), token=world.ca.token(role))
        assert denied["data"]["setAdjustmentReasonMapping"]["__typename"] == "PermissionDenied"
    unknown = await api(SET, variables("Free Samples"), token=world.ca.token(Role.COMPLIANCE))
    refusal = unknown["data"]["setAdjustmentReasonMapping"]
    assert refusal["__typename"] == "UnknownStateReason"
    assert "Drying" in refusal["known"]
    assert (await adjustment_reasons.mappings(world.ca.location_id)).get("sample") is None

    for role in (Role.COMPLIANCE, Role.MANAGER, Role.ADMIN):
        done = await api(SET, variables("Drying", f"map-{role}"), token=world.ca.token(role))
        assert done["data"]["setAdjustmentReasonMapping"]["__typename"] == (
            "AdjustmentReasonMapPayload"
        )
    again = await api(SET, variables("Drying", "map-admin"), token=world.ca.token(Role.ADMIN))
    assert again["data"]["setAdjustmentReasonMapping"]["replayed"] is True
    assert (await adjustment_reasons.mappings(world.ca.location_id))["sample"] == "Drying"

    cleared = await api(SET, variables(None), token=world.ca.token(Role.COMPLIANCE))
    lines = cleared["data"]["setAdjustmentReasonMapping"]["map"]["mappings"]
    assert {"reason": "SAMPLE", "stateReason": None} in lines


async def test_adjust_stock_answers_which_detail_the_state_reason_needs(api, world, metrc):
    result = await api(
        ADJUST,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "tag": world.tag,
                "zoneId": str(world.ca.zone(ZoneKind.VAULT)),
                "quantity": "-1",
                "reason": "DESTRUCTION",
            }
        },
        token=world.ca.token(Role.MANAGER),
    )
    refusal = result["data"]["adjustStock"]
    assert refusal["__typename"] == "ReasonDetailRequired"
    assert (refusal["stateReason"], refusal["missing"]) == ("Waste", ["wasteWeight"])
    assert await _reports(world) == []


async def test_refreshing_while_metrc_is_down_is_a_typed_refusal(api, world, metrc):
    metrc.faults.down()
    result = await api(
        REFRESH, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.COMPLIANCE)
    )
    assert result["data"]["refreshStateAdjustmentReasons"]["__typename"] == (
        "StateSystemUnavailable"
    )
    metrc.faults.up()


async def test_reasons_can_no_longer_be_pinned_in_connection_settings(world, metrc):
    from domain.compliance import connections
    from domain.errors import ValidationError

    with pytest.raises(ValidationError):
        await connections.configure(
            new_uow(),
            world.as_(Role.ADMIN),
            connections.ConfigureConnection(
                world.ca.location_id,
                metrc.base_url,
                settings={"adjustment_reasons": {"damage": "Damage"}},
            ),
        )


async def test_held_reports_count_as_not_yet_at_the_state_in_sync_status(api, world, metrc):
    await _adjust(world, "-1", AdjustmentReason.QA_TESTING)
    await _drain(world)
    assert [r["status"] for r in await _reports(world)] == ["held"]

    result = await api(
        "query($loc: ID!) { syncStatus(locationId: $loc) { pending failed } }",
        {"loc": str(world.ca.location_id)},
        token=world.ca.token(Role.COMPLIANCE),
    )
    assert result["data"]["syncStatus"] == {"pending": 1, "failed": 0}
