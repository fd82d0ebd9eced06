"""The purchase order's state machine (pure: no I/O).

draft → approved → sent → partially received → received → closed; a draft or an approved order
may be cancelled; a sent order nobody will deliver, or one partly received whose rest will never
come, may be closed (what was not received stops counting as on order). Only a draft is edited:
once a manager approved the quantities and prices, changing them means cancelling and drafting
again, so the approval always covers what is sent.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import IllegalPurchaseOrderTransition, PurchaseOrderNotEditable
from domain.purchasing.model import PurchaseOrderStatus

S = PurchaseOrderStatus


class Action(enum.StrEnum):
    APPROVE = "approve"
    SEND = "send"
    RECEIVE = "receive"
    CLOSE = "close"
    CANCEL = "cancel"


# (from, action) -> to. RECEIVE's target depends on the quantities: see ``after_receipt``.
_MOVES: dict[tuple[S, Action], S] = {
    (S.DRAFT, Action.APPROVE): S.APPROVED,
    (S.APPROVED, Action.SEND): S.SENT,
    (S.SENT, Action.RECEIVE): S.RECEIVED,
    (S.PARTIALLY_RECEIVED, Action.RECEIVE): S.RECEIVED,
    (S.RECEIVED, Action.RECEIVE): S.RECEIVED,
    (S.SENT, Action.CLOSE): S.CLOSED,
    (S.PARTIALLY_RECEIVED, Action.CLOSE): S.CLOSED,
    (S.RECEIVED, Action.CLOSE): S.CLOSED,
    (S.DRAFT, Action.CANCEL): S.CANCELLED,
    (S.APPROVED, Action.CANCEL): S.CANCELLED,
}

# The status each action aims at, named in a refusal.
_TARGET = {
    Action.APPROVE: S.APPROVED,
    Action.SEND: S.SENT,
    Action.RECEIVE: S.RECEIVED,
    Action.CLOSE: S.CLOSED,
    Action.CANCEL: S.CANCELLED,
}


def allowed(status: S | str, action: Action) -> bool:
    return (S(status), action) in _MOVES


def transition(purchase_order_id: int, status: S | str, action: Action) -> S:
    """The status ``action`` takes an order in ``status`` to (RECEIVE: the most it can reach,
    see ``after_receipt``); ``IllegalPurchaseOrderTransition`` naming both when the machine has
    no such move."""
    status = S(status)
    target = _MOVES.get((status, action))
    if target is None:
        raise IllegalPurchaseOrderTransition(purchase_order_id, str(status), str(_TARGET[action]))
    return target


def require_editable(purchase_order_id: int, status: S | str) -> None:
    """Lines, dates and notes change only while the order is a draft."""
    if S(status) != S.DRAFT:
        raise PurchaseOrderNotEditable(purchase_order_id, str(S(status)))


@dataclass(frozen=True)
class LineQuantities:
    """One line's totals over every shipment received against the order."""

    expected: Decimal
    received: Decimal
    rejected: Decimal

    @property
    def short(self) -> Decimal:
        """Ordered but neither received nor refused at the dock: it never came."""
        return max(self.expected - self.received - self.rejected, Decimal(0))

    @property
    def complete(self) -> bool:
        return self.received >= self.expected


def after_receipt(purchase_order_id: int, status: S | str, lines: Iterable[LineQuantities]) -> S:
    """Where a receipt leaves the order: received once every line's quantity is in stock,
    else partially received (rejected stock may still be replaced). A closed or cancelled
    order, or one never sent, cannot be received against."""
    transition(purchase_order_id, status, Action.RECEIVE)
    return S.RECEIVED if all(line.complete for line in lines) else S.PARTIALLY_RECEIVED
