from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Numeric
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Check
from piccolo.constraints import Unique
from piccolo.table import Table
import decimal


class Location(Table, tablename="location", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-08T00:17:32:723708"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="leafledger", description=DESCRIPTION
    )

    manager.add_table(
        class_name="OrderingPolicy",
        tablename="ordering_policy",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        column_name="location",
        db_column_name="location",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Location,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        column_name="category",
        db_column_name="category",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "Category",
                {
                    "FLOWER": "flower",
                    "PRE_ROLL": "pre_roll",
                    "VAPE": "vape",
                    "CONCENTRATE": "concentrate",
                    "EDIBLE": "edible",
                    "BEVERAGE": "beverage",
                    "TINCTURE": "tincture",
                    "TOPICAL": "topical",
                    "OTHER": "other",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        column_name="service_level",
        db_column_name="service_level",
        column_class_name="Numeric",
        column_class=Numeric,
        params={
            "default": decimal.Decimal("0"),
            "digits": (5, 4),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        column_name="updated_at",
        db_column_name="updated_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        constraint_name="unique_category",
        constraint_class=Unique,
        params={"columns": ["location", "category"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="OrderingPolicy",
        tablename="ordering_policy",
        constraint_name="a_probability",
        constraint_class=Check,
        params={"condition": '("service_level" >= 0.5 AND "service_level" < 1)'},
        schema=None,
    )

    return manager
