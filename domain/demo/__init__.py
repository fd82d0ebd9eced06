"""Demo data that looks like a real two-state dispensary operator (``leafledger demo``).

Green Leaf Cannabis Co. holds a California and a Colorado licence, carries about 300 products in
eight categories and 2,000 METRC-tagged packages spread over vault, floor and reserved zones,
with batches that passed, await or failed their lab tests, one user per role, and a year of
sales, deliveries and restocks before today at both stores. The data is
generated deterministically (``random.Random(2026)``, dates relative to today) and written
through the domain's own services and ledger, so it obeys every rule real data does.
"""

from __future__ import annotations

from domain import db
from domain.demo.loader import populate
from domain.demo.sites import PASSWORD, credential_lines
from domain.unit_of_work import UnitOfWork

__all__ = ["PASSWORD", "credential_lines", "load_demo", "populate"]


async def load_demo(uow: UnitOfWork, database_url: str, *, reset: bool = False) -> list[str]:
    """Load the demo into the migrated database at ``database_url``; return credential lines.

    Loads nothing when the demo is already there, unless ``reset`` wipes every LeafLedger table
    first (piccolo's ``migration`` table is kept). Starts and stops its own pool; when a pool is
    already running on the same database (tests, an embedding process) it uses that one and
    leaves it running.
    """
    if db.DB.pool is not None:
        if db.DB.config.get("dsn") != database_url:
            raise RuntimeError("the database pool is already running on another database")
        return await populate(uow, reset=reset)
    db.configure(database_url)
    await db.start(min_size=1, max_size=2)
    try:
        return await populate(uow, reset=reset)
    finally:
        await db.stop()
