"""The generic JSON formats and the signature, as docs/integrations.md documents them (no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from domain.sales.model import Channel, CustomerType
from domain.webhooks import signing
from plugins.builtin import generic_delivery, generic_pos
from plugins.integrations import (
    LEAFLEDGER_SIGNATURE,
    MalformedRequest,
    OrderCancelled,
    OrderItem,
    OrderPlaced,
    PosLine,
    PosSale,
    PosVoid,
    SignatureCheck,
    StatusEvent,
    standard_envelope,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
EXAMPLE_SECRET = "whsec_example"
EXAMPLE_T = 1795802645
EXAMPLE_BODY = (
    b'{"events":[{"id":"evt-1","type":"sale","occurred_at":"2026-11-27T18:04:05Z",'
    b'"register":"R1","receipt_id":"R1-000123","customer_type":"adult_use",'
    b'"customer_key":"c-7f3a","lines":[{"tag":"1A4FF0100000022000000123","quantity":"3.5",'
    b'"unit_price":"10.00"}]}]}'
)
EXAMPLE_V1 = "60bfb4c4757130a4affdb9e417a6cebaaa3a7e93f05eeee3da64e4c7d7be19c3"


def test_the_documented_worked_example_is_right():
    header = signing.sign(EXAMPLE_SECRET, EXAMPLE_T, EXAMPLE_BODY)
    assert header == f"t={EXAMPLE_T},v1={EXAMPLE_V1}"
    docs = DOCS.read_text()
    assert EXAMPLE_BODY.decode() in docs
    assert header in docs
    check = LEAFLEDGER_SIGNATURE.check(
        EXAMPLE_SECRET, Headers({"x-leafledger-signature": header}), EXAMPLE_BODY, EXAMPLE_T + 299
    )
    assert check == SignatureCheck.VALID
    [sale] = generic_pos.parse(EXAMPLE_BODY)
    assert sale == PosSale(
        event_id="evt-1",
        occurred_at=datetime(2026, 11, 27, 18, 4, 5, tzinfo=UTC),
        register="R1",
        receipt_id="R1-000123",
        customer_type=CustomerType.ADULT_USE,
        customer_key="c-7f3a",
        lines=(PosLine("1A4FF0100000022000000123", Decimal("3.5"), Decimal("10.00")),),
    )


@pytest.mark.parametrize(
    ("now", "secret", "header", "expected"),
    [
        (EXAMPLE_T + 300, EXAMPLE_SECRET, "sign", SignatureCheck.VALID),
        (EXAMPLE_T + 301, EXAMPLE_SECRET, "sign", SignatureCheck.STALE),
        (EXAMPLE_T - 301, EXAMPLE_SECRET, "sign", SignatureCheck.STALE),
        (EXAMPLE_T + 301, "whsec_other", "sign", SignatureCheck.INVALID),
        (EXAMPLE_T, EXAMPLE_SECRET, None, SignatureCheck.MISSING),
        (EXAMPLE_T, EXAMPLE_SECRET, "v1=abc", SignatureCheck.INVALID),
    ],
)
def test_signature_checks(now, secret, header, expected):
    headers = {}
    if header == "sign":
        headers["X-LeafLedger-Signature"] = signing.sign(EXAMPLE_SECRET, EXAMPLE_T, EXAMPLE_BODY)
    elif header is not None:
        headers["X-LeafLedger-Signature"] = header
    assert LEAFLEDGER_SIGNATURE.check(secret, Headers(headers), EXAMPLE_BODY, now) == expected


def test_voids_and_numbers_are_read_exactly():
    document = {
        "events": [
            {
                "id": "v",
                "type": "void",
                "occurred_at": "2026-11-27T10:09:00-08:00",
                "register": "R1",
                "receipt_id": "R1-1",
                "reason": "rang up twice",
            },
            {
                "id": "s",
                "type": "sale",
                "occurred_at": "2026-11-27T18:04:05+00:00",
                "register": "R1",
                "receipt_id": "R1-2",
                "customer_type": "medical",
                "patient_license": "PL-1",
                "lines": [{"tag": "T", "quantity": 0.1, "unit_price": 3, "discount": "0.10"}],
            },
        ]
    }
    void, sale = generic_pos.parse(json.dumps(document).encode())
    assert isinstance(void, PosVoid)
    assert void.occurred_at == datetime(2026, 11, 27, 18, 9, tzinfo=UTC)
    assert sale.lines[0] == PosLine("T", Decimal("0.1"), Decimal(3), Decimal("0.10"))
    assert sale.customer_key is None


def test_delivery_orders_by_product_or_tag_and_cancellations():
    document = {
        "events": [
            {
                "id": "p",
                "type": "order.placed",
                "occurred_at": "2026-11-27T18:04:05Z",
                "order_ref": "DD-1",
                "hold_minutes": 30,
                "lines": [{"product_id": "12", "quantity": "2"}, {"tag": "T", "quantity": 1}],
            },
            {
                "id": "c",
                "type": "order.cancelled",
                "occurred_at": "2026-11-27T18:05:00Z",
                "order_ref": "DD-1",
            },
        ]
    }
    placed, cancelled = generic_delivery.parse_order(json.dumps(document).encode())
    assert isinstance(placed, OrderPlaced)
    assert isinstance(cancelled, OrderCancelled)
    assert placed.lines == (OrderItem(Decimal(2), product_id=12), OrderItem(Decimal(1), tag="T"))
    assert (placed.channel, placed.hold_minutes) == (Channel.DELIVERY, 30)
    assert cancelled.reason == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hold_minutes": 0}, "hold_minutes: must be 1 to 10080"),
        ({"lines": [{"product_id": 2**31, "quantity": "1"}]}, "product_id: must be 1 to"),
        ({"lines": [{"product_id": True, "quantity": "1"}]}, "product_id: must be an integer"),
        ({"lines": [{"product_id": 1, "tag": "T", "quantity": "1"}]}, "either product_id or tag"),
        ({"channel": "drone"}, "channel: must be one of pickup, delivery"),
        ({"order_ref": " "}, "order_ref: must be a non-empty string"),
        ({"customer_key": "k" * 129}, "customer_key: at most 128 characters"),
        ({"lines": []}, "lines: must be a non-empty array"),
    ],
)
def test_malformed_orders_name_the_field(change, message):
    event = {
        "id": "p",
        "type": "order.placed",
        "occurred_at": "2026-11-27T18:04:05Z",
        "order_ref": "DD-1",
        "lines": [{"product_id": 1, "quantity": "1"}],
        **change,
    }
    with pytest.raises(MalformedRequest) as refused:
        generic_delivery.parse_order(json.dumps({"events": [event]}).encode())
    assert str(refused.value).startswith("body.events[0]")
    assert message in str(refused.value)


def test_events_refuse_bad_fields_whoever_builds_them():
    """Third-party adapters get the same checks: the domain never sees a float or a naive time."""
    at = datetime.now(UTC)
    line = PosLine("T", Decimal(1), Decimal(1))
    with pytest.raises(MalformedRequest, match="quantity"):
        PosLine("T", 1.5, Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(MalformedRequest, match="occurred_at"):
        PosVoid("e", datetime.now(), "R1", "1", "x")
    with pytest.raises(MalformedRequest, match="id"):
        PosVoid("", at, "R1", "1", "x")
    with pytest.raises(MalformedRequest, match="register"):
        PosSale("e", at, 7, "1", CustomerType.ADULT_USE, (line,))  # type: ignore[arg-type]
    with pytest.raises(MalformedRequest, match="lines"):
        PosSale("e", at, "R1", "1", CustomerType.ADULT_USE, ("T",))  # type: ignore[arg-type]
    with pytest.raises(MalformedRequest, match="patient_license"):
        PosSale("e", at, "R1", "1", CustomerType.MEDICAL, (line,), patient_license="p" * 65)
    with pytest.raises(MalformedRequest, match="product_id"):
        OrderItem(Decimal(1), product_id="12")  # type: ignore[arg-type]


def test_the_standard_envelope_matches_the_outbound_body():
    from domain.webhooks.delivery import body_of

    at = datetime(2026, 11, 27, 18, 4, 6, tzinfo=UTC)
    row = {
        "event_id": "reservation:1:x",
        "event": "reservation.created",
        "created_at": at,
        "payload": {"reservation_id": 1, "status": "held"},
    }
    envelope = standard_envelope(StatusEvent(row["event_id"], row["event"], at), row["payload"])
    assert json.loads(body_of(row)) == envelope
