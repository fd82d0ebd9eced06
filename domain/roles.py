"""Who may do what: roles granted per location, and the capabilities each role carries.

A capability matrix (rather than a ranking alone) because compliance and auditors are not "above"
or "below" floor staff: compliance may hold stock but not re-price it; auditors read everything and
change nothing.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    BUDTENDER = "budtender"
    INVENTORY_LEAD = "inventory_lead"
    MANAGER = "manager"
    COMPLIANCE = "compliance"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Capability(enum.StrEnum):
    READ = "read"
    # Move stock between non-vault zones (floor, reserved, samples...).
    MOVE_FLOOR_STOCK = "move floor stock"
    # Anything that adds to or takes from a vault zone.
    MOVE_VAULT_STOCK = "move vault stock"
    ADJUST_STOCK = "adjust stock"
    REGISTER_PACKAGE = "register packages"
    HOLD_STOCK = "hold, release or recall stock"
    MANAGE_CATALOG = "manage products and batches"
    MANAGE_LOCATION = "manage locations and zones"
    SELL = "sell"
    # Accept a received package whose weight is outside the manifest's tolerance.
    OVERRIDE_VARIANCE = "approve receiving variances"
    MANAGE_USERS = "manage users"
    # Diversion flags: who may read them (compliance and auditors too), who reviews them, and
    # who may post door and badge events (managers, and door systems through an API key).
    READ_DIVERSION = "read diversion flags and shrinkage"
    REVIEW_DIVERSION = "acknowledge, dismiss or escalate diversion flags"
    POST_ACCESS_EVENTS = "post access events"
    # Take display, trade or employee samples, rotate them out, and send product to a lab.
    TAKE_SAMPLES = "take samples and send them to a lab"
    # Cycle counts: count non-vault zones; count any zone (vaults too); approve or reject a count.
    COUNT_FLOOR = "count non-vault zones"
    COUNT_ANY_ZONE = "count any zone"
    APPROVE_COUNT = "approve counts"
    # The bookkeeper's monthly CSVs (valuation, sales, adjustments, receiving): the money view
    # of a location, for its manager, compliance, auditors and admins (not floor staff).
    EXPORT_BOOKS = "export bookkeeping reports"
    # Purchasing: draft, edit and send purchase orders; approve and close them; keep vendors.
    ORDER_STOCK = "draft and send purchase orders"
    APPROVE_PURCHASE_ORDERS = "approve and close purchase orders"
    MANAGE_VENDORS = "manage vendors"
    # Request audit packets and download them (compliance and auditors; admins hold everything).
    AUDIT_PACKETS = "request and download audit packets"
    # Ordering: read reorder suggestions; set the service level they aim for per category.
    PLAN_ORDERS = "plan orders"
    SET_ORDERING_POLICY = "set ordering service levels"


_FLOOR = {Capability.READ, Capability.MOVE_FLOOR_STOCK, Capability.SELL, Capability.COUNT_FLOOR}
_LEAD = _FLOOR | {
    Capability.MOVE_VAULT_STOCK,
    Capability.ADJUST_STOCK,
    Capability.REGISTER_PACKAGE,
    Capability.MANAGE_CATALOG,
    Capability.TAKE_SAMPLES,
    Capability.COUNT_ANY_ZONE,
    Capability.ORDER_STOCK,
}
_MANAGER = _LEAD | {
    Capability.HOLD_STOCK,
    Capability.MANAGE_LOCATION,
    Capability.OVERRIDE_VARIANCE,
    Capability.READ_DIVERSION,
    Capability.REVIEW_DIVERSION,
    Capability.POST_ACCESS_EVENTS,
    Capability.APPROVE_COUNT,
    Capability.EXPORT_BOOKS,
    Capability.APPROVE_PURCHASE_ORDERS,
    Capability.MANAGE_VENDORS,
}
# Ordering: inventory leads and managers plan orders; managers choose the service levels.
_LEAD |= {Capability.PLAN_ORDERS}
_MANAGER |= {Capability.PLAN_ORDERS, Capability.SET_ORDERING_POLICY}

CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.BUDTENDER: frozenset(_FLOOR),
    Role.INVENTORY_LEAD: frozenset(_LEAD),
    Role.MANAGER: frozenset(_MANAGER),
    Role.COMPLIANCE: frozenset(
        {
            Capability.READ,
            Capability.HOLD_STOCK,
            Capability.ADJUST_STOCK,
            Capability.MOVE_FLOOR_STOCK,
            Capability.MOVE_VAULT_STOCK,
            Capability.OVERRIDE_VARIANCE,
            Capability.READ_DIVERSION,
            Capability.TAKE_SAMPLES,
            Capability.EXPORT_BOOKS,
        }
    ),
    Role.AUDITOR: frozenset({Capability.READ, Capability.READ_DIVERSION, Capability.EXPORT_BOOKS}),
    Role.ADMIN: frozenset(Capability),
}
# Audit packets: the people an inspector deals with, and nobody on the floor.
for _role in (Role.COMPLIANCE, Role.AUDITOR):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {Capability.AUDIT_PACKETS}


def allows(role: Role | str, capability: Capability) -> bool:
    return capability in CAPABILITIES[Role(role)]
