"""Domain enumerations exposed to GraphQL under their domain names."""

from __future__ import annotations

import strawberry

from domain import quantities, roles
from domain.catalog import model as catalog
from domain.inventory import model as inventory
from domain.organisation import model as organisation

ZoneKind = strawberry.enum(organisation.ZoneKind, description="Where stock sits in a store.")
Category = strawberry.enum(catalog.Category)
LabStatus = strawberry.enum(catalog.LabStatus)
Unit = strawberry.enum(quantities.Unit, description="Packages are tracked in exactly one unit.")
PackageStatus = strawberry.enum(inventory.PackageStatus)
MovementKind = strawberry.enum(inventory.MovementKind)
AdjustmentReason = strawberry.enum(
    inventory.AdjustmentReason,
    description="Why stock was written on or off; OTHER and THEFT need a note.",
)
Role = strawberry.enum(roles.Role)
