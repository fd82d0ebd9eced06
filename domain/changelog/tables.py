"""The change log's one table: append-only (a trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

from piccolo.columns import JSONB, BigInt, BigSerial, Integer, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.changelog.model import ActorKind
from domain.db import DB


class ChangeLog(Table, db=DB, tablename="change_log"):
    """One change that is not stock: who, from where, when, what, and the fields that changed.

    ``chain`` is ``location:<id>``, ``operator:<id>`` (operator-wide rows) or ``system``; each
    chain's rows are numbered by ``sequence`` and hash-chained (``prev_hash`` → ``hash``). The
    unique (chain, sequence) is the database's own guard against a forked chain. People, keys,
    operators and locations are plain ids, not foreign keys: a log row must outlive anything
    it names.
    """

    id = BigSerial(primary_key=True)
    chain = Varchar(length=40)
    sequence = BigInt()
    operator = Integer(null=True, default=None)
    location = Integer(null=True, default=None)
    actor_kind = Varchar(length=16, choices=ActorKind)
    user_id = Integer(null=True, default=None)
    api_key_id = Integer(null=True, default=None)
    client = Varchar(length=200, null=True, default=None)
    occurred_at = Timestamptz()
    operation = Varchar(length=64)
    entity_type = Varchar(length=64)
    entity_id = Varchar(length=64, null=True, default=None)
    before = JSONB(null=True, default=None)
    after = JSONB(null=True, default=None)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)

    change_log_chain_sequence = Unique([chain, sequence])
