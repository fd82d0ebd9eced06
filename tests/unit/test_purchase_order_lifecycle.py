"""The purchase order's state machine and the learned lead time (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import IllegalPurchaseOrderTransition, PurchaseOrderNotEditable
from domain.purchasing import lifecycle
from domain.purchasing.leadtime import learned_lead_time
from domain.purchasing.lifecycle import Action, LineQuantities
from domain.purchasing.model import PurchaseOrderStatus as S


def test_an_order_goes_from_draft_to_closed_one_step_at_a_time():
    assert lifecycle.transition(1, S.DRAFT, Action.APPROVE) == S.APPROVED
    assert lifecycle.transition(1, S.APPROVED, Action.SEND) == S.SENT
    line = LineQuantities(Decimal(10), Decimal(4), Decimal(0))
    assert lifecycle.after_receipt(1, S.SENT, [line]) == S.PARTIALLY_RECEIVED
    done = LineQuantities(Decimal(10), Decimal(10), Decimal(0))
    assert lifecycle.after_receipt(1, S.PARTIALLY_RECEIVED, [done]) == S.RECEIVED
    assert lifecycle.transition(1, S.RECEIVED, Action.CLOSE) == S.CLOSED


@pytest.mark.parametrize("status", [S.DRAFT, S.APPROVED])
def test_a_draft_or_an_approved_order_may_be_cancelled(status):
    assert lifecycle.transition(1, status, Action.CANCEL) == S.CANCELLED


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (S.DRAFT, Action.SEND, "sent"),
        (S.SENT, Action.APPROVE, "approved"),
        (S.SENT, Action.CANCEL, "cancelled"),
        (S.RECEIVED, Action.CANCEL, "cancelled"),
        (S.DRAFT, Action.CLOSE, "closed"),
        (S.CLOSED, Action.SEND, "sent"),
        (S.CANCELLED, Action.APPROVE, "approved"),
        (S.APPROVED, Action.RECEIVE, "received"),
    ],
)
def test_an_illegal_move_is_refused_naming_both_statuses(status, action, target):
    with pytest.raises(IllegalPurchaseOrderTransition) as refused:
        lifecycle.transition(7, status, action)
    assert (refused.value.purchase_order_id, refused.value.from_status) == (7, str(status))
    assert refused.value.to_status == target


@pytest.mark.parametrize("status", [s for s in S if s != S.DRAFT])
def test_only_a_draft_is_edited(status):
    lifecycle.require_editable(1, S.DRAFT)
    with pytest.raises(PurchaseOrderNotEditable):
        lifecycle.require_editable(1, status)


def test_rejected_stock_is_not_short_and_the_order_waits_for_its_replacement():
    line = LineQuantities(Decimal(24), Decimal(12), Decimal(6))
    assert line.short == Decimal(6)
    assert lifecycle.after_receipt(1, S.SENT, [line]) == S.PARTIALLY_RECEIVED
    over = LineQuantities(Decimal(24), Decimal(30), Decimal(0))
    assert over.short == 0


def test_the_lead_time_is_the_median_with_a_robust_spread_after_three_receipts():
    # Median 6; absolute deviations 2, 1, 0, 1, 14 -> MAD 1 -> spread 1.4826 ≈ 1.48 days.
    lead = learned_lead_time([Decimal(d) for d in ("4", "5", "6", "7", "20")], Decimal(9))
    assert (lead.days, lead.spread_days, lead.learned, lead.receipts) == (
        Decimal("6.00"),
        Decimal("1.48"),
        True,
        5,
    )


def test_two_receipts_are_not_enough_to_learn_from():
    lead = learned_lead_time([Decimal(3), Decimal(4)], Decimal(9))
    assert (lead.days, lead.spread_days, lead.learned) == (Decimal(9), Decimal(0), False)
