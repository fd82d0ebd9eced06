"""The METRC double's LabTests endpoints: results per package (released, revoked, overall
verdict), test types and batches, each answer valid against the description's schemas, and
our requests validated as every other call is. No database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from tests.doubles.metrc import MetrcDouble, metrc_double
from tests.doubles.metrc.description import load_api
from tests.doubles.metrc.validation import RequestValidator

LABEL = "1A4060300000000000777777"


@pytest.fixture(scope="module")
def server() -> Iterator[MetrcDouble]:
    with metrc_double() as double:
        yield double


@pytest.fixture
def metrc(server: MetrcDouble) -> MetrcDouble:
    server.reset()
    server.state.add_package(LABEL, "Gelato", 10)
    return server


@pytest.fixture
def http(metrc: MetrcDouble) -> Iterator[httpx.Client]:
    with metrc.client() as client:
        yield client


def _valid(schema: str, items: list) -> None:
    validator, api = RequestValidator(), load_api()
    for item in items:
        problems = validator.check_value(api.schema(schema), item, local_datetimes=False)
        assert problems == [], (schema, problems)


def test_one_failed_test_fails_the_packages_overall_result(metrc, http):
    metrc.state.add_lab_result(LABEL, level=21.5)
    metrc.state.add_lab_result(LABEL, "Pesticides", passed=False)
    package_id = metrc.state.package(LABEL).id
    query = {"licenseNumber": metrc.license_number, "packageId": package_id}

    data = http.get("/labtests/v2/results", params=query).json()["Data"]

    assert [(r["TestTypeName"], r["TestPassed"]) for r in data] == [
        ("Total THC (%) Raw Plant Material", True),
        ("Pesticides", False),
    ]
    assert {r["OverallPassed"] for r in data} == {False}
    _valid("LabTest", data)
    metrc.log.assert_no_violations()


def test_unreleased_and_revoked_results_are_listed_as_such(metrc, http):
    metrc.state.add_lab_result(LABEL, released=False)
    metrc.state.add_lab_result(LABEL, "Pesticides", passed=False, revoked=date(2026, 1, 2))
    query = {"licenseNumber": metrc.license_number, "packageId": metrc.state.package(LABEL).id}

    unreleased, revoked = http.get("/labtests/v2/results", params=query).json()["Data"]

    assert (unreleased["ResultReleased"], unreleased["ResultReleaseDateTime"]) == (False, None)
    assert revoked["RevokedDate"] == "2026-01-02"
    assert unreleased["OverallPassed"] is True  # a revoked failure no longer counts
    _valid("LabTest", [unreleased, revoked])


def test_types_and_batches_are_served_from_the_description(metrc, http):
    types = http.get("/labtests/v2/types").json()["Data"]
    [batch] = http.get("/labtests/v2/batches").json()["Data"]
    assert "Pesticides" in {t["Name"] for t in types}
    assert len(batch["LabTestTypes"]) == len(types)
    _valid("LabTestType", types)
    _valid("LabTestBatch", [batch])
    metrc.log.assert_no_violations()


def test_a_results_request_without_its_package_is_refused(metrc, http):
    answer = http.get("/labtests/v2/results", params={"licenseNumber": metrc.license_number})
    assert answer.status_code == 400
    assert metrc.log.entries[-1].violation
