"""A blind count leaks nothing: while it is open, its counter and witness learn the books'
quantity of what they count from no query (the count itself, packages, balances, movements, stock
totals), and see it once they submit; everyone else's screens are unchanged."""

from __future__ import annotations

import json
from decimal import Decimal

from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.sales.helpers import floor_package
from tests.support.world import PASSWORD

# A quantity no other number in the world spells, so its absence from an answer means something.
BOOKS = "7.321"

START = """mutation($input: StartCountInput!) { startCount(input: $input) {
  __typename ... on CountSessionPayload { session { id status } }
  ... on UserError { message } } }"""
WITNESS = """mutation($input: JoinCountAsWitnessInput!) { joinCountAsWitness(input: $input) {
  __typename ... on UserError { message } } }"""
LINES = """mutation($input: RecordCountLinesInput!) { recordCountLines(input: $input) {
  __typename ... on CountLinesPayload { recorded alreadyRecorded findings }
  ... on UserError { message } } }"""
SUBMIT = """mutation($input: CountSessionInput!) { submitCount(input: $input) {
  __typename ... on CountSessionPayload { session { status } } ... on UserError { message } } }"""
SESSION = """query($id: ID!) { countSession(id: $id) {
  status expectedVisible varianceUnits varianceGrams varianceValue
  unscannedPackages { tag quantity }
  lines { tag countedQuantity expectedAtStart nettedQuantity expectedQuantity variance
          varianceValue package { quantity balances { quantity } } } } }"""
STOCK = """query($loc: ID!, $zone: ID!, $tag: String!) {
  packages(locationId: $loc, filter: {zoneId: $zone}) { edges { node { tag quantity } } }
  package(locationId: $loc, tag: $tag) {
    quantity balances { quantity zone { id } } movements { edges { node { quantity } } } }
  movements(locationId: $loc) { edges { node { quantity } } }
  stockSummary(locationId: $loc) { quantity zone { id } }
  zones(locationId: $loc) { id totals { quantity } } }"""


async def _ok(api, document: str, variables: dict, token: str) -> dict:
    result = await api(document, variables, token=token)
    assert "errors" not in result, result
    return result["data"]


async def test_the_counter_and_witness_learn_nothing_until_they_submit(api, world):
    tag, _ = await floor_package(world, BOOKS)
    loc, floor = str(world.ca.location_id), str(world.ca.zone(ZoneKind.SALES_FLOOR))
    counter = world.ca.token(Role.BUDTENDER)
    witness = world.ca.token(Role.INVENTORY_LEAD)
    started = await _ok(api, START, {"input": {"locationId": loc, "zoneIds": [floor]}}, counter)
    session_id = started["startCount"]["session"]["id"]
    joined = await _ok(
        api,
        WITNESS,
        {
            "input": {
                "sessionId": session_id,
                "email": world.as_(Role.INVENTORY_LEAD).email,
                "secret": PASSWORD,
            }
        },
        counter,
    )
    assert joined["joinCountAsWitness"]["__typename"] == "CountSessionPayload"
    lines = {"sessionId": session_id, "lines": [{"lineKey": "1", "tag": tag, "quantity": "5"}]}
    recorded = await _ok(api, LINES, {"input": lines}, counter)
    assert recorded["recordCountLines"]["recorded"] == 1
    stock = {"loc": loc, "zone": floor, "tag": tag}

    for token in (counter, witness):
        answer = json.dumps(
            [
                await _ok(api, SESSION, {"id": session_id}, token),
                await _ok(api, STOCK, stock, token),
            ]
        )
        assert BOOKS not in answer
        assert '"expectedVisible": false' in answer

    # A colleague outside the count sees the floor as always.
    assert BOOKS in json.dumps(await _ok(api, STOCK, stock, world.ca.token(Role.MANAGER)))

    submitted = await _ok(api, SUBMIT, {"input": {"sessionId": session_id}}, counter)
    assert submitted["submitCount"]["session"]["status"] == "recount_required"
    # Still blind while the large variance waits for its recount by someone else.
    assert BOOKS not in json.dumps(await _ok(api, STOCK, stock, counter))
    assert BOOKS in json.dumps(
        await _ok(api, SESSION, {"id": session_id}, world.ca.token(Role.MANAGER))
    )


async def test_after_submission_the_counter_sees_the_variance(api, world):
    tag, _ = await floor_package(world, "10")
    loc, floor = str(world.ca.location_id), str(world.ca.zone(ZoneKind.SALES_FLOOR))
    counter = world.ca.token(Role.BUDTENDER)
    started = await _ok(api, START, {"input": {"locationId": loc, "zoneIds": [floor]}}, counter)
    session_id = started["startCount"]["session"]["id"]
    lines = {"sessionId": session_id, "lines": [{"lineKey": "1", "tag": tag, "quantity": "9.5"}]}
    await _ok(api, LINES, {"input": lines}, counter)
    again = await _ok(api, LINES, {"input": lines}, counter)
    assert again["recordCountLines"]["alreadyRecorded"] == 1
    await _ok(api, SUBMIT, {"input": {"sessionId": session_id}}, counter)
    seen = (await _ok(api, SESSION, {"id": session_id}, counter))["countSession"]
    assert seen["status"] == "submitted"
    assert seen["expectedVisible"] is True
    [line] = seen["lines"]
    assert Decimal(line["expectedQuantity"]) == Decimal(10)
    assert Decimal(line["variance"]) == Decimal("-0.5")
    assert Decimal(seen["varianceGrams"]) == Decimal("-0.5")


SUBSCRIBE = """subscription($id: ID!) { countUpdated(sessionId: $id) { sessionId status lines } }"""


async def test_a_supervisor_screen_sees_lines_arrive_then_the_submission(clean_db, world):
    import asyncio

    from api.app import create_app
    from api.context import Context
    from api.schema import schema
    from domain import settings
    from tests.counts.helpers import line, scan, start, submit
    from tests.support.units import publishing

    tag, _ = await floor_package(world, "10")
    app = create_app(settings.load())
    graphql = app.graphql
    await graphql.broadcaster.start()
    try:
        with publishing(graphql.broadcaster.publish):
            session_id = await start(world)
            context = Context(
                codec=graphql.codec,
                token=world.ca.token(Role.MANAGER),
                broadcaster=graphql.broadcaster,
                units=graphql.units,
            )
            updates = await schema.subscribe(
                SUBSCRIBE, variable_values={"id": str(session_id)}, context_value=context
            )
            assert not isinstance(updates, type(None))  # an async generator, not an error
            seen: asyncio.Queue[dict] = asyncio.Queue()

            async def screen() -> None:
                async for update in updates:
                    await seen.put(update.data["countUpdated"])

            listening = asyncio.ensure_future(screen())
            await asyncio.sleep(0.5)  # the subscription is listening
            await scan(world, session_id, line(tag, "10"), line(tag + "X", "1"))
            await submit(world, session_id)
            shown = [await asyncio.wait_for(seen.get(), 10)]
            while shown[-1]["status"] != "submitted":  # (the start's own update may come late)
                shown.append(await asyncio.wait_for(seen.get(), 10))
            listening.cancel()
    finally:
        await graphql.broadcaster.stop()
    assert {"sessionId": str(session_id), "status": "open", "lines": 2} in shown
    assert shown[-1] == {"sessionId": str(session_id), "status": "submitted", "lines": None}


async def test_the_counter_reads_no_quantity_of_a_counted_package_in_the_discrepancies(api, world):
    from domain import db

    tag, _ = await floor_package(world, BOOKS)
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,"
            " difference, first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)"
            " VALUES ($1, $2, 'quantity_differs', $3, 8, 0.679, 0, 0, now(), now(), 'open')",
            world.ca.location_id,
            tag,
            Decimal(BOOKS),
        )
    loc, floor = str(world.ca.location_id), str(world.ca.zone(ZoneKind.SALES_FLOOR))
    counter = world.ca.token(Role.BUDTENDER)
    await _ok(api, START, {"input": {"locationId": loc, "zoneIds": [floor]}}, counter)
    query = """query($loc: ID!) { discrepancies(locationId: $loc) { edges { node {
      tag ourQuantity stateQuantity physicalQuantity } } } }"""
    [edge] = (await _ok(api, query, {"loc": loc}, counter))["discrepancies"]["edges"]
    assert edge["node"] == {
        "tag": tag,
        "ourQuantity": None,
        "stateQuantity": None,
        "physicalQuantity": None,
    }
    manager_view = await _ok(api, query, {"loc": loc}, world.ca.token(Role.MANAGER))
    assert Decimal(manager_view["discrepancies"]["edges"][0]["node"]["ourQuantity"]) == Decimal(
        BOOKS
    )
