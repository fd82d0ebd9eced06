"""Replay-safe mutations: a client's idempotency key maps to the first result, forever.

The record is inserted *first* in the mutation's transaction. A concurrent duplicate blocks on the
unique index until the first commits, then sees the stored response; if the first rolled back (a
refusal), the duplicate proceeds and is evaluated afresh. Refusals are therefore not remembered:
retrying a refused request re-checks it against current stock.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from piccolo.columns import JSONB, BigSerial, Timestamptz, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from domain import db
from domain.db import DB
from domain.errors import ValidationError
from domain.rows import returned

KEY_MAX_LENGTH = 200


class IdempotencyRecord(Table, db=DB):
    id = BigSerial(primary_key=True)
    scope = Varchar(length=100)
    key = Varchar(length=KEY_MAX_LENGTH)
    operation = Varchar(length=64)
    fingerprint = Varchar(length=64)
    response = JSONB(null=True, default=None)
    created_at = Timestamptz()

    unique_scope_key = Unique([scope, key])


def fingerprint(payload: Any) -> str:
    """A stable digest of the request, so a key reused for a different request is caught."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Claim:
    """The outcome of claiming a key inside a transaction."""

    __slots__ = ("record_id", "replay")

    def __init__(self, record_id: int | None, replay: dict[str, Any] | None) -> None:
        self.record_id = record_id
        self.replay = replay


async def claim(scope: str, key: str | None, operation: str, request: Any) -> Claim:
    """Claim ``key`` for this request, or return the stored response of its first success.

    Must run inside the mutation's transaction. With no key the request is simply not replayable.
    """
    if key is None:
        return Claim(None, None)
    if not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise ValidationError("idempotencyKey", f"must be 1 to {KEY_MAX_LENGTH} characters")
    digest = fingerprint({"operation": operation, "request": request})
    async with db.connection() as conn:
        record_id = await conn.fetchval(
            """
            INSERT INTO idempotency_record (scope, key, operation, fingerprint, created_at)
            VALUES ($1, $2, $3, $4, now())
            ON CONFLICT (scope, key) DO NOTHING
            RETURNING id
            """,
            scope,
            key,
            operation,
            digest,
        )
        if record_id is not None:
            return Claim(record_id, None)
        # The insert found this key taken, so its row is there to read.
        row = returned(
            await conn.fetchrow(
                "SELECT operation, fingerprint, response FROM idempotency_record"
                " WHERE scope = $1 AND key = $2",
                scope,
                key,
            )
        )
    if row["operation"] != operation or row["fingerprint"] != digest:
        raise ValidationError("idempotencyKey", "this key was already used for a different request")
    return Claim(None, row["response"])


async def complete(claim_: Claim, response: dict[str, Any]) -> None:
    """Store the response a replay of this key will receive."""
    if claim_.record_id is None:
        return
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE idempotency_record SET response = $2 WHERE id = $1",
            claim_.record_id,
            response,
        )
