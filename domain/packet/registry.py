"""The parts every packet is built from, in order (``domain.packet.parts`` says what a part is).

To add a section to every packet, append one ``Part`` here: its rows stream into
``<name>.csv`` and its tally, if it has one, into the PDF summary. For example the change log,
whose rows come from a streaming ``change_log_rows(conn, location_id, start, end)``::

    Part("change_log", "Change log", CHANGE_LOG_HEADER, change_log_rows)
"""

from __future__ import annotations

from domain.packet.compliance_parts import COUNTS, DISCREPANCIES, DIVERSION_FLAGS, STATE_REPORTS
from domain.packet.ledger_parts import CHAIN_HEADS, MOVEMENTS, ROLLUP, STOCK
from domain.packet.parts import PacketPart
from domain.packet.trade_parts import ADJUSTMENTS, DESTRUCTIONS, RECEIPTS, SALES, VOIDS

PARTS: list[PacketPart] = [
    STOCK,
    ROLLUP,
    MOVEMENTS,
    SALES,
    VOIDS,
    RECEIPTS,
    ADJUSTMENTS,
    DESTRUCTIONS,
    COUNTS,
    STATE_REPORTS,
    DISCREPANCIES,
    DIVERSION_FLAGS,
    CHAIN_HEADS,
]
