"""Line and child tables: their location backfilled from the parent, then NOT NULL.

The previous migration added ``location`` nullable so it applies to a database holding lines;
here each row takes its parent's location and the column becomes NOT NULL (piccolo's
``alter_column`` runs after the raw backfill, and records the change so ``--auto`` sees the
tables as declared). Nothing in the database checks that a line's location stays its parent's:
a composite foreign key would need a unique (id, location) index on every parent and a probe per
line on the sale path; the writers take the location from the very row they insert the parent
from (``tests/test_partition_ready.py`` checks the pairs).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

from domain.db import execute_script

ID = "2026-12-08T01:35:35:000001"
VERSION = "1.38.0"
DESCRIPTION = "location on line and child tables: backfilled, NOT NULL"

# (child table, piccolo class, column naming the parent, parent table)
CHILDREN = (
    ("sale_line", "SaleLine", "sale", "sale"),
    ("reservation_line", "ReservationLine", "reservation", "reservation"),
    ("shipment_package", "ShipmentPackage", "shipment", "shipment"),
    ("checklist_answer", "ChecklistAnswer", "session", "receiving_session"),
    ("package_scan", "PackageScan", "session", "receiving_session"),
    ("repack_line", "RepackLine", "repack", "repack"),
    ("count_line", "CountLine", "session", "count_session"),
    ("purchase_order_line", "PurchaseOrderLine", "purchase_order", "purchase_order"),
    ("purchase_order_receipt", "PurchaseOrderReceipt", "purchase_order", "purchase_order"),
)

FORWARDS = "\n".join(
    f"UPDATE {child} c SET location = p.location FROM {parent} p"
    f" WHERE p.id = c.{key} AND c.location IS NULL;"
    for child, _, key, parent in CHILDREN
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="leafledger", description=DESCRIPTION)

    async def run():
        await execute_script(FORWARDS)

    manager.add_raw(run)
    for child, class_name, _, _ in CHILDREN:
        manager.alter_column(
            table_class_name=class_name,
            tablename=child,
            column_name="location",
            db_column_name="location",
            params={"null": False},
            old_params={"null": True},
            column_class=ForeignKey,
            old_column_class=ForeignKey,
            schema=None,
        )
    return manager
