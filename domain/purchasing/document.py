"""The purchase order as a PDF: what the vendor receives (and the store files) when it is sent.

One page per ~30 lines, letter size: the buyer (operator, licence), the vendor with its licence
and contact, the order's reference, dates and payment terms, then each line with the vendor's
SKU, quantity, unit cost and line total. Rendered from the stored order each time it is asked
for, so the document always says what the order says (``invariant``: the same order gives the
same bytes, not a new timestamp each time).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain import db
from domain.purchasing import queries
from domain.quantities import display

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Buyer:
    operator_name: str
    location_name: str
    license_number: str


@dataclass(frozen=True)
class OrderDocument:
    order: queries.PurchaseOrderRow
    vendor: queries.VendorRow
    buyer: Buyer

    @property
    def filename(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.order.reference)
        return f"purchase-order-{safe}.pdf"


async def order_document(purchase_order_id: int) -> OrderDocument | None:
    """Everything the PDF and the vendor's webhook say about an order."""
    order = await queries.purchase_order(purchase_order_id)
    if order is None:
        return None
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT o.name AS operator_name, l.name AS location_name, l.license_number,"
            " l.operator FROM location l JOIN operator o ON o.id = l.operator WHERE l.id = $1",
            order.location_id,
        )
    if row is None:
        return None
    vendor = await queries.vendor(row["operator"], order.vendor_id)
    if vendor is None:
        return None
    return OrderDocument(
        order, vendor, Buyer(row["operator_name"], row["location_name"], row["license_number"])
    )


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.01')):,}"


def render(document: OrderDocument) -> bytes:
    """The order as PDF bytes."""
    order, vendor, buyer = document.order, document.vendor, document.buyer
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]

    def text(value: str, style=body) -> Paragraph:
        return Paragraph(escape(value), style)

    vendor_lines = [vendor.name, f"Licence {vendor.license_number or '—'}"]
    vendor_lines += [
        v for v in (vendor.contact_name, vendor.contact_email, vendor.contact_phone) if v
    ]
    buyer_lines = [buyer.operator_name, buyer.location_name, f"Licence {buyer.license_number}"]
    parties = Table(
        [
            [text("Vendor", styles["Heading4"]), text("Ship to", styles["Heading4"])],
            [
                Paragraph("<br/>".join(escape(v) for v in vendor_lines), body),
                Paragraph("<br/>".join(escape(v) for v in buyer_lines), body),
            ],
        ],
        colWidths=[3.5 * inch, 3.5 * inch],
    )
    days = ", ".join(WEEKDAY_NAMES[d] for d in vendor.order_weekdays) or "any day"
    facts = [
        f"Status: {order.status.replace('_', ' ')}",
        f"Approved: {order.approved_at:%Y-%m-%d}" if order.approved_at else "Not yet approved",
        f"Sent: {order.sent_at:%Y-%m-%d}" if order.sent_at else "Not yet sent",
        f"Expected: {order.expected_date:%Y-%m-%d}" if order.expected_date else "Expected: —",
        f"Payment terms: {vendor.payment_terms or '—'}",
        f"Vendor takes orders: {days}",
    ]
    rows: list[list[object]] = [
        ["Vendor SKU", "Our SKU", "Product", "Quantity", "Unit cost", "Total"]
    ]
    for line in order.lines:
        total = None if line.unit_cost is None else line.expected_quantity * line.unit_cost
        rows.append(
            [
                text(line.vendor_sku or "—", small),
                text(line.sku, small),
                text(line.product_name, small),
                f"{display(line.expected_quantity)} {line.unit}",
                _money(line.unit_cost),
                _money(total),
            ]
        )
    rows.append(["", "", "", "", "Order total", _money(order.total_cost)])
    lines = Table(
        rows,
        colWidths=[1.0 * inch, 1.0 * inch, 2.3 * inch, 1.1 * inch, 0.8 * inch, 0.8 * inch],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        text(f"Purchase order {order.reference}", styles["Title"]),
        parties,
        Spacer(1, 0.15 * inch),
        Paragraph("<br/>".join(escape(f) for f in facts), body),
        Spacer(1, 0.15 * inch),
        lines,
    ]
    if order.note:
        story += [Spacer(1, 0.15 * inch), text(f"Note: {order.note}")]
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=letter,
        title=f"Purchase order {order.reference}",
        author=buyer.operator_name,
        invariant=1,
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
    )
    pdf.build(story)
    return out.getvalue()
