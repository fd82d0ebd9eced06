"""The schema is ready to partition by location: every ledger-side table carries its location.

When one server is not enough, an operator partitions the ledger by location (PostgreSQL's
declarative partitioning) or distributes it (Citus, the location as distribution column); both
need the column on every table whose rows belong to one store, line tables included, so a sale
and its lines land on the same partition or node (docs/operations.md, "Scaling out").
"""

from __future__ import annotations

from domain import db

# Shared by every store (an operator's catalogue, people, keys, bookkeeping): no location, stay
# whole (a reference table in Citus terms). A new table must be added here or carry a location.
GLOBAL_TABLES = frozenset(
    {
        "operator",
        "location",
        "app_user",
        "api_key",
        "refresh_token",
        "idempotency_record",
        "product",
        "batch",
        "vendor",
        "vendor_product",
        "migration",  # piccolo's own
    }
)

# Location-scoped, but NULL for rows that are not one store's: the change log's operator-wide and
# system chains (``chain`` names which; see the change_log_chain_shape check).
NULLABLE_LOCATION = frozenset({"change_log"})

# Line and child tables with the parent whose location they copy: (child, parent key, parent).
CHILDREN = (
    ("sale_line", "sale", "sale"),
    ("reservation_line", "reservation", "reservation"),
    ("shipment_package", "shipment", "shipment"),
    ("checklist_answer", "session", "receiving_session"),
    ("package_scan", "session", "receiving_session"),
    ("repack_line", "repack", "repack"),
    ("count_line", "session", "count_session"),
    ("purchase_order_line", "purchase_order", "purchase_order"),
    ("purchase_order_receipt", "purchase_order", "purchase_order"),
)


async def _location_columns() -> dict[str, str | None]:
    """Each public table, with whether its ``location`` column may be NULL (None: no column)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT t.table_name, c.is_nullable FROM information_schema.tables t"
            " LEFT JOIN information_schema.columns c ON c.table_schema = t.table_schema"
            "  AND c.table_name = t.table_name AND c.column_name = 'location'"
            " WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        )
    return {r["table_name"]: r["is_nullable"] for r in rows}


async def mismatched_locations() -> dict[str, int]:
    """Per child table, how many rows hold a location other than their parent's."""
    found: dict[str, int] = {}
    async with db.connection() as conn:
        for child, key, parent in CHILDREN:
            found[child] = await conn.fetchval(
                f"SELECT count(*) FROM {child} c JOIN {parent} p ON p.id = c.{key}"
                " WHERE c.location IS DISTINCT FROM p.location"
            )
    return found


async def test_every_ledger_side_table_carries_a_location_that_is_never_null(database) -> None:
    tables = await _location_columns()
    ledger_side = set(tables) - GLOBAL_TABLES - NULLABLE_LOCATION
    assert {t for t in ledger_side if tables[t] is None} == set(), "no location column"
    assert {t for t in ledger_side if tables[t] == "YES"} == set(), "location may be NULL"


async def test_line_tables_carry_their_own_location(database) -> None:
    tables = await _location_columns()
    assert {child: tables.get(child) for child, _, _ in CHILDREN} == {
        child: "NO" for child, _, _ in CHILDREN
    }


async def test_the_global_tables_named_here_exist_and_hold_no_location(database) -> None:
    # Keeps the list honest: a table renamed, dropped or given a location leaves it.
    tables = await _location_columns()
    assert {t: tables.get(t, "missing") for t in GLOBAL_TABLES} == dict.fromkeys(GLOBAL_TABLES)
    assert {t: tables.get(t) for t in NULLABLE_LOCATION} == dict.fromkeys(NULLABLE_LOCATION, "YES")
