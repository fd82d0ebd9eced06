"""Audit types: verification runs, a package's history, stock as of an instant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.catalog.types import Product
from api.context import Info
from api.enums import Unit
from api.locations.types import Zone
from api.packages.types import Package
from api.pagination import Connection, connection
from domain.audit import as_of, chains, runs

CENTS = Decimal("0.01")


@strawberry.type(description="What one registered check walked, and the digest of its heads.")
class ChainHeads:
    check: str = strawberry.field(description="movements, references (and any chain added).")
    chains: int
    rows: int
    digest: str | None = strawberry.field(
        description="SHA-256 over '<tag>,<length>,<head hash>\\n' per package with movements,"
        " in tag order: the audit packet's chain-heads digest for a period up to now."
    )
    broken: int

    @classmethod
    def from_domain(cls, h: runs.ChainHeads) -> ChainHeads:
        return cls(check=h.check, chains=h.chains, rows=h.rows, digest=h.digest, broken=h.broken)


@strawberry.type(description="The first broken link of one chain.")
class LedgerBreak:
    check: str
    tag: str
    sequence: int
    reason: str

    @classmethod
    def from_domain(cls, b: chains.Break) -> LedgerBreak:
        return cls(check=b.check, tag=b.tag, sequence=b.sequence, reason=b.reason)


@strawberry.type(description="One verification of a location's hash chains and what it found.")
class LedgerVerification:
    id: strawberry.ID
    trigger: str = strawberry.field(description="nightly or cli.")
    status: str = strawberry.field(description="running, clean, broken or failed.")
    clean: bool
    started_at: datetime
    finished_at: datetime | None
    rows_checked: int
    chains_checked: int
    breaks_found: int
    heads: list[ChainHeads]
    findings: list[LedgerBreak]
    error: str | None

    @classmethod
    def from_domain(cls, r: runs.VerificationRunRow) -> LedgerVerification:
        return cls(
            id=strawberry.ID(str(r.id)),
            trigger=r.trigger,
            status=r.status,
            clean=r.clean,
            started_at=r.started_at,
            finished_at=r.finished_at,
            rows_checked=r.rows_checked,
            chains_checked=r.chains_checked,
            breaks_found=r.breaks_found,
            heads=[ChainHeads.from_domain(h) for h in r.heads],
            findings=[LedgerBreak.from_domain(b) for b in r.findings],
            error=r.error,
        )


async def user_or_none(info: Info, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    return User.from_domain(await info.context.loaders.user.one(user_id))


# --- Stock as of an instant


@strawberry.type(description="A package's balance in one zone at the instant asked.")
class StockAsOfLine:
    tag: str
    unit: Unit
    quantity: Decimal
    unit_cost: Decimal | None
    cost_value: Decimal
    package_id: strawberry.Private[int]
    product_id: strawberry.Private[int]
    zone_id: strawberry.Private[int]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return Product.from_domain(await info.context.loaders.product.one(self.product_id))

    @strawberry.field
    async def zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @classmethod
    def from_domain(cls, r: as_of.StockAsOfLine) -> StockAsOfLine:
        return cls(
            tag=r.tag,
            unit=r.unit,
            quantity=r.quantity,
            unit_cost=r.unit_cost,
            cost_value=r.cost_value.quantize(CENTS),
            package_id=r.package_id,
            product_id=r.product_id,
            zone_id=r.zone_id,
        )


@strawberry.type(description="Everything held at the instant in one unit.")
class StockAsOfTotal:
    unit: Unit
    package_count: int
    quantity: Decimal
    cost_value: Decimal


@strawberry.type(description="Stock rebuilt from the ledger at a past instant.")
class StockAsOf:
    at: datetime
    lines: Connection[StockAsOfLine]
    totals: list[StockAsOfTotal]
    cost_value: Decimal

    @classmethod
    def from_domain(cls, s: as_of.StockAsOf) -> StockAsOf:
        return cls(
            at=s.at,
            lines=connection(s.lines, StockAsOfLine.from_domain),
            totals=[
                StockAsOfTotal(
                    unit=t.unit,
                    package_count=t.package_count,
                    quantity=t.quantity,
                    cost_value=t.cost_value.quantize(CENTS),
                )
                for t in s.totals
            ],
            cost_value=s.cost_value.quantize(CENTS),
        )
