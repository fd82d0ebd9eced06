"""Authorization matrix entries for samples and lab testing (issue 13): inventory leads,
managers and compliance take samples and send product to a lab; recording or pulling a
lab result holds or releases stock, so it is for those who may hold stock."""

from __future__ import annotations

from typing import Any

from domain.organisation.model import ZoneKind
from tests.api.authz_cases import (
    HOLDERS,
    LOCATION_ADMINS,
    VAULT_STAFF,
    Case,
    Places,
    _by_input,
    fresh,
)

SAMPLERS = VAULT_STAFF


async def _take_sample(places: Places, loc: int, role) -> dict[str, Any]:
    tag, _ = await places.package(loc, ZoneKind.VAULT)
    return {
        "locationId": str(loc),
        "tag": tag,
        "fromZoneId": str(places.zone(loc, ZoneKind.VAULT)),
        "quantity": "1",
    }


async def _sample(places: Places, loc: int, role) -> dict[str, Any]:
    data = await places.as_admin(
        loc,
        """mutation($input: TakeSampleInput!) { takeSample(input: $input) {
             __typename ... on SamplePayload { sample { id } } } }""",
        {"input": await _take_sample(places, loc, role)},
    )
    return {"locationId": str(loc), "sampleId": data["takeSample"]["sample"]["id"]}


async def _rotation(places: Places, loc: int, role) -> dict[str, Any]:
    return {"locationId": str(loc), "everyDays": 14}


async def _create_lab_sample(places: Places, loc: int, role) -> dict[str, Any]:
    tag, _ = await places.package(loc, ZoneKind.VAULT)
    return {
        "locationId": str(loc),
        "tag": tag,
        "fromZoneId": str(places.zone(loc, ZoneKind.VAULT)),
        "quantity": "1",
        "labLicense": "C8-0000001-LIC",
        "sampleCode": fresh("LS"),
    }


async def _lab_sample(places: Places, loc: int, role, *, sent: bool = False) -> dict[str, Any]:
    data = await places.as_admin(
        loc,
        """mutation($input: CreateLabSampleInput!) { createLabSample(input: $input) {
             __typename ... on LabSamplePayload { labSample { id } } } }""",
        {"input": await _create_lab_sample(places, loc, role)},
    )
    step = {"locationId": str(loc), "labSampleId": data["createLabSample"]["labSample"]["id"]}
    if sent:
        await places.as_admin(
            loc,
            """mutation($input: LabSampleStepInput!) { sendLabSample(input: $input) {
                 __typename } }""",
            {"input": step},
        )
    return step


async def _receive(places: Places, loc: int, role) -> dict[str, Any]:
    return {**await _lab_sample(places, loc, role, sent=True), "quantity": "0.5"}


async def _sent(places: Places, loc: int, role) -> dict[str, Any]:
    return await _lab_sample(places, loc, role, sent=True)


async def _lab_result(places: Places, loc: int, role) -> dict[str, Any]:
    _, batch_id = await places.product_stocked_at(loc)
    return {
        "locationId": str(loc),
        "batchId": str(batch_id),
        "analytes": [{"name": "Total THC", "passed": True}],
    }


async def _pull(places: Places, loc: int, role) -> dict[str, Any]:
    tag, _ = await places.package(loc, ZoneKind.VAULT)
    return {"locationId": str(loc), "tag": tag}


SAMPLE_CASES: dict[str, Case] = {
    "takeSample": _by_input("takeSample", "TakeSampleInput", _take_sample, SAMPLERS),
    "rotateSample": _by_input("rotateSample", "CloseSampleInput", _sample, SAMPLERS),
    "handOutSample": _by_input("handOutSample", "CloseSampleInput", _sample, SAMPLERS),
    "setSampleRotation": _by_input(
        "setSampleRotation", "SampleRotationInput", _rotation, LOCATION_ADMINS
    ),
    "createLabSample": _by_input(
        "createLabSample", "CreateLabSampleInput", _create_lab_sample, SAMPLERS
    ),
    "sendLabSample": _by_input("sendLabSample", "LabSampleStepInput", _lab_sample, SAMPLERS),
    "receiveLabSample": _by_input("receiveLabSample", "LabSampleStepInput", _receive, SAMPLERS),
    "writeOffLabSample": _by_input("writeOffLabSample", "LabSampleStepInput", _sent, SAMPLERS),
    "recordLabResult": _by_input("recordLabResult", "RecordLabResultInput", _lab_result, HOLDERS),
    "pullLabResults": _by_input("pullLabResults", "PullLabResultsInput", _pull, HOLDERS),
}
