"""Who may do what, and which moves a package may take."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.catalog.model import LabStatus
from domain.errors import ValidationError
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.inventory.rules import PackageState, check_adjustment, movement_refusal
from domain.organisation.model import ZoneKind
from domain.roles import Capability, Role, allows


def _package(**changes) -> PackageState:
    base = dict(
        id=1,
        tag="1A4FF0100000022000000123",
        location_id=1,
        product_id=1,
        unit="grams",
        status=PackageStatus.ACTIVE,
        lab_status=LabStatus.PASSED,
        expires_on=date(2027, 1, 1),
        sell_by=None,
        movement_count=0,
        last_hash="0" * 64,
        local_today=date(2026, 11, 27),
    )
    base.update(changes)
    return PackageState(**base)


def test_budtenders_move_floor_stock_but_never_vault_stock():
    assert allows(Role.BUDTENDER, Capability.MOVE_FLOOR_STOCK)
    assert not allows(Role.BUDTENDER, Capability.MOVE_VAULT_STOCK)
    assert allows(Role.INVENTORY_LEAD, Capability.MOVE_VAULT_STOCK)


def test_auditors_only_read():
    # An audit packet request writes the request and its file, never the books.
    assert [c for c in Capability if allows(Role.AUDITOR, c)] == [
        Capability.READ,
        Capability.READ_DIVERSION,
        Capability.EXPORT_BOOKS,  # reading the books out as CSV changes nothing
        Capability.AUDIT_PACKETS,
    ]


def test_held_stock_may_go_to_quarantine_but_not_the_floor():
    held = _package(status=PackageStatus.ON_HOLD)
    assert movement_refusal(held, MovementKind.TRANSFER, ZoneKind.QUARANTINE) is None
    assert "on hold" in movement_refusal(held, MovementKind.TRANSFER, ZoneKind.SALES_FLOOR)


@pytest.mark.parametrize("lab", [LabStatus.PENDING, LabStatus.FAILED])
def test_stock_without_a_passing_lab_result_never_reaches_the_floor(lab):
    refusal = movement_refusal(
        _package(lab_status=lab), MovementKind.TRANSFER, ZoneKind.SALES_FLOOR
    )
    assert refusal is not None
    assert str(lab) in refusal


def test_expired_stock_never_reaches_the_floor():
    expired = _package(expires_on=date(2026, 11, 26))
    assert "expired" in movement_refusal(expired, MovementKind.TRANSFER, ZoneKind.SALES_FLOOR)


def test_theft_cannot_add_stock_and_other_needs_words():
    with pytest.raises(ValidationError):
        check_adjustment(AdjustmentReason.THEFT, Decimal(1), "found it")
    with pytest.raises(ValidationError):
        check_adjustment(AdjustmentReason.OTHER, Decimal(-1), "  ")
    check_adjustment(AdjustmentReason.COUNT_CORRECTION, Decimal(1), None)
