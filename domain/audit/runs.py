"""Verification runs as stored: started, finished (with heads, findings and alerts), read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import db, events
from domain.audit.chains import Break
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork

# One alert per broken chain up to this many a run; past it, one more alert says how many.
ALERTS_PER_RUN = 20


@dataclass(frozen=True)
class ChainHeads:
    """What one registered check walked: chains, rows, and the digest of the chain heads."""

    check: str
    chains: int
    rows: int
    digest: str | None
    broken: int


@dataclass(frozen=True)
class VerificationRunRow:
    id: int
    location_id: int
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows_checked: int
    chains_checked: int
    breaks_found: int
    heads: tuple[ChainHeads, ...]
    findings: tuple[Break, ...]
    error: str | None

    @property
    def clean(self) -> bool:
        return self.status == "clean"

    @classmethod
    def from_record(cls, r: Any) -> VerificationRunRow:
        return cls(
            id=r["id"],
            location_id=r["location"],
            trigger=r["trigger"],
            status=r["status"],
            started_at=r["started_at"],
            finished_at=r["finished_at"],
            rows_checked=r["rows_checked"],
            chains_checked=r["chains_checked"],
            breaks_found=r["breaks_found"],
            heads=tuple(ChainHeads(**h) for h in r["heads"] or ()),
            findings=tuple(Break(**f) for f in r["findings"] or ()),
            error=r["error"],
        )


_COLUMNS = (
    "id, location, trigger, status, started_at, finished_at, rows_checked, chains_checked,"
    " breaks_found, heads, findings, error"
)


async def start(uow: UnitOfWork, location_id: int, trigger: str) -> int:
    async with uow:
        return returned(
            await uow.conn.fetchval(
                "INSERT INTO verification_run (location, trigger, status, started_at)"
                " VALUES ($1, $2, 'running', clock_timestamp()) RETURNING id",
                location_id,
                trigger,
            ),
            "verification run id",
        )


async def fail(uow: UnitOfWork, run_id: int, error: str) -> None:
    async with uow:
        await uow.conn.execute(
            "UPDATE verification_run SET status = 'failed', finished_at = clock_timestamp(),"
            " error = $2 WHERE id = $1",
            run_id,
            error[:2000],
        )


async def finish(
    uow: UnitOfWork,
    run_id: int,
    location_id: int,
    heads: Sequence[ChainHeads],
    findings: Sequence[Break],
) -> VerificationRunRow:
    """Store what the checks found and raise a compliance alert for each broken chain."""
    broken = sum(h.broken for h in heads)
    async with uow:
        row = await uow.conn.fetchrow(
            f"""
            UPDATE verification_run SET status = $2, finished_at = clock_timestamp(),
                rows_checked = $3, chains_checked = $4, breaks_found = $5, heads = $6,
                findings = $7
            WHERE id = $1 RETURNING {_COLUMNS}
            """,
            run_id,
            "broken" if broken else "clean",
            sum(h.rows for h in heads),
            sum(h.chains for h in heads),
            broken,
            [h.__dict__ for h in heads],
            [f.__dict__ for f in findings],
        )
        for found in findings[:ALERTS_PER_RUN]:
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=location_id,
                    kind=events.AlertKind.LEDGER_BROKEN,
                    tag=found.tag,
                    sequence=found.sequence,
                    reason=found.reason,
                    message=f"the ledger was altered: {found.check} of {found.tag} breaks at"
                    f" {found.sequence} ({found.reason})",
                )
            )
        if broken > ALERTS_PER_RUN:
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=location_id,
                    kind=events.AlertKind.LEDGER_BROKEN,
                    count=broken,
                    message=f"the ledger was altered: {broken} broken chains in all",
                )
            )
    return VerificationRunRow.from_record(returned(row, "verification run"))


async def last_run(principal: Principal, location_id: int) -> VerificationRunRow | None:
    """The location's latest verification run (finished or not), for compliance, auditors,
    admins and the store's manager: the roles that read diversion flags and shrinkage."""
    principal.require(Capability.READ_DIVERSION, location_id)
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM verification_run WHERE location = $1 ORDER BY id DESC LIMIT 1",
            location_id,
        )
    return VerificationRunRow.from_record(row) if row else None
