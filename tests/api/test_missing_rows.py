"""A payload whose row is not there answers NotFound (a member of the mutation's union), never a
server error from building a GraphQL type out of nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.compliance import resolvers as compliance
from api.errors import NotFound
from api.receiving import resolvers as receiving
from domain.compliance import queries as compliance_queries
from domain.errors import NotFound as DomainNotFound
from domain.receiving import queries as receiving_queries
from domain.service import Outcome

MISSING = 987_654_321


async def test_a_discrepancy_that_is_not_there_is_answered_not_found(clean_db: str) -> None:
    answer = await compliance._discrepancy(
        SimpleNamespace(context=None),
        Outcome(SimpleNamespace(discrepancy_id=MISSING, movement_ids=[])),
    )

    assert isinstance(answer, NotFound)
    assert (answer.entity, answer.key) == ("discrepancy", str(MISSING))
    assert await compliance_queries.discrepancy(MISSING) is None


async def test_a_state_report_that_is_not_there_reads_as_none(clean_db: str) -> None:
    # A missing report is answered before the caller's blind-count scope is looked at.
    assert await compliance._report(SimpleNamespace(context=None), MISSING) is None
    assert await compliance_queries.report(MISSING) is None


async def test_a_shipment_that_is_not_there_is_answered_not_found(clean_db: str) -> None:
    answer = await receiving._payload(Outcome(SimpleNamespace(shipment_id=MISSING)))

    assert isinstance(answer, NotFound)
    assert (answer.entity, answer.key) == ("shipment", str(MISSING))


async def test_a_scan_of_a_session_that_is_not_there_names_the_session(clean_db: str) -> None:
    scan = receiving.ScanPayload(
        tag="1A4000000000000000000001",
        decision="accepted",
        received_quantity=1,  # type: ignore[arg-type]
        destination="vault",
        replayed=False,
        session_id=MISSING,
    )

    assert await receiving_queries.session_shipment(MISSING) is None
    with pytest.raises(DomainNotFound) as raised:
        await scan.shipment()
    assert raised.value.entity == "receiving session"


async def test_create_user_finds_each_licence_and_its_operator(world) -> None:
    from domain.organisation.queries import LocationOwner, locations_by_license_numbers

    found = await locations_by_license_numbers(["C10-0000001-LIC", "402R-00001", "NO-SUCH"])

    assert sorted(found, key=lambda o: o.id) == [
        LocationOwner(world.ca.location_id, world.ca.operator_id),
        LocationOwner(world.co.location_id, world.co.operator_id),
    ]
