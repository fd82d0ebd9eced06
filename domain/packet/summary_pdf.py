"""The PDF summary a person reads: the licence and period, then each part's section, the
packet's contents with their SHA-256, and how to re-verify the chains (reportlab platypus; the
chart is drawn by matplotlib's Agg canvas, no display, no pyplot state)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from domain.hashchain import CHAINED_FIELDS
from domain.packet.parts import Chart, Section, TextTable
from domain.packet.writer import Member


@dataclass(frozen=True)
class Cover:
    packet_id: int
    licence_name: str
    license_number: str
    state: str
    state_system: str
    timezone: str
    operator: str
    first: date
    last: date
    start: datetime
    end: datetime
    requested_by: str
    generated_at: datetime


_STYLES = getSampleStyleSheet()
_BODY = _STYLES["BodyText"]
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_MONO = ParagraphStyle("mono", parent=_BODY, fontName="Courier", fontSize=6.5, leading=8)
_GRID = TableStyle(
    [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5dd")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(table: TextTable) -> list[Flowable]:
    if not table.rows:
        return []
    grid = Table([list(table.header), *[list(r) for r in table.rows]], repeatRows=1, hAlign="LEFT")
    grid.setStyle(_GRID)
    caption = [Paragraph(_text(table.caption), _SMALL)] if table.caption else []
    return [*caption, grid, Spacer(1, 6)]


def _chart(chart: Chart) -> Flowable:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.4), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.labels)))
    bottom_pos = [0.0] * len(positions)
    bottom_neg = [0.0] * len(positions)
    for name, values in chart.series.items():
        # Write-ons (negative) stack downwards from zero, losses upwards.
        base = [
            bp if v >= 0 else bn for v, bp, bn in zip(values, bottom_pos, bottom_neg, strict=True)
        ]
        axes.bar(positions, values, bottom=base, label=name)
        for i, v in enumerate(values):
            if v >= 0:
                bottom_pos[i] += v
            else:
                bottom_neg[i] += v
    step = max(1, len(positions) // 14)
    shown = positions[::step]
    axes.set_xticks(shown, [chart.labels[i] for i in shown], fontsize=7, rotation=45, ha="right")
    axes.tick_params(axis="y", labelsize=7)
    axes.set_ylabel(chart.unit, fontsize=8)
    axes.set_title(chart.title, fontsize=9)
    axes.axhline(0, color="black", linewidth=0.5)
    # The legend sits beside the plot, never over the bars.
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png")
    png.seek(0)
    return Image(png, width=7 * inch, height=3.4 * inch)


def _section(section: Section) -> list[Flowable]:
    # The heading stays with its figures (and chart); long tables may run on.
    head: list[Flowable] = [Paragraph(_text(section.title), _STYLES["Heading2"])]
    head += [Paragraph(_text(line), _BODY) for line in section.lines]
    if section.chart is not None:
        head.append(_chart(section.chart))
    tables: list[Flowable] = []
    for table in section.tables:
        tables += _table(table)
    return [KeepTogether(head + tables[:2]), *tables[2:]]


def _cover(cover: Cover) -> list[Flowable]:
    facts = [
        ("Licence", f"{cover.licence_name} ({cover.license_number})"),
        ("Operator", cover.operator),
        ("State", f"{cover.state}, state system {cover.state_system}"),
        ("Period", f"{cover.first.isoformat()} to {cover.last.isoformat()} ({cover.timezone})"),
        ("Instants", f"{cover.start.isoformat()} up to {cover.end.isoformat()} (excluded)"),
        ("Packet", f"#{cover.packet_id}, requested by {cover.requested_by}"),
        ("Built", cover.generated_at.isoformat(timespec="seconds")),
    ]
    grid = Table([[k, Paragraph(_text(v), _BODY)] for k, v in facts], colWidths=[1.1 * inch, None])
    grid.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTSIZE", (0, 0), (-1, -1), 9)])
    )
    return [Paragraph(f"Audit packet: {_text(cover.licence_name)}", _STYLES["Title"]), grid]


def _contents(members: Sequence[Member]) -> list[Flowable]:
    rows = [["File", "Rows", "Bytes", "SHA-256"]]
    rows += [[m.name, str(m.rows), str(m.size), Paragraph(m.sha256, _MONO)] for m in members]
    grid = Table(
        rows,
        colWidths=[1.5 * inch, 0.7 * inch, 0.8 * inch, 3.2 * inch],
        repeatRows=1,
        hAlign="LEFT",
    )
    grid.setStyle(_GRID)
    intro = Paragraph(
        "Every CSV of this packet, its data rows (the header line excluded) and the SHA-256"
        " of its bytes. contents.csv repeats this list.",
        _BODY,
    )
    return [KeepTogether([Paragraph("Contents", _STYLES["Heading2"]), intro, grid])]


REVERIFY = (
    "The ledger is append-only and every package's movements form a SHA-256 hash chain: each"
    " movement's hash covers its facts and the hash of the package's previous movement, so"
    " changing, removing or reordering any past movement breaks every later link. To re-verify"
    " from this packet alone:",
    "1. Compare the SHA-256 of each CSV with the contents table above.",
    "2. In movements.csv, group the rows by package_id and order them by sequence. For each row"
    " compute SHA-256 of previous_hash, a '|' and the JSON object of the fields "
    + ", ".join(CHAINED_FIELDS)
    + " (ids as numbers, empty cells as null, quantity with trailing zeros removed,"
    " occurred_at exactly as written, keys sorted, no spaces). It must equal the row's hash,"
    " and each row's previous_hash must equal the hash of the package's previous row.",
    "3. For each tag, the first row's previous_hash must equal head_before_period in"
    " chain_heads.csv and the last row's hash head_at_period_end. The heads digest above must"
    " equal the SHA-256 of the lines 'tag,last_sequence,head_at_period_end' (one per row, in"
    " the file's order, each ending in a newline).",
    "4. Continuity: head_at_period_end must reappear as head_before_period in the next period's"
    " packet, and head_now (the head when this packet was built) is what the licence's ledger"
    " verification reports for that tag today. A chain verified this way cannot have been"
    " edited after the heads were recorded.",
)


def render(cover: Cover, sections: Sequence[Section], members: Sequence[Member]) -> bytes:
    """The summary PDF."""
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.7 * inch,
        title=f"Audit packet {cover.license_number} {cover.first} to {cover.last}",
        author="LeafLedger",
    )
    flow: list[Flowable] = [*_cover(cover), Spacer(1, 8)]
    for section in sections:
        flow += _section(section)
    flow += _contents(members)
    flow.append(Paragraph("How to re-verify the chains", _STYLES["Heading2"]))
    flow += [Paragraph(_text(line), _SMALL) for line in REVERIFY]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            0.75 * inch,
            0.45 * inch,
            f"{cover.license_number} audit packet #{cover.packet_id},"
            f" {cover.first} to {cover.last} - page {doc.page}",
        )
        canvas.restoreState()

    document.build(flow, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
