"""The demo's batches and packages: lab results, dates, METRC tags and where each package sits.

Pure and deterministic for a given ``random.Random`` and date. Batches are produced in the state
of the store that holds them; most passed the lab, a few still wait for results (their stock
stays in the vault or quarantine), a handful expire within the week, and one failed and sits on
hold in quarantine. ``check_plan`` re-checks the rules the ledger relies on before anything is
written, because opening balances are registered straight into their zones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from domain.catalog.model import SELLABLE_LAB_STATUSES, Category, LabStatus
from domain.catalog.services import BatchFields
from domain.demo import names
from domain.demo.catalogue import CatalogueItem
from domain.demo.sites import SITES
from domain.numbers import DecimalRefused, check_decimal
from domain.organisation.model import SELLABLE_KINDS, ZoneKind
from domain.quantities import PLACES, Unit

TOTAL_PACKAGES = 2000
PENDING_BATCHES = 24
EXPIRING_BATCHES = 10
REMEDIATED_BATCHES = 2
FAILED_PACKAGES = 3
TAG = re.compile(r"^[0-9A-Z]{24}$")
VAULT, FLOOR, RESERVED = ZoneKind.VAULT, ZoneKind.SALES_FLOOR, ZoneKind.RESERVED
QUARANTINE, QA, SAMPLES = ZoneKind.QUARANTINE, ZoneKind.QA_TESTING, ZoneKind.SAMPLES

# How many lots of one product a store tends to have open, and how much stock each category
# carries (weights for spreading the packages over the batches).
_BATCH_COUNTS: dict[Category, tuple[tuple[int, ...], tuple[int, ...]]] = {
    Category.FLOWER: ((1, 2, 3), (5, 4, 1)),
    Category.PRE_ROLL: ((1, 2), (6, 4)),
    Category.VAPE: ((1, 2), (6, 4)),
    Category.CONCENTRATE: ((1, 2), (7, 3)),
    Category.EDIBLE: ((1, 2), (7, 3)),
}
_PACKAGE_WEIGHT = {
    Category.FLOWER: 3.0,
    Category.PRE_ROLL: 2.5,
    Category.VAPE: 2.5,
    Category.EDIBLE: 2.5,
    Category.CONCENTRATE: 2.0,
    Category.BEVERAGE: 2.0,
}
# The oldest stock a store still has of each category (days since packaging).
_MAX_AGE = {Category.FLOWER: 150, Category.PRE_ROLL: 120, Category.BEVERAGE: 150}
_CURED = (Category.FLOWER, Category.PRE_ROLL)
_EXTRACTED = (Category.VAPE, Category.CONCENTRATE)
# Where a passed package sits: unopened in the vault, restocked onto the floor, only on the
# floor (the open one), with units set aside for online orders, or with a staff sample pulled.
_SCENARIOS = ("vault", "shelf", "floor", "shelf+reserved", "samples")
_SCENARIO_WEIGHTS = (51, 30, 10, 8, 1)


@dataclass(frozen=True)
class BatchPlan:
    key: str
    item: CatalogueItem
    site: str
    # ``product_id`` is filled in once the product exists.
    fields: BatchFields


@dataclass(frozen=True)
class PackagePlan:
    tag: str
    site: str
    batch: BatchPlan
    balances: tuple[tuple[ZoneKind, Decimal], ...]
    hold_reason: str | None = None

    @property
    def unit(self) -> Unit:
        return self.batch.item.product.unit


@dataclass
class StockPlan:
    batches: list[BatchPlan] = field(default_factory=list)
    packages: list[PackagePlan] = field(default_factory=list)


class TagIssuer:
    """METRC-style tags for one facility: ``1A4`` + facility code + a 12-digit sequence.

    Tags come off the state's roll in order; the occasional gap is a tag used for something that
    has since left the store.
    """

    def __init__(self, facility_code: str, start: int) -> None:
        if len(facility_code) != 9:
            raise ValueError("a facility code is nine characters")
        self.facility_code = facility_code
        self.sequence = start

    def issue(self, rng: Random) -> str:
        if rng.random() < 0.08:
            self.sequence += rng.randint(2, 25)
        self.sequence += 1
        return f"1A4{self.facility_code}{self.sequence:012d}"


def _amount(rng: Random, unit: Unit, low: Decimal, high: Decimal) -> Decimal:
    if unit == Unit.EACH:
        return Decimal(rng.randint(int(low), max(int(low), int(high))))
    return Decimal(str(round(rng.uniform(float(low), float(high)), 1)))


def _dates(rng: Random, item: CatalogueItem, kind: str, today: date) -> dict[str, date | None]:
    shelf = item.format.shelf_life_days
    category = item.product.category
    if kind == "pending":
        age = rng.randint(2, 12)
    elif kind == "failed":  # a failed result comes back within weeks of packaging
        age = rng.randint(8, 20)
    elif kind == "expiring":
        age = shelf - rng.randint(2, 6)
    else:
        age = rng.randint(7, min(shelf - 21, _MAX_AGE.get(category, 240)))
    produced = today - timedelta(days=age)
    harvested = None
    if category in _CURED:
        harvested = produced - timedelta(days=rng.randint(14, 45))
    elif category in _EXTRACTED:
        harvested = produced - timedelta(days=rng.randint(5, 60))
    return {
        "production_date": produced,
        "harvest_date": harvested,
        "expires_on": produced + timedelta(days=shelf),
    }


def _batch(rng: Random, item: CatalogueItem, site: str, kind: str, today: date) -> BatchFields:
    dates = _dates(rng, item, kind, today)
    produced = dates["production_date"]
    assert produced is not None
    number = f"{item.brand.code}{produced:%y%m%d}-{rng.randint(1, 99):02d}"
    thc = cbd = certificate = None
    lab = LabStatus.PENDING
    if kind != "pending":
        lab = {"failed": LabStatus.FAILED, "remediated": LabStatus.REMEDIATED}.get(
            kind, LabStatus.PASSED
        )
        lab_code, _ = rng.choice(names.LABS[site])
        certificate = f"{lab_code}-{produced:%y%m}-{rng.randint(1000, 99999):05d}"
        if kind == "remediated":
            certificate += "-R1"
        if item.potency is not None:
            thc = Decimal(str(round(float(item.potency) + rng.uniform(-1.5, 1.5), 2)))
            high = (8.0, 15.0) if item.high_cbd else (0.05, 0.9)
            cbd = Decimal(str(round(rng.uniform(*high), 2)))
    return BatchFields(
        product_id=0,
        producer_batch_number=number,
        producer_name=item.brand.producers[site],
        lab_status=lab,
        thc_percent=thc,
        cbd_percent=cbd,
        certificate_reference=certificate,
        **dates,
    )


def _balances(rng: Random, batch: BatchPlan, kind: str, qa: bool) -> dict[ZoneKind, Decimal]:
    fmt = batch.item.format
    unit = batch.item.product.unit
    pack = Decimal(rng.choice(fmt.pack_sizes))
    low, high = (Decimal(x) for x in fmt.display)
    one = Decimal(1)
    if kind == "failed":
        return {QUARANTINE: pack}
    if kind == "pending":
        home = rng.choices((VAULT, QUARANTINE), (7, 3))[0]
        if qa:  # the lab's sample, pulled and waiting for pick-up
            sample = Decimal(2) if unit == Unit.EACH else Decimal("2.0")
            return {home: pack - sample, QA: sample}
        return {home: pack}
    scenario = rng.choices(_SCENARIOS, _SCENARIO_WEIGHTS)[0]
    if scenario == "vault":
        return {VAULT: pack}
    if scenario == "samples":
        return {VAULT: pack - one, SAMPLES: one}
    if scenario == "floor":
        return {FLOOR: _amount(rng, unit, low, min(high, pack))}
    remaining = pack - _amount(rng, unit, Decimal(0), pack * Decimal("0.4"))
    balances = {FLOOR: min(_amount(rng, unit, low, high), remaining)}
    if scenario == "shelf+reserved":
        held = _amount(rng, unit, one, Decimal(3)) if unit == Unit.EACH else Decimal("7.0")
        balances[RESERVED] = min(held, remaining - balances[FLOOR])
    balances[VAULT] = remaining - sum(balances.values(), Decimal(0))
    return {zone: q for zone, q in balances.items() if q > 0}


def build_stock(rng: Random, catalogue: list[CatalogueItem], today: date) -> StockPlan:
    """Batches for every product at every store that sells it, and 2,000 packages over them."""
    slots = [
        (item, site)
        for item in catalogue
        for site in item.sites
        for _ in range(rng.choices(*_BATCH_COUNTS.get(item.product.category, ((1,), (1,))))[0])
    ]
    kinds = ["passed"] * len(slots)
    order = list(range(len(slots)))
    rng.shuffle(order)
    specials = ["pending"] * PENDING_BATCHES + ["expiring"] * EXPIRING_BATCHES
    for index, kind in zip(order, specials, strict=False):
        kinds[index] = kind
    cured = [i for i in order[len(specials) :] if slots[i][0].product.category in _CURED]
    for index in cured[:REMEDIATED_BATCHES]:
        kinds[index] = "remediated"
    failing = rng.choice([it for it in catalogue if it.format.code == "F35" and "CA" in it.sites])
    slots.append((failing, "CA"))
    kinds.append("failed")

    plan = StockPlan()
    numbers: set[tuple[str, str]] = set()
    for (item, site), kind in zip(slots, kinds, strict=True):
        fields = _batch(rng, item, site, kind, today)
        while (item.sku, fields.producer_batch_number) in numbers:
            fields = _batch(rng, item, site, kind, today)
        numbers.add((item.sku, fields.producer_batch_number))
        key = f"{item.sku}/{fields.producer_batch_number}"
        plan.batches.append(BatchPlan(key, item, site, fields))

    counts = [1] * len(plan.batches)
    counts[-1] = FAILED_PACKAGES
    weights = [_PACKAGE_WEIGHT.get(b.item.product.category, 1.5) for b in plan.batches[:-1]]
    for index in rng.choices(range(len(weights)), weights, k=TOTAL_PACKAGES - sum(counts)):
        counts[index] += 1

    pending_seen = {s.code: 0 for s in SITES}
    issuers = {s.code: TagIssuer(s.facility_code, rng.randint(100_000, 900_000)) for s in SITES}
    for batch, kind, count in zip(plan.batches, kinds, counts, strict=True):
        reason = None
        if kind == "failed":
            reason = (
                f"Failed state compliance testing (COA {batch.fields.certificate_reference}):"
                " total yeast and mold above the action level. Held in quarantine pending"
                " remediation or destruction."
            )
        pending_seen[batch.site] += kind == "pending"
        for n in range(count):
            # Every other pending batch at a store still has its lab sample on site.
            qa = kind == "pending" and n == 0 and pending_seen[batch.site] % 2 == 1
            balances = _balances(rng, batch, kind, qa)
            tag = issuers[batch.site].issue(rng)
            plan.packages.append(
                PackagePlan(tag, batch.site, batch, tuple(balances.items()), reason)
            )
    check_plan(plan, today)
    return plan


def check_plan(plan: StockPlan, today: date) -> None:
    """Refuse a plan that would put stock where the store's rules forbid it."""
    tags = [p.tag for p in plan.packages]
    if len(set(tags)) != len(tags):
        raise ValueError("demo tags are not unique")
    failed = [b for b in plan.batches if b.fields.lab_status == LabStatus.FAILED]
    if len(failed) != 1:
        raise ValueError(f"expected one failed batch, planned {len(failed)}")
    for package in plan.packages:
        fields = package.batch.fields
        if not TAG.match(package.tag):
            raise ValueError(f"{package.tag} is not a 24-character METRC tag")
        zones = [zone for zone, _ in package.balances]
        if not zones or len(set(zones)) != len(zones):
            raise ValueError(f"{package.tag} needs distinct zones")
        for _, quantity in package.balances:
            try:
                check_decimal(quantity, places=PLACES, allow_zero=False)
            except DecimalRefused:
                raise ValueError(f"{package.tag}: {quantity} is not a ledger quantity") from None
            if package.unit == Unit.EACH and quantity != quantity.to_integral_value():
                raise ValueError(f"{package.tag}: {quantity} is not a whole number of units")
        sellable = fields.lab_status in SELLABLE_LAB_STATUSES and (
            fields.expires_on is None or fields.expires_on >= today
        )
        if not sellable and any(zone in SELLABLE_KINDS for zone in zones):
            raise ValueError(f"{package.tag} cannot be sold yet is planned for the floor")
        if fields.lab_status == LabStatus.FAILED and (
            zones != [QUARANTINE] or not package.hold_reason
        ):
            raise ValueError(f"{package.tag} of the failed batch must be held in quarantine")
