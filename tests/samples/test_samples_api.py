"""Samples and lab testing through GraphQL: typed refusals that write nothing, who may do
what, and the lists a front end shows."""

from __future__ import annotations

from domain import db
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import job_ctx
from workers.samples import raise_sample_due_alerts

TAKE = """mutation($input: TakeSampleInput!) { takeSample(input: $input) {
  __typename
  ... on SamplePayload { sample { id kind status quantity rotateBy zone { kind } }
                         movements { kind quantity } replayed }
  ... on UserError { message }
  ... on NotSampleable { tag reason }
  ... on SampleKindNotAllowed { kind state }
  ... on InsufficientStock { available requested }
} }"""

SAMPLES = """query($loc: ID!) {
  samples(locationId: $loc) { id kind status quantity package { tag } }
  samplesDue(locationId: $loc, withinDays: 60) { id overdue }
}"""

RESULT = """mutation($input: RecordLabResultInput!) { recordLabResult(input: $input) {
  __typename
  ... on LabResultPayload { labStatus held { tag status } result { passed analytes { name } } }
  ... on UserError { message }
} }"""


def _take(world, **extra) -> dict:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "tag": world.tag,
            "fromZoneId": str(world.ca.zone(ZoneKind.VAULT)),
            "quantity": "1.5",
            **extra,
        }
    }


async def test_an_inventory_lead_takes_a_display_jar_and_an_auditor_reads_it(api, world):
    lead = world.ca.token(Role.INVENTORY_LEAD)
    answer = (await api(TAKE, _take(world), token=lead))["data"]["takeSample"]

    assert answer["__typename"] == "SamplePayload"
    assert answer["sample"]["zone"]["kind"] == "SAMPLES"
    assert answer["movements"] == [{"kind": "TRANSFER", "quantity": "1.500"}]
    read = await api(
        SAMPLES, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.AUDITOR)
    )
    assert read["data"]["samples"][0]["package"]["tag"] == world.tag
    assert read["data"]["samplesDue"][0]["overdue"] is False

    denied = await api(TAKE, _take(world), token=world.ca.token(Role.AUDITOR))
    assert denied["data"]["takeSample"]["__typename"] == "PermissionDenied"


async def test_refusals_are_typed_and_write_nothing(api, world):
    lead = world.ca.token(Role.INVENTORY_LEAD)
    too_much = await api(TAKE, _take(world, quantity="11"), token=lead)
    trade = await api(TAKE, _take(world, kind="TRADE", recipient="C11-1-LIC"), token=lead)

    assert too_much["data"]["takeSample"]["__typename"] == "InsufficientStock"
    assert trade["data"]["takeSample"]["__typename"] == "SampleKindNotAllowed"
    assert trade["data"]["takeSample"]["state"] == "CA"
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM sample") == 0


async def test_the_due_sweep_job_alerts_each_overdue_jar_once(api, world):
    await api(TAKE, _take(world), token=world.ca.token(Role.INVENTORY_LEAD))
    async with db.connection() as conn:
        await conn.execute("UPDATE sample SET rotate_by = rotate_by - 45")
    assert await raise_sample_due_alerts(job_ctx()) == {"alerted": 1}
    assert await raise_sample_due_alerts(job_ctx()) == {"alerted": 0}


async def test_a_failed_certificate_holds_the_batch_through_the_api(api, world):
    variables = {
        "input": {
            "locationId": str(world.ca.location_id),
            "batchId": str(world.batch_id),
            "analytes": [{"name": "Total THC", "passed": True}, {"name": "Mold", "passed": False}],
            "coaUrl": "https://lab.example/coa/1.pdf",
        }
    }
    answer = await api(RESULT, variables, token=world.ca.token(Role.COMPLIANCE))
    result = answer["data"]["recordLabResult"]
    assert result["labStatus"] == "FAILED"
    assert result["held"] == [{"tag": world.tag, "status": "ON_HOLD"}]

    variables["input"]["batchId"] = "424242"
    unknown = await api(RESULT, variables, token=world.ca.token(Role.COMPLIANCE))
    assert unknown["data"]["recordLabResult"]["__typename"] == "NotFound"
