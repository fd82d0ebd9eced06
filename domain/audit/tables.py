"""Verification runs: what each walk of a location's hash chains checked and found."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location


class VerificationRun(Table, db=DB):
    """One verification of a location's chains (the nightly job or ``leafledger verify``).

    ``heads`` holds, per registered check, how many chains and rows it walked and the digest of
    the chain heads (see ``domain.audit.chains``); ``findings`` the first broken link of each
    broken chain (at most ``chains.MAX_KEPT`` per check; ``breaks_found`` counts them all).
    """

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    trigger = Varchar(length=16)  # nightly | cli
    status = Varchar(length=16, default="running")  # running | clean | broken | failed
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    rows_checked = BigInt(default=0)
    chains_checked = Integer(default=0)
    breaks_found = Integer(default=0)
    heads = JSONB(default="[]")
    findings = JSONB(default="[]")
    error = Text(null=True, default=None)
