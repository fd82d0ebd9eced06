"""The METRC double itself: it accepts what METRC documents, refuses what it does not, keeps state
like METRC (receipts take quantity, voids give it back, POST is not idempotent) and misbehaves
exactly as programmed. Plugin tests rely on all of this, so it is proven here first.
No database: only the double's HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.doubles.metrc import (
    Casing,
    DeliveryPackage,
    MetrcDouble,
    PackageStatus,
    WriteAnswer,
    metrc_double,
    metrc_double_async,
)
from tests.doubles.metrc.description import load_api
from tests.doubles.metrc.ratelimit import RateLimits
from tests.doubles.metrc.validation import RequestValidator

EXAMPLES = load_api().example_bodies  # METRC's own bodies, from spec/ca-v2-endpoints.txt


def tag(n: int) -> str:
    return f"1A4060300000000000{n:06d}"


def sale(external: str, label: str, quantity: float = 1.0, **extra: Any) -> list[dict[str, Any]]:
    receipt = {
        "SalesDateTime": "2024-05-01T10:15:00.000",
        "ExternalReceiptNumber": external,
        "SalesCustomerType": "Consumer",
        "Transactions": [
            {
                "PackageLabel": label,
                "Quantity": quantity,
                "UnitOfMeasure": "Grams",
                "TotalAmount": 25,
            }
        ],
    }
    return [receipt | extra]


@pytest.fixture(scope="module")
def server() -> Iterator[MetrcDouble]:
    with metrc_double() as double:
        yield double


@pytest.fixture
def metrc(server: MetrcDouble) -> MetrcDouble:
    server.reset()
    return server


@pytest.fixture
def http(metrc: MetrcDouble) -> Iterator[httpx.Client]:
    with metrc.client() as client:
        yield client


@pytest.fixture
def lic(metrc: MetrcDouble) -> dict[str, str]:
    return {"licenseNumber": metrc.license_number}


# -- the published description ----------------------------------------------------------------


def test_description_merges_metrcs_example_properties_the_yaml_lacks() -> None:
    api = load_api()
    assert len(api.operations) == 222
    assert api.operation("GetSaleReceiptExternal").template == (
        "/sales/v2/receipts/external/{externalNumber}"
    )
    assert "[].ExternalReceiptNumber" in api.example_only[("POST", "/sales/v2/receipts")]
    assert api.match("GET", "/packages/v2/1A4060300000000000000001").operation.operation_id == (
        "GetPackageByLabel"
    )
    assert api.match("GET", "/packages/v2/42").operation.operation_id == "GetPackageById"


# -- valid requests accepted ------------------------------------------------------------------


def test_adjust_accepts_metrcs_example_body(metrc: MetrcDouble, http: httpx.Client, lic) -> None:
    body = EXAMPLES[("POST", "/packages/v2/adjust")]
    for row in body:
        metrc.state.add_package(row["Label"], "Blue Dream", 10, "Ounces")
    response = http.post("/packages/v2/adjust", params=lic, json=body)
    assert response.status_code == 200, response.text
    assert metrc.state.package(body[0]["Label"]).quantity == 8
    assert metrc.state.package(body[1]["Label"]).quantity == 11
    assert [a.reason for a in metrc.state.adjustments()] == ["Drying", "Scale Variance"]
    metrc.log.assert_no_violations()


def test_receipt_examples_post_then_put(metrc: MetrcDouble, http: httpx.Client, lic) -> None:
    body = EXAMPLES[("POST", "/sales/v2/receipts")]
    for line in body[0]["Transactions"]:
        metrc.state.add_package(line["PackageLabel"], "Gelato", 5, "Ounces")
    posted = http.post("/sales/v2/receipts", params=lic, json=body)
    assert posted.status_code == 200, posted.text
    [receipt_id] = posted.json()["Ids"]
    labels = [line["PackageLabel"] for line in body[0]["Transactions"]]
    assert [metrc.state.package(label).quantity for label in labels] == [4, 4]
    update = copy.deepcopy(EXAMPLES[("PUT", "/sales/v2/receipts")])
    update[0]["Id"] = receipt_id
    assert http.put("/sales/v2/receipts", params=lic, json=update).status_code == 200
    assert [metrc.state.package(label).quantity for label in labels] == [4, 3]
    assert metrc.state.receipt(receipt_id).external_receipt_number == "ABC-123"
    metrc.log.assert_no_violations()


def test_pascal_and_camel_case_bodies_are_both_accepted(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    pascal = {"Label": tag(1), "Quantity": -1, "UnitOfMeasure": "Grams"}
    camel = {"label": tag(1), "quantity": -1, "unitOfMeasure": "Grams"}
    for row in (pascal, camel):
        row |= {"AdjustmentReason": "Drying", "AdjustmentDate": "2024-05-01", "ReasonNote": None}
        assert http.post("/packages/v2/adjust", params=lic, json=[row]).status_code == 200
    assert metrc.state.package(tag(1)).quantity == 8
    metrc.log.assert_no_violations()


def test_answers_match_the_yamls_response_schemas(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    metrc.state.add_lab_result(tag(1), level=21.5)
    transfer = metrc.state.add_transfer([DeliveryPackage(tag(2), "Runtz", 28)])
    http.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1)))
    package_id = metrc.state.package(tag(1)).id
    delivery_id = transfer.deliveries[0].id
    checks = [  # path, query, the yaml's schema for each element of Data
        ("/packages/v2/active", lic, "Package"),
        ("/packages/v2/adjust/reasons", lic, "PackageAdjustReason"),
        ("/sales/v2/receipts/active", lic, "SaleReceipt"),
        ("/transfers/v2/incoming", lic, "Transfer"),
        (f"/transfers/v2/{transfer.id}/deliveries", {}, "TransferDelivery"),
        (f"/transfers/v2/deliveries/{delivery_id}/packages", {}, "TransferDeliveryPackage"),
        ("/labtests/v2/results", lic | {"packageId": package_id}, "LabTest"),
        ("/unitsofmeasure/v2/active", {}, "UnitOfMeasure"),
    ]
    validator, api = RequestValidator(), load_api()
    for path, params, schema in checks:
        answer = http.get(path, params=params)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.json()["Data"], path
        for item in answer.json()["Data"]:
            problems = validator.check_value(api.schema(schema), item, local_datetimes=False)
            assert problems == [], (path, problems)
    for path, schema in {"/facilities/v2": "Facility", "/wastemethods/v2": "WasteMethod"}.items():
        for item in http.get(path).json():  # plain arrays, no envelope
            problems = validator.check_value(api.schema(schema), item, local_datetimes=False)
            assert problems == [], (path, problems)
    metrc.log.assert_no_violations()


# -- invalid requests refused and recorded --------------------------------------------------------


def test_unknown_property_is_refused_with_its_row(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    body = sale("R-1", tag(1)) + sale("R-2", tag(1), Discount=5)
    response = http.post("/sales/v2/receipts", params=lic, json=body)
    assert response.status_code == 400
    [error] = response.json()
    assert error["row"] == 1
    assert "Discount: unknown property" in error["message"]
    assert metrc.state.receipts() == []
    assert metrc.state.package(tag(1)).quantity == 10
    assert [v.path for v in metrc.log.violations] == ["/sales/v2/receipts"]
    with pytest.raises(AssertionError, match="Discount"):
        metrc.log.assert_no_violations()


def test_wrong_type_and_missing_license_number_are_refused(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    wrong = http.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1), quantity="1"))
    assert wrong.status_code == 400
    assert "Transactions[0].Quantity: expected a number" in wrong.json()[0]["message"]
    missing = http.get("/packages/v2/active")
    assert missing.status_code == 400
    assert missing.json() == [
        {"row": 0, "message": "required query parameter 'licenseNumber' is missing"}
    ]
    assert len(metrc.log.violations) == 2


def test_offset_date_times_unknown_query_parameters_and_endpoints(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    utc = sale("R-1", tag(1), SalesDateTime="2024-05-01T10:15:00Z")
    assert "facility-local time" in http.post("/sales/v2/receipts", params=lic, json=utc).text
    assert http.get("/packages/v2/active", params=lic | {"since": "x"}).status_code == 400
    assert http.get("/transfers/v2/7001/deliveries", params=lic).status_code == 400  # not in yaml
    assert http.get("/packages/v3/active", params=lic).status_code == 404
    not_allowed = http.patch("/packages/v2/active", params=lic)
    assert not_allowed.status_code == 405
    assert not_allowed.headers["Allow"] == "GET"
    assert len(metrc.log.violations) == 5


# -- authentication and facilities ----------------------------------------------------------------


def test_basic_auth_license_numbers_and_permissions(metrc, http, lic) -> None:
    assert httpx.get(f"{metrc.base_url}/facilities/v2/").status_code == 401
    wrong = httpx.get(f"{metrc.base_url}/facilities/v2", auth=(metrc.vendor_key, "nope"))
    assert wrong.status_code == 401
    assert [f["License"]["Number"] for f in http.get("/facilities/v2/").json()] == [
        metrc.license_number
    ]
    metrc.state.add_facility("C10-0000002-LIC", "Someone Else", user_keys=["other-user"])
    other = {"licenseNumber": "C10-0000002-LIC"}
    assert http.get("/packages/v2/active", params=other).status_code == 401
    metrc.state.deny(metrc.license_number, "PostSaleReceipts")
    assert http.post("/sales/v2/receipts", params=lic, json=sale("R", tag(1))).status_code == 403
    metrc.log.assert_no_violations()


# -- state: receipts, voids, duplicates, adjustments, packages -------------------------------------


def test_receipt_reduces_quantity_and_void_restores_it(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", "10.5")
    [receipt_id] = http.post(
        "/sales/v2/receipts", params=lic, json=sale("R-1", tag(1), 3.5)
    ).json()["Ids"]
    assert metrc.state.package(tag(1)).quantity == Decimal(7)
    assert http.delete(f"/sales/v2/receipts/{receipt_id}", params=lic).status_code == 200
    assert metrc.state.package(tag(1)).quantity == Decimal("10.5")
    assert metrc.state.receipt(receipt_id).voided
    assert http.get("/sales/v2/receipts/active", params=lic).json()["Data"] == []
    assert http.get("/sales/v2/receipts/inactive", params=lic).json()["Total"] == 1
    again = http.delete(f"/sales/v2/receipts/{receipt_id}", params=lic)
    assert again.status_code == 400
    assert "archived" in again.json()[0]["message"]


def test_duplicate_post_makes_two_receipts_and_lookup_finds_both(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    for _ in range(2):
        assert http.post("/sales/v2/receipts", params=lic, json=sale("R-7", tag(1))).is_success
    assert metrc.state.package(tag(1)).quantity == 8
    found = http.get("/sales/v2/receipts/external/R-7", params=lic).json()
    assert found["Total"] == 2
    assert {r["ExternalReceiptNumber"] for r in found["Data"]} == {"R-7"}
    assert http.get("/sales/v2/receipts/external/R-8", params=lic).json()["Data"] == []
    first = metrc.log.find("POST", "/sales/v2/receipts")[0]
    assert (first.query, first.body, first.status) == (lic, sale("R-7", tag(1)), 200)
    assert first.response["Ids"]
    assert time.time() - first.timestamp < 60


def test_refusals_apply_nothing(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 2)
    too_much = http.post("/sales/v2/receipts", params=lic, json=sale("R", tag(1), 3))
    assert too_much.status_code == 400
    assert "only 2 available" in too_much.json()[0]["message"]
    row = {
        "Label": tag(1),
        "Quantity": -1,
        "UnitOfMeasure": "Grams",
        "AdjustmentDate": "2024-05-01",
    }
    theft = http.post("/packages/v2/adjust", params=lic, json=[row | {"AdjustmentReason": "Theft"}])
    assert "requires a ReasonNote" in theft.json()[0]["message"]
    long_note = row | {"AdjustmentReason": "Drying", "ReasonNote": "x" * 201}
    assert http.post("/packages/v2/adjust", params=lic, json=[long_note]).status_code == 400
    assert metrc.state.package(tag(1)).quantity == 2
    assert metrc.state.adjustments() == []
    assert len(metrc.log.violations) == 1  # only the over-long note breaks a documented limit


def test_package_lookup_location_finish_and_out_of_band_change(metrc, http, lic) -> None:
    package = metrc.state.add_package(tag(1), "Gelato", 1)
    assert http.get(f"/packages/v2/{tag(1)}", params=lic).json()["Id"] == package.id
    assert http.get(f"/packages/v2/{package.id}", params=lic).json()["Label"] == tag(1)
    assert http.get(f"/packages/v2/{tag(9)}", params=lic).status_code == 404
    move = [
        {"Label": tag(1), "Location": "Vault", "Sublocation": "Shelf 2", "MoveDate": "2024-05-01"}
    ]
    assert http.put("/packages/v2/location", params=lic, json=move).status_code == 200
    finish = [{"Label": tag(1), "ActualDate": "2024-05-01"}]
    assert "still holds 1" in http.put("/packages/v2/finish", params=lic, json=finish).text
    metrc.state.set_quantity(tag(1), 0)  # out of band, e.g. staff in METRC's web UI
    assert http.put("/packages/v2/finish", params=lic, json=finish).status_code == 200
    assert http.get("/packages/v2/inactive", params=lic).json()["Data"][0]["IsFinished"]
    assert http.put("/packages/v2/unfinish", params=lic, json=[{"Label": tag(1)}]).is_success
    active = http.get("/packages/v2/active", params=lic).json()["Data"]
    assert active[0]["LocationName"] == "Vault"
    assert active[0]["Quantity"] == 0
    metrc.state.set_status(tag(1), PackageStatus.ONHOLD)
    assert http.get("/packages/v2/onhold", params=lic).json()["Total"] == 1


def test_transfers_lab_results_and_reference_lists(metrc, http, lic) -> None:
    transfer = metrc.state.add_transfer([DeliveryPackage(tag(2), "Runtz", 28, "Grams")])
    delivery_id = transfer.deliveries[0].id
    incoming = http.get("/transfers/v2/incoming", params=lic).json()["Data"]
    assert incoming[0]["ManifestNumber"] == transfer.manifest_number
    assert incoming[0]["DeliveryId"] == delivery_id
    assert (
        http.get(f"/transfers/v2/{transfer.id}/deliveries").json()["Data"][0]["Id"] == delivery_id
    )
    [item] = http.get(f"/transfers/v2/deliveries/{delivery_id}/packages").json()["Data"]
    assert (item["ShipmentPackageState"], item["ShippedQuantity"], item["ItemName"]) == (
        "Shipped",
        28,
        "Runtz",
    )
    metrc.state.accept_delivery(delivery_id, {tag(2): 27.5})
    assert metrc.state.package(tag(2)).quantity == Decimal("27.5")
    metrc.state.add_lab_result(tag(2), passed=False)
    query = lic | {"packageId": str(metrc.state.package(tag(2)).id)}
    assert http.get("/labtests/v2/results", params=query).json()["Data"][0]["TestPassed"] is False
    assert "TestPassed" in http.get("/labtests/v2/states").json()["Data"]
    assert "Grams" in {u["Name"] for u in http.get("/unitsofmeasure/v2/active").json()["Data"]}
    assert "Consumer" in http.get("/sales/v2/customertypes").json()["Data"]
    assert http.get("/wastemethods/v2").json()[0]["Name"]
    reasons = http.get("/packages/v2/adjust/reasons", params=lic).json()["Data"]
    theft = next(r for r in reasons if r["Name"] == "Theft")
    assert (theft["RequiresNote"], theft["RequiresWasteWeight"]) == (True, False)
    assert http.get("/packages/v2/types").status_code == 501  # offered by METRC, not modelled
    metrc.log.assert_no_violations()


# -- paging and lastModified windows ----------------------------------------------------------


def test_paging_envelope(metrc, http, lic) -> None:
    for n in range(25):
        metrc.state.add_package(tag(n), f"Item {n}", 1)
    everything = http.get("/packages/v2/active", params=lic).json()
    assert (everything["Total"], everything["RecordsOnPage"], everything["TotalPages"]) == (
        25,
        25,
        1,
    )
    page = http.get("/packages/v2/active", params=lic | {"pageSize": 10, "pageNumber": 3}).json()
    assert {k: v for k, v in page.items() if k != "Data"} == {
        "Total": 25,
        "TotalRecords": 25,
        "PageSize": 10,
        "RecordsOnPage": 5,
        "Page": 3,
        "CurrentPage": 3,
        "TotalPages": 3,
    }
    assert [p["Label"] for p in page["Data"]] == [tag(n) for n in range(20, 25)]
    assert http.get("/packages/v2/active", params=lic | {"pageSize": 21}).json()["PageSize"] == 25
    assert http.get("/packages/v2/active", params=lic | {"pageSize": 0}).status_code == 400


def test_last_modified_window_is_at_most_24_hours(metrc, http, lic) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    metrc.state.add_package(tag(1), "Old", 1, last_modified=now - timedelta(hours=30))
    metrc.state.add_package(tag(2), "New", 1, last_modified=now - timedelta(hours=1))
    day = {
        "lastModifiedStart": (now - timedelta(hours=24)).isoformat(),
        "lastModifiedEnd": now.isoformat(),
    }
    answer = http.get("/packages/v2/active", params=lic | day)
    assert [p["Label"] for p in answer.json()["Data"]] == [tag(2)]
    metrc.log.assert_no_violations()
    wide = day | {"lastModifiedStart": (now - timedelta(hours=25)).isoformat()}
    refused = http.get("/packages/v2/active", params=lic | wide)
    assert refused.status_code == 400
    assert "24 hours" in refused.json()[0]["message"]
    assert len(metrc.log.violations) == 1


def test_a_window_sees_packages_changed_or_added_after_an_earlier_listing(metrc, http, lic) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    metrc.state.add_package(tag(1), "Old", 1, last_modified=now - timedelta(hours=30))
    day = {
        "lastModifiedStart": (now - timedelta(hours=24)).isoformat(),
        "lastModifiedEnd": now.isoformat(),
    }

    def listed() -> list[str]:
        return [
            p["Label"] for p in http.get("/packages/v2/active", params=lic | day).json()["Data"]
        ]

    assert listed() == []
    metrc.state.set_last_modified(tag(1), now - timedelta(hours=2))
    metrc.state.add_package(tag(2), "New", 1, last_modified=now - timedelta(hours=1))
    assert sorted(listed()) == [tag(1), tag(2)]
    metrc.state.set_status(tag(2), PackageStatus.FINISHED)  # bumps LastModified to now
    assert listed() == [tag(1)]


# -- faults -----------------------------------------------------------------------------------


def test_canned_faults(metrc, http, lic) -> None:
    metrc.faults.rate_limit(7)
    limited = http.get("/facilities/v2")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    metrc.faults.server_error()
    assert http.get("/facilities/v2").json() == {"Message": "An error has occurred."}
    metrc.faults.server_error(html=True)
    metrc.faults.unavailable()
    metrc.faults.unauthorized()
    for status in (500, 503, 401):
        answer = http.get("/facilities/v2")
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
    assert http.get("/facilities/v2").status_code == 200
    assert [e.fault for e in metrc.log][:5] == [
        "rate-limit",
        "server-error",
        "server-error",
        "unavailable",
        "unauthorized",
    ]


def test_empty_ok_and_row_error_faults_apply_nothing(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    metrc.faults.empty_ok(method="POST", path="/sales/v2/receipts")
    metrc.faults.row_error("Package is locked.", row=0, method="POST")
    assert http.get("/packages/v2/active", params=lic).status_code == 200  # filters skip GETs
    empty = http.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1)))
    assert (empty.status_code, empty.content) == (200, b"")
    row = http.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1)))
    assert row.json() == [{"row": 0, "message": "Package is locked."}]
    assert metrc.state.receipts() == []
    assert metrc.state.package(tag(1)).quantity == 10
    assert metrc.faults.pending == []


def test_counted_faults_down_mode_and_faulted_violations(metrc, http, lic) -> None:
    metrc.faults.unavailable(count=2, path="/facilities")
    assert [http.get("/facilities/v2").status_code for _ in range(3)] == [503, 503, 200]
    metrc.faults.down()
    assert http.get("/unitsofmeasure/v2/active").status_code == 503
    assert http.post("/sales/v2/receipts", params=lic, json=[{"Bogus": 1}]).status_code == 503
    metrc.faults.up()
    assert http.get("/unitsofmeasure/v2/active").status_code == 200
    assert [v.fault for v in metrc.log.violations] == ["down"]  # a fault never hides a bad request


def test_hang_past_client_timeout_with_and_without_applying(metrc, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    with metrc.client(timeout=0.2) as impatient, metrc.client() as patient:
        metrc.faults.hang(2, apply=True, method="POST")
        with pytest.raises(httpx.ReadTimeout):
            impatient.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1)))
        # the write went through although its answer never came: look it up before re-posting
        assert patient.get("/sales/v2/receipts/external/R-1", params=lic).json()["Total"] == 1
        metrc.faults.hang(2, apply=False, method="POST")
        with pytest.raises(httpx.ReadTimeout):
            impatient.post("/sales/v2/receipts", params=lic, json=sale("R-2", tag(1)))
        assert patient.get("/sales/v2/receipts/external/R-2", params=lic).json()["Total"] == 0
        metrc.faults.hang(0.2, apply=True)
        started = time.monotonic()
        assert patient.get("/facilities/v2").status_code == 200
        assert time.monotonic() - started >= 0.2
    assert metrc.state.package(tag(1)).quantity == 9


def test_write_answer_may_be_empty(metrc, http, lic) -> None:
    metrc.state.add_package(tag(1), "Gelato", 10)
    metrc.settings.write_answer = WriteAnswer.EMPTY
    answer = http.post("/sales/v2/receipts", params=lic, json=sale("R-1", tag(1)))
    assert (answer.status_code, answer.content) == (200, b"")
    assert len(metrc.state.receipts()) == 1  # unlike the empty_ok fault, this one was written


# -- rate limiting ------------------------------------------------------------------------------


def test_rate_limit_per_facility_answers_429_with_retry_after(metrc, http, lic) -> None:
    assert metrc.faults.enable_rate_limit().limits == RateLimits(50, 150, 10, 1.0)
    metrc.faults.enable_rate_limit(window_seconds=30)  # same limits, no race with a slow machine
    statuses = [http.get("/packages/v2/active", params=lic).status_code for _ in range(51)]
    assert statuses == [200] * 50 + [429]
    refused = http.get("/packages/v2/active", params=lic)
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert http.post("/sales/v2/receipts", params=lic, json=[]).status_code == 400  # writes pass
    metrc.faults.enable_rate_limit(per_integrator=3, window_seconds=30)
    metrc.state.add_facility("C10-0000002-LIC", "Second Store")
    other = {"licenseNumber": "C10-0000002-LIC"}
    statuses = [http.get("/packages/v2/active", params=p).status_code for p in (lic, other) * 2]
    assert statuses == [200, 200, 200, 429]  # one vendor key, two facilities


async def test_rate_limit_on_concurrent_requests(metrc: MetrcDouble, lic) -> None:
    metrc.faults.enable_rate_limit()
    metrc.faults.hang(5, count=10, path="/packages/v2/active")
    async with metrc.async_client() as http:
        slow = [asyncio.create_task(http.get("/packages/v2/active", params=lic)) for _ in range(10)]
        for _ in range(500):  # until all ten hold their slot (bounded: never spin forever)
            if metrc.faults.rate_limiter.in_flight(metrc.license_number) == 10:
                break
            await asyncio.sleep(0.01)
        eleventh = await http.get("/packages/v2/active", params=lic)
        assert (eleventh.status_code, eleventh.headers["Retry-After"]) == (429, "1")
        metrc.faults.release()  # the ten answer now instead of after 5 s
        assert [r.status_code for r in await asyncio.gather(*slow)] == [200] * 10


async def test_async_helper_runs_its_own_server_answering_in_camel_case() -> None:
    async with metrc_double_async(casing="camel") as metrc, metrc.async_client() as http:
        facilities = (await http.get("/facilities/v2")).json()
        assert facilities[0]["license"]["number"] == metrc.license_number
        metrc.state.add_package(tag(1), "Gelato", 10)
        listed = await http.get("/packages/v2/active", params={"licenseNumber": "C10-0000001-LIC"})
        assert listed.json()["data"][0]["item"]["name"] == "Gelato"
        metrc.settings.casing = Casing.PASCAL
        metrc.reset()  # back to the settings it was started with
        assert metrc.settings.casing is Casing.CAMEL
