"""A store's trading history for the analytics tests, posted through the ledger at chosen local
days: packages received on manifests (their shipper is the vendor) at a landed cost, moved to the
floor, sold (a sale row, its lines and the ledger's sale movement, as the POS service writes them),
returned, written off. The tests compute the expected figures from ``Books`` themselves."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain import db, hashchain
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import Store

LA = ZoneInfo("America/Los_Angeles")
_serial = itertools.count(1)


def today() -> date:
    return datetime.now(LA).date()


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, next(_serial) % 60, tzinfo=LA)


@dataclass
class Pkg:
    id: int
    product_id: int
    batch_id: int
    cost: Decimal  # landed unit cost
    vendor: str  # shipper licence, '' when registered


@dataclass
class Books:
    """What was done, for the tests' own arithmetic."""

    # (day, package, quantity, unit price, discount): negative quantity for a return.
    sales: list[tuple[date, Pkg, Decimal, Decimal, Decimal]] = field(default_factory=list)
    # (day, package, signed change of on-hand)
    flows: list[tuple[date, Pkg, Decimal]] = field(default_factory=list)
    # (day, package, quantity written off, reason)
    losses: list[tuple[date, Pkg, Decimal, AdjustmentReason]] = field(default_factory=list)


class Shop:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.loc = store.location_id
        self.books = Books()

    @property
    def admin(self):
        return self.store.users[Role.ADMIN]

    async def _zone(self, kind: ZoneKind) -> ledger.ZoneRef:
        zone_id = self.store.zone(kind)
        return (await lookup.zones(self.loc, [zone_id]))[zone_id]

    async def _post(self, draft: ledger.Draft, when: datetime, document: str | None) -> int:
        async with new_uow() as uow:
            [posted] = await ledger.post(
                uow,
                [draft],
                ledger.Posting(
                    actor_id=self.admin.user_id,
                    occurred_at=when,
                    source_document=document,
                    report=False,
                ),
            )
        return posted.id

    async def receive(
        self,
        product_id: int,
        batch_id: int,
        quantity: str,
        day: date,
        *,
        cost: str | None,
        shipper: tuple[str, str] | None,
        unit: str = "grams",
        product_cost: str = "5.5000",
    ) -> Pkg:
        """A package received into the vault on ``day``: on a manifest from ``shipper``
        (licence, name), else registered as found stock."""
        n = next(_serial)
        tag = f"1A4FF01000000220{n:08d}"
        async with db.connection() as conn:
            package_id = await conn.fetchval(
                "INSERT INTO package (location, tag, product, batch, unit, status, unit_cost,"
                " movement_count, last_hash, created_at) VALUES ($1, $2, $3, $4, $5, 'active',"
                " $6, 0, $7, now()) RETURNING id",
                self.loc,
                tag,
                product_id,
                batch_id,
                unit,
                Decimal(cost) if cost else None,
                hashchain.GENESIS,
            )
            document = None
            if shipper is not None:
                manifest = f"M-{n}"
                await conn.execute(
                    "INSERT INTO shipment (location, source, manifest_number, shipper_license,"
                    " shipper_name, status, created_at) VALUES ($1, 'manual', $2, $3, $4,"
                    " 'completed', now())",
                    self.loc,
                    manifest,
                    shipper[0],
                    shipper[1],
                )
                document = f"manifest:{manifest}"
        qty = Decimal(quantity)
        kind = MovementKind.RECEIVE if shipper else MovementKind.REGISTER
        vault = await self._zone(ZoneKind.VAULT)
        await self._post(ledger.Draft(package_id, kind, qty, None, vault), noon(day), document)
        pkg = Pkg(
            package_id,
            product_id,
            batch_id,
            Decimal(cost or product_cost),
            shipper[0] if shipper else "",
        )
        self.books.flows.append((day, pkg, qty))
        return pkg

    async def to_floor(self, pkg: Pkg, quantity: str, day: date) -> None:
        draft = ledger.Draft(
            pkg.id,
            MovementKind.TRANSFER,
            Decimal(quantity),
            await self._zone(ZoneKind.VAULT),
            await self._zone(ZoneKind.SALES_FLOOR),
        )
        await self._post(draft, noon(day), None)

    async def sell(
        self, pkg: Pkg, quantity: str, price: str, day: date, discount: str = "0"
    ) -> int:
        """One receipt of one line, as the POS service writes it; returns the sale id."""
        qty, unit_price, off = Decimal(quantity), Decimal(price), Decimal(discount)
        when = noon(day)
        async with db.connection() as conn:
            sale_id = await conn.fetchval(
                "INSERT INTO sale (location, register, pos_receipt_id, customer_type, status,"
                " external_id, total, warnings, sold_by, occurred_at) VALUES ($1, 'R1', $2,"
                " 'adult', 'completed', $2, $3, '[]', $4, $5) RETURNING id",
                self.loc,
                f"P-{next(_serial)}",
                unit_price * qty - off,
                self.admin.user_id,
                when,
            )
        floor = await self._zone(ZoneKind.SALES_FLOOR)
        movement = await self._post(
            ledger.Draft(pkg.id, MovementKind.SALE, qty, floor, None), when, f"sale:{sale_id}"
        )
        async with db.connection() as conn:
            await conn.execute(
                "INSERT INTO sale_line (sale, line_number, package, product, zone, quantity,"
                " returned_quantity, unit_price, discount, sales_tax, excise_tax, total,"
                " limit_facts, movement, location) VALUES ($1, 1, $2, $3, $4, $5, 0, $6, $7, 0, 0,"
                " $8, '{}', $9, $10)",
                sale_id,
                pkg.id,
                pkg.product_id,
                floor.id,
                qty,
                unit_price,
                off,
                unit_price * qty - off,
                movement,
                self.loc,
            )
        self.books.sales.append((day, pkg, qty, unit_price, off))
        self.books.flows.append((day, pkg, -qty))
        return sale_id

    async def take_back(self, sale_id: int, pkg: Pkg, quantity: str, day: date) -> None:
        """A customer return of part of a one-line sale, into quarantine."""
        qty = Decimal(quantity)
        quarantine = await self._zone(ZoneKind.QUARANTINE)
        await self._post(
            ledger.Draft(pkg.id, MovementKind.RETURN, qty, None, quarantine, note="back"),
            noon(day),
            f"return:{sale_id}:",
        )
        async with db.connection() as conn:
            line = await conn.fetchrow(
                "SELECT unit_price, discount, quantity FROM sale_line WHERE sale = $1", sale_id
            )
        unit_off = line["discount"] / line["quantity"]
        self.books.sales.append((day, pkg, -qty, line["unit_price"], -unit_off * qty))
        self.books.flows.append((day, pkg, qty))

    async def write_off(self, pkg: Pkg, quantity: str, day: date, reason: AdjustmentReason) -> None:
        qty = Decimal(quantity)
        note = "seeded" if reason in (AdjustmentReason.THEFT, AdjustmentReason.OTHER) else None
        draft = ledger.Draft(
            pkg.id, MovementKind.ADJUST, qty, await self._zone(ZoneKind.VAULT), None, reason, note
        )
        await self._post(draft, noon(day), None)
        self.books.losses.append((day, pkg, qty, reason))
        self.books.flows.append((day, pkg, -qty))


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)
