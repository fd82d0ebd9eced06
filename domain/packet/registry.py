"""The parts every packet is built from, in order (``domain.packet.parts`` says what a part is).

To add a section to every packet, append one ``Part`` here: its rows stream into
``<name>.csv`` and its tally, if it has one, into the PDF summary (the change log is one such:
``domain/packet/change_log_part.py``).
"""

from __future__ import annotations

from domain.packet.change_log_part import CHANGE_LOG
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
    CHANGE_LOG,
    CHAIN_HEADS,
]
