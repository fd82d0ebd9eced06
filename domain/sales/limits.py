"""Purchase limits at the register: the state's rule set applied to this customer's window.

The engine is pure (``domain.limits``) and each state's numbers come from its plugin's rulebook
(``uow.registry.state_rulebook``); this module gathers what the engine needs: the
customer's earlier purchases in the window (their lines' frozen product facts, net of returns),
and the new lines' facts, then raises a typed refusal naming the bucket and the excess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain import limits as purchase_limits
from domain.errors import (
    LimitBucket,
    LimitCannotBeChecked,
    PurchaseLimitExceeded,
    ValidationError,
)
from domain.sales.model import CustomerType
from domain.unit_of_work import PluginRegistry

FACT_FIELDS = (
    "category",
    "unit",
    "unit_weight_grams",
    "thc_mg_per_unit",
    "concentrate_grams_per_unit",
    "net_weight_grams",
)


@dataclass(frozen=True)
class NewLine:
    tag: str
    quantity: Decimal
    facts: dict[str, Any]  # FACT_FIELDS of the product, as stored on the sale line


def customer(kind: CustomerType) -> purchase_limits.Customer:
    if kind == CustomerType.MEDICAL:
        return purchase_limits.Customer(purchase_limits.Programme.MEDICAL)
    return purchase_limits.Customer(
        purchase_limits.Programme.ADULT_USE, resident=kind != CustomerType.NON_RESIDENT
    )


def facts_of(product: Any) -> dict[str, Any]:
    """The product fields limits count with, JSON-ready (frozen onto each sale line)."""
    return {
        name: (str(product[name]) if product[name] is not None else None) for name in FACT_FIELDS
    }


def _line(facts: dict[str, Any], quantity: Decimal) -> purchase_limits.Line:
    def amount(name: str) -> Decimal | None:
        value = facts.get(name)
        return Decimal(value) if value is not None else None

    return purchase_limits.Line(
        category=facts["category"],
        unit=facts["unit"],
        quantity=quantity,
        unit_weight_grams=amount("unit_weight_grams"),
        thc_mg_per_unit=amount("thc_mg_per_unit"),
        concentrate_grams_per_unit=amount("concentrate_grams_per_unit"),
        net_weight_grams=amount("net_weight_grams"),
    )


async def check(
    plugins: PluginRegistry,
    *,
    location_id: int,
    state: str,
    timezone: str,
    kind: CustomerType,
    customer_key: str | None,
    lines: Sequence[NewLine],
    at: datetime,
) -> None:
    """Raise unless the state's limits allow these lines for this customer now.

    Call inside the sale's transaction, after taking the customer's advisory lock, so two
    registers cannot both sell a customer their last allowed gram.
    """
    who = customer(kind)
    try:
        ruleset = plugins.state_rulebook(state).limits_for(who)
    except KeyError:
        raise ValidationError("locationId", f"no purchase-limit rules for {state}") from None
    start = purchase_limits.window_start(ruleset.window, timezone, at)
    prior: list[purchase_limits.Line] = []
    if start is not None:
        if not customer_key:
            raise ValidationError(
                "customerKey", f"{state} limits are per customer per day: scan the customer's ID"
            )
        prior = await _prior_lines(location_id, customer_key, start)
    result = purchase_limits.evaluate(
        ruleset, who, prior, [_line(n.facts, n.quantity) for n in lines]
    )
    if result.cannot_evaluate:
        missing = result.cannot_evaluate[0]
        index = int(missing.line.split("[")[1].rstrip("]")) if "new[" in missing.line else 0
        raise LimitCannotBeChecked(tag=lines[index].tag, field=missing.field, reason=missing.reason)
    if result.exceeded:
        raise PurchaseLimitExceeded(
            state=state,
            buckets=[
                LimitBucket(
                    bucket=u.bucket,
                    label=u.label,
                    unit=str(u.unit),
                    limit=u.limit,
                    already_purchased=u.already_purchased,
                    this_sale=u.this_sale,
                    total=u.total,
                    over_by=u.over_by,
                )
                for u in result.exceeded
            ],
        )


async def _prior_lines(
    location_id: int, customer_key: str, start: datetime
) -> list[purchase_limits.Line]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT l.limit_facts, l.quantity - l.returned_quantity AS quantity
            FROM sale s JOIN sale_line l ON l.sale = s.id
            WHERE s.location = $1 AND s.customer_key = $2 AND s.occurred_at >= $3
              AND s.status <> 'voided' AND l.quantity > l.returned_quantity
            """,
            location_id,
            customer_key,
            start,
        )
    return [
        _line(
            r["limit_facts"],
            r["quantity"],
        )
        for r in rows
    ]
