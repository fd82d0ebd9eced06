"""The committed migrations build exactly the tables the code declares."""

from __future__ import annotations

from piccolo.apps.migrations.commands.new import AutoMigrationManager

from domain.piccolo_app import APP_CONFIG


async def test_no_table_change_is_missing_a_migration():
    statements = await AutoMigrationManager(auto_input="n").get_alter_statements(
        app_config=APP_CONFIG
    )
    pending = [s for group in statements for s in group.statements]
    assert pending == [], "run `piccolo migrations new leafledger --auto` and commit the file"


async def test_migrations_apply_to_an_empty_database(database):
    from domain import db

    async with db.connection() as conn:
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
    assert {"movement", "stock_balance", "package", "zone", "idempotency_record"} <= tables
