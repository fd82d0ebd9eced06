"""The METRC double's in-memory world: facilities, keys, packages, receipts, transfers, lab results.

Why this module exists: tests seed it (add a facility, a package, an incoming transfer), the
double's HTTP handlers read and write it from the server thread, and tests then assert on it
("the package lost 3.5 g", "two receipts exist"). Everything goes through one lock because the
server runs in another thread. Reads hand out copies so a test never races the server.

``set_quantity`` / ``set_status`` change a package without any API call, to simulate what the
state's own staff or another integrator did out of band.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar

from . import packaging, rules, sales
from .index import LastModifiedIndex
from .records import (
    DEFAULT_ADJUST_REASONS,
    Adjustment,
    AdjustReason,
    Delivery,
    DeliveryPackage,
    Facility,
    LabResult,
    Package,
    PackageStatus,
    Receipt,
    Transfer,
)
from .rules import Row, Store

DEFAULT_VENDOR_KEY = "test-vendor-key"
DEFAULT_USER_KEY = "test-user-key"
DEFAULT_LICENSE = "C10-0000001-LIC"
DEFAULT_FACILITY_NAME = "Green Door Dispensary"

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class MetrcState:
    def __init__(
        self,
        *,
        vendor_key: str = DEFAULT_VENDOR_KEY,
        user_key: str = DEFAULT_USER_KEY,
        license_number: str = DEFAULT_LICENSE,
        facility_name: str = DEFAULT_FACILITY_NAME,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._lock = threading.RLock()
        self._by_last_modified = LastModifiedIndex()
        self._seed = (vendor_key, user_key, license_number, facility_name)
        self._clock = clock
        self._store = Store(clock=clock)
        self.reset()

    # -- seeding ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything and re-create the default vendor key, user key and facility."""
        vendor_key, user_key, license_number, name = self._seed
        with self._lock:
            self._store = Store(clock=self._clock)
            self._store.vendor_keys.add(vendor_key)
            self._store.users[user_key] = set()
            self.add_facility(license_number, name, user_keys=[user_key])

    def add_facility(
        self,
        license_number: str,
        name: str,
        *,
        user_keys: Iterable[str] | None = None,
        license_type: str = "Commercial - Retailer",
    ) -> Facility:
        """A facility the given users (default: the default user) may act for."""
        with self._lock:
            facility = Facility(license_number, name, license_type)
            self._store.facilities[license_number] = facility
            self._store.reasons[license_number] = [copy.copy(r) for r in DEFAULT_ADJUST_REASONS]
            for key in self._seed[1:2] if user_keys is None else user_keys:
                self._store.users.setdefault(key, set()).add(license_number)
            return copy.copy(facility)

    def add_vendor_key(self, vendor_key: str) -> None:
        with self._lock:
            self._store.vendor_keys.add(vendor_key)

    def add_user(self, user_key: str, license_numbers: Iterable[str] = ()) -> None:
        with self._lock:
            self._store.users.setdefault(user_key, set()).update(license_numbers)

    def revoke_user(self, user_key: str) -> None:
        with self._lock:
            self._store.users.pop(user_key, None)

    def deny(self, license_number: str, operation_id: str) -> None:
        """The user lacks the permission for ``operation_id`` (e.g. "PostSaleReceipts") → 403."""
        with self._lock:
            self._store.denied.add((license_number, operation_id))

    def set_adjust_reasons(self, license_number: str, reasons: Iterable[AdjustReason]) -> None:
        with self._lock:
            self._store.reasons[license_number] = list(reasons)

    def set_finish_requires_zero(self, value: bool) -> None:
        """By default finishing a package that still holds quantity is refused."""
        with self._lock:
            self._store.finish_requires_zero = value

    def add_package(
        self,
        label: str,
        item_name: str,
        quantity: Decimal | int | float | str,
        unit_of_measure: str = "Grams",
        *,
        license_number: str | None = None,
        status: PackageStatus | str = PackageStatus.ACTIVE,
        item_category: str = "Flower",
        lab_testing_state: str = "TestPassed",
        location_name: str | None = None,
        last_modified: datetime | None = None,
        packaged_date: date | None = None,
    ) -> Package:
        license_number = license_number or self._seed[2]
        with self._lock:
            if label in self._store.packages:
                raise ValueError(f"package {label} already exists")
            if license_number not in self._store.facilities:
                raise ValueError(f"unknown facility {license_number}")
            now = last_modified or self._clock()
            package = Package(
                id=self._store.next_id("package", start=100001),
                label=label,
                license_number=license_number,
                item_id=self._store.next_id("item", start=5001),
                item_name=item_name,
                quantity=Decimal(str(quantity)),
                unit_of_measure=unit_of_measure,
                status=PackageStatus(status),
                last_modified=now,
                item_category=item_category,
                lab_testing_state=lab_testing_state,
                location_name=location_name,
                packaged_date=packaged_date or now.date(),
            )
            self._store.packages[label] = package
            return copy.copy(package)

    def set_quantity(self, label: str, quantity: Decimal | int | float | str) -> None:
        """Out-of-band change at the state (not through the API); bumps LastModified."""
        with self._lock:
            package = self._store.packages[label]
            package.quantity = Decimal(str(quantity))
            package.last_modified = self._clock()

    def set_status(self, label: str, status: PackageStatus | str) -> None:
        with self._lock:
            package = self._store.packages[label]
            package.status = PackageStatus(status)
            package.last_modified = self._clock()

    def set_last_modified(self, label: str, when: datetime) -> None:
        with self._lock:
            self._store.packages[label].last_modified = when

    def add_transfer(
        self,
        packages: Iterable[DeliveryPackage],
        *,
        license_number: str | None = None,
        shipper_license_number: str = "C11-0000999-LIC",
        shipper_name: str = "Emerald Distribution",
        manifest_number: str | None = None,
        estimated_arrival: datetime | None = None,
    ) -> Transfer:
        """An incoming transfer with one delivery to ``license_number`` holding ``packages``."""
        license_number = license_number or self._seed[2]
        with self._lock:
            now = self._clock()
            transfer_id = self._store.next_id("transfer", start=7001)
            items = [copy.copy(p) for p in packages]
            for item in items:
                item.package_id = item.package_id or self._store.next_id("package", start=100001)
            delivery = Delivery(
                id=self._store.next_id("delivery", start=9001),
                transfer_id=transfer_id,
                recipient_license_number=license_number,
                recipient_name=self._store.facilities[license_number].name,
                packages=items,
                estimated_arrival=estimated_arrival or now,
            )
            transfer = Transfer(
                id=transfer_id,
                manifest_number=manifest_number or f"{transfer_id:010d}",
                shipper_license_number=shipper_license_number,
                shipper_name=shipper_name,
                created_at=now,
                last_modified=now,
                deliveries=[delivery],
            )
            self._store.transfers[transfer_id] = transfer
            return copy.deepcopy(transfer)

    def accept_delivery(
        self, delivery_id: int, received: dict[str, Decimal | int | float | str] | None = None
    ) -> list[Package]:
        """What staff do in METRC's web UI: accept the packages (optionally with other received
        quantities); they become active packages of the recipient."""
        received = received or {}
        with self._lock:
            transfer, delivery = self._delivery(delivery_id)
            now = self._clock()
            created = []
            for item in delivery.packages:
                quantity = Decimal(str(received.get(item.label, item.shipped_quantity)))
                item.received_quantity = quantity
                item.shipment_package_state = "Accepted"
                package = self.add_package(
                    item.label,
                    item.item_name,
                    quantity,
                    item.unit_of_measure,
                    license_number=delivery.recipient_license_number,
                    item_category=item.item_category,
                    lab_testing_state=item.lab_testing_state,
                )
                self._store.packages[item.label].id = item.package_id
                self._store.packages[item.label].received_from_manifest = transfer.manifest_number
                created.append(self.package(package.label))
            delivery.received_at = now
            transfer.last_modified = now
            return created

    def add_lab_result(
        self,
        label: str,
        test_type_name: str = "Total THC (%) Raw Plant Material",
        *,
        passed: bool = True,
        level: float | None = None,
        performed: date | None = None,
        released: bool = True,
        revoked: date | None = None,
    ) -> LabResult:
        with self._lock:
            package = self._store.packages[label]
            result = LabResult(
                result_id=self._store.next_id("labresult", start=300001),
                package_id=package.id,
                label=label,
                test_type_name=test_type_name,
                passed=passed,
                level=level,
                performed=performed or self._clock().date(),
                product_name=package.item_name,
                overall_passed=passed,
                released=released,
                revoked=revoked,
            )
            self._store.lab_results.append(result)
            # OverallPassed speaks for the package's whole result: one failed test fails it.
            mine = [r for r in self._store.lab_results if r.package_id == package.id]
            for r in mine:
                r.overall_passed = all(x.passed for x in mine if x.revoked is None)
            return copy.copy(result)

    # -- reads (copies) -------------------------------------------------------------------

    def facility(self, license_number: str) -> Facility | None:
        with self._lock:
            return copy.deepcopy(self._store.facilities.get(license_number))

    def facilities_of(self, user_key: str) -> list[Facility]:
        with self._lock:
            allowed = self._store.users.get(user_key, set())
            return [copy.copy(f) for n, f in self._store.facilities.items() if n in allowed]

    def now(self) -> datetime:
        return self._clock()

    def package(self, label: str) -> Package:
        """The package (a copy); KeyError when unknown."""
        with self._lock:
            return copy.copy(self._store.packages[label])

    def find_package(self, label: str) -> Package | None:
        with self._lock:
            return copy.copy(self._store.packages.get(label))

    def package_by_id(self, package_id: int) -> Package | None:
        with self._lock:
            found = next((p for p in self._store.packages.values() if p.id == package_id), None)
            return copy.copy(found)

    def packages(
        self,
        license_number: str | None = None,
        where: Callable[[Package], bool] | None = None,
        modified: tuple[datetime | None, datetime | None] | None = None,
    ) -> list[Package]:
        """Packages of ``license_number`` (all facilities when None) that pass ``where``.

        ``where`` runs before copying: listing one day's window of a 100,000-package facility
        must not copy all of them. With ``modified`` (first, last LastModified, inclusive) and a
        licence, only that window is looked at, through an index: METRC answers a day's window
        without reading the facility's whole history, and neither should its stand-in.
        """
        with self._lock:
            candidates: Iterable[Package] = self._store.packages.values()
            if modified is not None and license_number is not None:
                candidates = self._by_last_modified.between(self._store, license_number, *modified)
            return [
                copy.copy(p)
                for p in candidates
                if (license_number is None or p.license_number == license_number)
                and (where is None or where(p))
            ]

    def adjust_reasons(self, license_number: str) -> list[AdjustReason]:
        with self._lock:
            return copy.deepcopy(self._store.reasons.get(license_number, []))

    def adjustments(self, license_number: str | None = None) -> list[Adjustment]:
        with self._lock:
            return [
                copy.copy(a)
                for a in self._store.adjustments
                if license_number is None or a.license_number == license_number
            ]

    def receipts(self, license_number: str | None = None) -> list[Receipt]:
        """All receipts (voided ones included, see ``Receipt.voided``) in creation order."""
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._store.receipts.values()
                if license_number is None or r.license_number == license_number
            ]

    def receipt(self, receipt_id: int) -> Receipt | None:
        with self._lock:
            return copy.deepcopy(self._store.receipts.get(receipt_id))

    def transfers(self, license_number: str | None = None) -> list[Transfer]:
        """Transfers with a delivery to ``license_number`` (all when None)."""
        with self._lock:
            return [
                copy.deepcopy(t)
                for t in self._store.transfers.values()
                if license_number is None
                or any(d.recipient_license_number == license_number for d in t.deliveries)
            ]

    def transfer(self, transfer_id: int) -> Transfer | None:
        with self._lock:
            return copy.deepcopy(self._store.transfers.get(transfer_id))

    def _delivery(self, delivery_id: int) -> tuple[Transfer, Delivery]:
        for transfer in self._store.transfers.values():
            for delivery in transfer.deliveries:
                if delivery.id == delivery_id:
                    return transfer, delivery
        raise KeyError(delivery_id)

    def delivery(self, delivery_id: int) -> Delivery | None:
        with self._lock:
            try:
                return copy.deepcopy(self._delivery(delivery_id)[1])
            except KeyError:
                return None

    def lab_results(self, package_id: int) -> list[LabResult]:
        with self._lock:
            return [copy.copy(r) for r in self._store.lab_results if r.package_id == package_id]

    # -- access ----------------------------------------------------------------------------

    def licenses_for(self, vendor_key: str, user_key: str) -> frozenset[str] | None:
        """License numbers the key pair may act for; None when METRC would answer 401."""
        with self._lock:
            if vendor_key not in self._store.vendor_keys or user_key not in self._store.users:
                return None
            return frozenset(self._store.users[user_key])

    def is_denied(self, license_number: str, operation_id: str) -> bool:
        with self._lock:
            return (license_number, operation_id) in self._store.denied

    # -- writes (called by the HTTP handlers; raise rules.Refused) ---------------------------

    def _write(self, action: Callable[..., T], *args: object) -> T:
        with self._lock:
            return action(self._store, *args)

    def adjust(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(rules.adjust, license_number, rows)

    def create_packages(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(packaging.create_packages, license_number, rows)

    def issue_tags(self, labels: list[str], license_number: str | None = None) -> None:
        """The state issues package tags to a facility (its tag order arrived)."""
        with self._lock:
            pool = self._store.tag_pool.setdefault(license_number or self._seed[2], [])
            pool.extend(labels)

    def available_tags(self, license_number: str) -> list[dict[str, object]]:
        return self._write(packaging.available_tags, license_number)

    def record_receipts(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(sales.record_receipts, license_number, rows)

    def update_receipts(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(sales.update_receipts, license_number, rows)

    def void_receipt(self, license_number: str, receipt_id: int) -> None:
        self._write(sales.void_receipt, license_number, receipt_id)

    def set_final(self, license_number: str, rows: list[Row], final: bool) -> list[int]:
        return self._write(sales.set_final, license_number, rows, final)

    def move(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(rules.move, license_number, rows)

    def finish(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(rules.finish, license_number, rows)

    def unfinish(self, license_number: str, rows: list[Row]) -> list[int]:
        return self._write(rules.unfinish, license_number, rows)
