"""The change log's pure rules: what counts as a change, what is never written, the chain."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.changelog.model import (
    GENESIS,
    REDACTED,
    check_link,
    diff,
    is_secret,
    row_hash,
)


def test_only_the_fields_that_changed_are_kept():
    before = {"price": Decimal("12.0000"), "unit_cost": Decimal("5.5"), "name": "Kush"}
    after = {"price": Decimal("14.5"), "unit_cost": Decimal("5.5000"), "name": "Kush"}
    assert diff(before, after) == ({"price": "12"}, {"price": "14.5"})


def test_a_created_entity_has_no_before_and_no_empty_fields():
    assert diff(None, {"sku": "A", "brand": None, "expires_on": date(2030, 1, 31)}) == (
        {},
        {"sku": "A", "expires_on": "2030-01-31"},
    )


def test_secrets_are_redacted_by_name_even_nested_and_a_change_still_shows():
    before = {"credentials": "enc:old", "settings": {"api_key": "k1", "facility": "F-1"}}
    after = {"credentials": "enc:new", "settings": {"api_key": "k2", "facility": "F-1"}}
    old, new = diff(before, after)
    assert old == {"credentials": REDACTED, "settings": {"api_key": REDACTED, "facility": "F-1"}}
    assert new == {"credentials": REDACTED, "settings": {"api_key": REDACTED, "facility": "F-1"}}
    assert "k1" not in repr((old, new))
    assert "enc:new" not in repr((old, new))


def test_names_of_secrets():
    for name in (
        "password",
        "secret",
        "pin_hash",
        "user_key",
        "vendor_key",
        "signing_secret",
        "token",
        "password_hash",
        "credentials",
    ):
        assert is_secret(name), name
    for name in ("has_pin", "api_key_id", "name", "price", "lab_status", "every_days"):
        assert not is_secret(name), name


def _row(sequence: int, prev: str, **extra) -> dict:
    row = {
        "id": sequence * 10,
        "chain": "location:1",
        "sequence": sequence,
        "operator_id": 1,
        "location_id": 1,
        "actor_kind": "user",
        "user_id": 7,
        "api_key_id": None,
        "client": "till",
        "occurred_at": datetime(2026, 12, 1, 12, 0, sequence, tzinfo=UTC),
        "operation": "updateProduct",
        "entity_type": "product",
        "entity_id": "3",
        "before": {"price": "12"},
        "after": {"price": "14.5"},
        "prev_hash": prev,
        **extra,
    }
    row["hash"] = row_hash(prev, row)
    return row


def test_a_chain_links_and_an_edit_or_a_gap_is_named():
    first = _row(1, GENESIS)
    second = _row(2, first["hash"])
    assert check_link("location:1", 1, GENESIS, first) is None
    assert check_link("location:1", 2, first["hash"], second) is None
    edited = {**second, "after": {"price": "1"}}
    found = check_link("location:1", 2, first["hash"], edited)
    assert found is not None
    assert (found.id, found.reason) == (20, "row content does not match its hash")
    gap = check_link("location:1", 2, first["hash"], _row(3, second["hash"]))
    assert gap is not None
    assert gap.reason == "row 2 of the chain is missing"
