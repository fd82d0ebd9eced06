"""Domain enumerations exposed to GraphQL under their domain names.

Each name is the domain enum itself, registered with strawberry (``strawberry.enum`` marks the
class and returns it), so a type checker reads ``Role`` in an annotation as the enum it is.
"""

from __future__ import annotations

import strawberry

from domain import quantities, roles
from domain.catalog import model as catalog
from domain.inventory import model as inventory
from domain.organisation import model as organisation

ZoneKind = organisation.ZoneKind
Category = catalog.Category
LabStatus = catalog.LabStatus
Unit = quantities.Unit
PackageStatus = inventory.PackageStatus
MovementKind = inventory.MovementKind
AdjustmentReason = inventory.AdjustmentReason
Role = roles.Role

strawberry.enum(ZoneKind, description="Where stock sits in a store.")
strawberry.enum(Category)
strawberry.enum(LabStatus)
strawberry.enum(Unit, description="Packages are tracked in exactly one unit.")
strawberry.enum(PackageStatus)
strawberry.enum(MovementKind)
strawberry.enum(
    AdjustmentReason, description="Why stock was written on or off; OTHER and THEFT need a note."
)
strawberry.enum(Role)
