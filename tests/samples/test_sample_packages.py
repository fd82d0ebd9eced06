"""A trade sample at a METRC licence leaves under a tag of its own: a child package of the one
it was taken from, created at METRC from the parent with IsTradeSample, as a repack is; a tag
already carried or never issued is refused and nothing is written."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from domain import db
from domain.compliance import adjustment_reasons, sync
from domain.errors import TagAlreadyUsed, TagNotInPool, ValidationError
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.samples import queries, services
from domain.samples.model import SampleKind
from plugins.registry import Registry
from tests.repackaging.helpers import tag
from tests.samples.helpers import GENEROUS, counts, state_rules, take
from tests.samples.test_samples_api import TAKE, _take
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow

BUYER = "C11-0000042-LIC"


async def _trade(world, grams: str = "1", **extra):
    with state_rules("CA", GENEROUS):
        return await take(world, grams, kind=SampleKind.TRADE, recipient=BUYER, **extra)


async def test_a_trade_sample_becomes_a_child_package_metrc_creates_as_a_trade_sample(world, metrc):
    metrc.state.issue_tags([tag(90), tag(91)])

    taken = await _trade(world, "1.5", tag_from_pool=True)

    [row] = await queries.samples(world.ca.location_id, None, None, 10)
    assert (row.tag, row.parent_tag) == (tag(90), world.tag)
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal("8.5")}
    assert await balances_of(row.package_id) == {world.ca.zone(ZoneKind.SAMPLES): Decimal("1.5")}
    async with db.connection() as conn:
        child = await conn.fetchrow("SELECT product, batch FROM package WHERE tag = $1", tag(90))
        moved = await conn.fetch(
            "SELECT kind, source_document FROM movement WHERE id = ANY($1::bigint[])",
            taken.value.movement_ids,
        )
    assert (child["product"], child["batch"]) == (world.product_id, world.batch_id)
    assert {(m["kind"], m["source_document"]) for m in moved} == {("repack", f"sample:{row.id}")}
    await assert_ledger_balances()

    result = await sync.drain(new_uow(), world.ca.location_id, owner="test")

    assert result.sent == 1
    [created] = metrc.log.find("POST", "/packages/v2", operation_id="PostPackages")
    [body] = created.body
    assert (body["Tag"], body["Quantity"], body["IsTradeSample"]) == (tag(90), 1.5, True)
    assert body["Ingredients"] == [
        {"Package": world.tag, "Quantity": 1.5, "UnitOfMeasure": "Grams"}
    ]
    assert metrc.state.package(tag(90)).is_trade_sample
    assert metrc.state.package(world.tag).quantity == Decimal("8.5")
    metrc.log.assert_no_violations()


async def test_the_child_sample_is_handed_out_from_its_own_tag(world, metrc):
    metrc.state.issue_tags([tag(92)])
    await adjustment_reasons.set_mapping(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        adjustment_reasons.SetReasonMapping(
            world.ca.location_id, AdjustmentReason.SAMPLE, "Inventory Audit"
        ),
    )
    taken = await _trade(world, "2", new_tag=tag(92))
    await services.hand_out_sample(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        services.CloseSample(world.ca.location_id, taken.value.sample_id),
    )

    result = await sync.drain(new_uow(), world.ca.location_id, owner="test")

    assert result.sent == 2  # created from the parent, then written off as it leaves
    assert metrc.state.package(tag(92)).quantity == 0
    assert metrc.state.package(world.tag).quantity == Decimal(8)
    metrc.log.assert_no_violations()


async def test_a_tag_already_carried_is_refused_and_nothing_is_written(world, metrc):
    metrc.state.issue_tags([tag(93)])
    before = await counts()
    with pytest.raises(TagAlreadyUsed):
        await _trade(world, new_tag=world.tag)
    await _trade(world, new_tag=tag(93))
    after_first = await counts()
    with pytest.raises(TagAlreadyUsed):
        await _trade(world, new_tag=tag(93))
    assert await counts() == after_first != before


async def test_a_tag_the_state_never_issued_is_refused_and_nothing_is_written(world, metrc):
    metrc.state.issue_tags([tag(94)])
    before = await counts()
    with pytest.raises(TagNotInPool):
        await _trade(world, new_tag=tag(95))
    with pytest.raises(ValidationError, match="only trade samples"):
        await take(world, "1", new_tag=tag(94))
    assert await counts() == before
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(10)}


TAKE_CHILD = TAKE.replace("sample { id", "sample { tag parentTag id").replace(
    "... on UserError { message }", "... on UserError { message } ... on TagNotInPool { tag }"
)


async def test_over_graphql_a_pool_tag_is_taken_and_an_unissued_one_refused(
    api, world, metrc, monkeypatch
):
    # The app built its registry before the test: give every registry's CA trade samples.
    book = Registry.state_rulebook
    monkeypatch.setattr(
        Registry,
        "state_rulebook",
        lambda self, code: dataclasses.replace(book(self, code), samples=GENEROUS),
    )
    metrc.state.issue_tags([tag(96)])
    lead = world.ca.token(Role.INVENTORY_LEAD)
    trade = {"kind": "TRADE", "recipient": BUYER}
    refused = await api(TAKE_CHILD, _take(world, **trade, newTag=tag(97)), token=lead)
    taken = await api(TAKE_CHILD, _take(world, **trade, tagFromPool=True), token=lead)

    assert refused["data"]["takeSample"]["__typename"] == "TagNotInPool"
    assert refused["data"]["takeSample"]["tag"] == tag(97)
    sample = taken["data"]["takeSample"]["sample"]
    assert (sample["tag"], sample["parentTag"]) == (tag(96), world.tag)


async def test_a_retried_child_sample_replays_though_its_tag_is_now_carried(world, metrc):
    metrc.state.issue_tags([tag(98)])
    first = await _trade(world, new_tag=tag(98), idempotency_key="trade-1")
    await sync.drain(new_uow(), world.ca.location_id, owner="test")  # the pool no longer has it

    again = await _trade(world, new_tag=tag(98), idempotency_key="trade-1")

    assert again.replayed
    assert again.value == first.value
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(9)}
