"""Cycle counts: each location's count policy, count sessions and the lines scanned in them.

A session's expected quantities are computed only at submission (``CountLine.expected_quantity``
stays NULL while the session is open), so nothing the counter or witness can read holds them.
"""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    Array,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from domain.db import DB
from domain.identity.tables import User
from domain.organisation.tables import Location


class CountPolicy(Table, db=DB, tablename="count_policy"):
    """One location's count settings; a location without a row uses these defaults."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, unique=True)
    # Count plans: days between counts per ABC class and for vault zones, and the ABC window.
    class_a_days = Integer(default=7)
    class_b_days = Integer(default=30)
    class_c_days = Integer(default=90)
    vault_days = Integer(default=7)
    abc_window_days = Integer(default=90)
    # Cumulative share of value (and of units sold) up to which a product is class A, then B.
    class_a_share = Numeric(digits=(4, 3), default=Decimal("0.800"))
    class_b_share = Numeric(digits=(4, 3), default=Decimal("0.950"))
    # Sessions: zone kinds whose counts need an authenticated witness to be submitted, and
    # whether a variance above a threshold needs one too.
    two_person_zone_kinds = Array(base_column=Varchar(length=20), default=["vault"])
    two_person_above_threshold = Boolean(default=True)
    # A line whose variance exceeds either threshold must be recounted by a different counter.
    variance_quantity_threshold = Numeric(digits=(14, 3), default=Decimal("1.000"))
    variance_value_threshold = Numeric(digits=(12, 2), default=Decimal("50.00"))
    # An open session older than this expires.
    session_limit_hours = Integer(default=12)
    blind = Boolean(default=True)
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    updated_at = Timestamptz()


class CountSession(Table, db=DB, tablename="count_session"):
    """One count of some zones (kind ``zones``) or of a list of packages/products (``spot``)."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=8, default="zones")  # zones | spot
    zones = Array(base_column=Integer(), default=list)
    packages = Array(base_column=Integer(), default=list)
    products = Array(base_column=Integer(), default=list)
    blind = Boolean(default=True)
    # open | submitted | recount_required | approved | rejected | expired
    status = Varchar(length=20, default="open")
    counter = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    witness = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    witness_joined_at = Timestamptz(null=True, default=None)
    # 1 for the first count; each recount opens the next round, counted by ``recounter``.
    round = Integer(default=1)
    recounter = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    started_at = Timestamptz()
    expires_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    submitted_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    decided_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    decided_at = Timestamptz(null=True, default=None)
    decision_note = Text(null=True, default=None)
    # Totals computed at submission (in the packages' units, in grams, in cost value).
    variance_units = Numeric(digits=(14, 3), null=True, default=None)
    variance_grams = Numeric(digits=(14, 3), null=True, default=None)
    variance_value = Numeric(digits=(14, 2), null=True, default=None)
    # Packages the books expected in the counted scope that no line scanned (at submission).
    unscanned_packages = Array(base_column=Integer(), default=list)
    updated_at = Timestamptz()


class CountLine(Table, db=DB, tablename="count_line"):
    """One scan: a tag counted in a zone at a time, by the counter with the witness present."""

    id = BigSerial(primary_key=True)
    session = BigInt(index=True)
    # The handheld's own key for this line: a resent batch changes nothing twice.
    line_key = Varchar(length=100)
    round = Integer(default=1)
    package = Integer(null=True, default=None)  # NULL for a tag unknown to us
    tag = Varchar(length=64)
    zone = Integer(null=True, default=None)
    counted_quantity = Numeric(digits=(14, 3))
    unit = Varchar(length=16)
    counted_at = Timestamptz()
    received_at = Timestamptz()
    counter = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    witness = Integer(null=True, default=None)
    # wrong_zone | other_location | unknown_tag | not_in_spot_list: recorded, not refused.
    finding = Varchar(length=20, null=True, default=None)
    # Filled at submission only (blind until then).
    expected_at_start = Numeric(digits=(14, 3), null=True, default=None)
    netted_quantity = Numeric(digits=(14, 3), null=True, default=None)
    expected_quantity = Numeric(digits=(14, 3), null=True, default=None)
    variance = Numeric(digits=(14, 3), null=True, default=None)
    variance_value = Numeric(digits=(14, 2), null=True, default=None)
    conflict = Boolean(default=False)
    requires_recount = Boolean(default=False)
    # A later scan of the same package and zone (or a recount) replaces this one.
    superseded = Boolean(default=False)
    recount_of = BigInt(null=True, default=None)
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    count_line_key_unique = Unique([session, line_key])
    counted_not_negative = Check(counted_quantity >= 0)
