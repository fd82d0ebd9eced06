"""Drawing package labels as a PDF for a 4 × 2 inch label printer (reportlab; pure: rows in,
bytes out, no I/O).

One label per page at the label's own size, so a thermal printer prints one per page. The
package tag is printed three ways: as text, as a Code 128 barcode across the label (bars at least
0.8 pt, three dots of a 203 dpi printer, with quiet zones) and as a QR code. The state's part
(its fields, warning in bold capitals at 6 pt, what is not printed) flows on: when a state's
warning does not fit under the barcode (California's is ~450 characters), it moves whole to a
second page headed with the tag (the informational panel), never cut in two and never at a
smaller type than the state allows.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from domain.labels.model import LabelRow, StatePanel, cannabinoids, net_quantity

WIDTH, HEIGHT = 4 * inch, 2 * inch
MARGIN = 6.0
QR_SIZE = 62.0
BAR_HEIGHT = 24.0
# Code 128 wants ten modules of white either side; bars no thinner than 0.8 pt.
QUIET_MODULES = 10
MAX_BAR_WIDTH, MIN_BAR_WIDTH = 1.2, 0.8
REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
STATE_SIZE = 6.0  # CA: 6-point at least; CO: 1/16 in (4.5 pt)
STATE_LEADING = 6.8
CONTINUED_TOP = HEIGHT - MARGIN - 11  # under a continuation page's heading


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class _Line:
    text: str
    font: str


def _state_blocks(panel: StatePanel, width: float) -> list[list[_Line]]:
    """The state's part as blocks of wrapped lines (fields, each warning in bold, the note of
    what is not printed); a block is kept on one page when it can be."""
    blocks: list[tuple[str, str]] = []
    if panel.fields:
        blocks.append((" · ".join(panel.fields), REGULAR))
    blocks.extend((warning, BOLD) for warning in panel.warnings)
    if panel.not_printed:
        blocks.append((f"Required, not printed here: {', '.join(panel.not_printed)}.", REGULAR))
    return [
        [_Line(text, font) for text in simpleSplit(words, font, STATE_SIZE, width)]
        for words, font in blocks
    ]


def _capacity(top: float) -> int:
    """How many state lines fit between ``top`` and the bottom margin."""
    return max(0, int((top - STATE_SIZE - (MARGIN - 1)) // STATE_LEADING) + 1)


def paginate(blocks: Sequence[Sequence[_Line]], first: int, then: int) -> list[list[_Line]]:
    """Lines per page: ``first`` fit on the label's own page, ``then`` on each continuation.
    A block that does not fit where it would start moves whole to the next page (a government
    warning is not cut in two across labels) unless it is longer than a page by itself."""
    pages: list[list[_Line]] = [[]]
    room = first
    for block in blocks:
        lines = list(block)
        if len(lines) > room and len(lines) <= then and pages[-1]:
            pages.append([])
            room = then
        while lines:
            if room == 0:
                pages.append([])
                room = then
            taken, lines = lines[:room], lines[room:]
            pages[-1].extend(taken)
            room -= len(taken)
    return pages


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line, cut with an ellipsis if it would run past ``width``."""
    lines = simpleSplit(text, font, size, width)
    if len(lines) <= 1:
        return text
    return lines[0].rstrip() + "…"


def _qr(canvas: Canvas, tag: str, x: float, y: float) -> None:
    """A QR code of ``tag``, ``QR_SIZE`` square (its own four-module white border inside)."""
    widget = qr.QrCodeWidget(tag, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE,
        QR_SIZE,
        transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0],
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _code128(canvas: Canvas, tag: str, y: float) -> None:
    modules = code128.Code128(tag, barWidth=1, quiet=False).width
    usable = WIDTH - 2 * MARGIN
    bar = max(MIN_BAR_WIDTH, min(MAX_BAR_WIDTH, usable / (modules + 2 * QUIET_MODULES)))
    barcode = code128.Code128(
        tag, barWidth=bar, barHeight=BAR_HEIGHT, quiet=False, humanReadable=False
    )
    barcode.drawOn(canvas, (WIDTH - barcode.width) / 2, y)


def _primary(canvas: Canvas, row: LabelRow, panel: StatePanel) -> float:
    """The label's own part; returns the y under which the state's part may start."""
    _qr(canvas, row.tag, WIDTH - MARGIN - QR_SIZE + 4, HEIGHT - MARGIN - QR_SIZE + 4)
    text_width = WIDTH - 2 * MARGIN - QR_SIZE
    y = HEIGHT - MARGIN - 8
    if panel.infused_statement:
        canvas.setFont(BOLD, 7)
        canvas.drawString(MARGIN, y, "Cannabis-infused")
        y -= 10
    canvas.setFont(BOLD, 10)
    canvas.drawString(MARGIN, y, _fit(row.product, BOLD, 10, text_width))
    y -= 9
    kind = row.category.replace("_", " ") + (f" · {row.brand}" if row.brand else "")
    canvas.setFont(REGULAR, 6.5)
    canvas.drawString(MARGIN, y, _fit(kind, REGULAR, 6.5, text_width))
    facts = [
        f"Batch: {row.batch_number or '—'}",
        cannabinoids(row),
        f"Net: {net_quantity(row)}",
        f"Packaged: {row.packaged_on.isoformat() if row.packaged_on else '—'}"
        f"   Expires: {row.expires_on.isoformat() if row.expires_on else '—'}",
    ]
    for fact in facts:
        y -= 8.2
        canvas.setFont(REGULAR, 7)
        canvas.drawString(MARGIN, y, _fit(fact, REGULAR, 7, text_width))
    bar_y = y - 4 - BAR_HEIGHT
    _code128(canvas, row.tag, bar_y)
    canvas.setFont(BOLD, 7)
    canvas.drawCentredString(WIDTH / 2, bar_y - 7.5, row.tag)
    return bar_y - 9


def _draw_lines(canvas: Canvas, lines: Sequence[_Line], top: float) -> None:
    y = top - STATE_SIZE
    for line in lines:
        canvas.setFont(line.font, STATE_SIZE)
        canvas.drawString(MARGIN, y, line.text)
        y -= STATE_LEADING


def render(
    labels: Sequence[tuple[LabelRow, StatePanel]], title: str = "Package labels"
) -> Rendered:
    """The PDF of ``labels``, each as one page or more (see the module's docstring)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor("LeafLedger")
    pages = 0
    for row, panel in labels:
        blocks = _state_blocks(panel, WIDTH - 2 * MARGIN)
        top = _primary(canvas, row, panel)
        parts = paginate(blocks, _capacity(top), _capacity(CONTINUED_TOP))
        _draw_lines(canvas, parts[0], top)
        pages += 1
        for part, lines in enumerate(parts[1:], start=2):
            canvas.showPage()
            pages += 1
            more = f"continued ({part})"
            room = WIDTH - 2 * MARGIN - canvas.stringWidth(more, BOLD, 7) - 8
            canvas.setFont(BOLD, 7)
            heading = _fit(f"{row.tag} · {row.product}", BOLD, 7, room)
            canvas.drawString(MARGIN, HEIGHT - MARGIN - 7, heading)
            canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 7, more)
            _draw_lines(canvas, lines, CONTINUED_TOP)
        canvas.showPage()
    canvas.save()
    return Rendered(out.getvalue(), pages)
