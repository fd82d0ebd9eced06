"""One row per audit packet: what was asked for, how far its build has got, and the file."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    BigSerial,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.identity.tables import User
from domain.organisation.tables import Location


class AuditPacket(Table, db=DB, tablename="audit_packet"):
    """A licence's packet for the local days ``first_day``..``last_day``.

    ``period_start``/``period_end`` are the instants the days cover (local midnights; a period
    reaching today ends when it was requested). One packet per licence and instants: asking
    again returns it. ``status``: queued, building, finished or failed.
    """

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    first_day = Date()
    last_day = Date()
    period_start = Timestamptz()
    period_end = Timestamptz()
    status = Varchar(length=16, default="queued")
    parts_total = Integer(default=0)
    parts_done = Integer(default=0)
    rows_written = BigInt(default=0)
    current_part = Varchar(length=64, null=True, default=None)
    attempts = Integer(default=0)
    requested_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    requested_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    file_name = Varchar(length=200, null=True, default=None)
    sha256 = Varchar(length=64, null=True, default=None)
    size_bytes = BigInt(null=True, default=None)
    error = Text(null=True, default=None)
    updated_at = Timestamptz()

    audit_packet_period_unique = Unique([location, period_start, period_end])
