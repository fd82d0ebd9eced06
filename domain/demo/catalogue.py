"""The demo catalogue: about 300 products generated from brands, strains and real retail formats.

A format is how a dispensary actually carries a product: pre-packed 3.5 g jars tracked as "each"
with their net weight, bulk flower in a pound bag tracked in grams (a Colorado deli counter),
cartridges with their concentrate content, edibles and drinks with their THC dose per unit.
Everything here is pure and deterministic for a given ``random.Random``; the loader writes it
through ``domain.catalog.services``, which validates it like any other product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from domain.catalog.model import Category
from domain.catalog.services import ProductFields
from domain.demo import names
from domain.demo.names import (
    BEVERAGE,
    CONCENTRATE,
    EDIBLE,
    FLOWER,
    PRE_ROLL,
    TINCTURE,
    TOPICAL,
    VAPE,
    Brand,
)
from domain.quantities import Unit

EACH, GRAMS = Unit.EACH, Unit.GRAMS
CENT = Decimal("0.01")
# Distillate is ~85 % THC: a 100 mg edible carries about 0.118 g of concentrate.
DISTILLATE_MG_PER_GRAM = 850


@dataclass(frozen=True)
class Format:
    """One way a product is made, packed, priced and displayed."""

    code: str
    label: str
    category: Category
    unit: Unit
    prices: tuple[str, ...]
    # Quantity a package holds when it arrives from the distributor (in the product's unit).
    pack_sizes: tuple[str, ...]
    # How much of a package a store keeps out on the floor (min, max).
    display: tuple[str, str]
    shelf_life_days: int
    unit_weight: str | None = None
    concentrate_grams: str | None = None
    # A fixed dose per unit (edibles, drinks...); None means THC follows strain potency.
    thc_mg: int | None = None
    # THC % range a lab reports for strain products.
    potency: tuple[float, float] | None = None
    # Name stems for non-strain products; None means the product is named after a strain.
    stems: tuple[str, ...] | None = None
    sites: tuple[str, ...] = ("CA", "CO")
    weight: int = 1


FORMATS: tuple[Format, ...] = (
    # Flower: pre-packed jars in "each" with their net weight; bulk by the gram (CO deli only).
    Format("F35", "3.5g", FLOWER, EACH, ("25", "30", "35", "40", "45", "50", "55", "60"),
           ("24", "32", "48", "64"), ("4", "12"), 365, "3.5", potency=(17, 31), weight=9),
    Format("F7", "7g", FLOWER, EACH, ("45", "55", "60", "70", "80", "90"),
           ("12", "16", "24"), ("2", "6"), 365, "7", potency=(17, 30), weight=3),
    Format("F14", "Smalls 14g", FLOWER, EACH, ("60", "75", "90", "110", "130"),
           ("8", "12"), ("2", "4"), 365, "14", potency=(16, 27), weight=2),
    Format("F28", "28g", FLOWER, EACH, ("120", "140", "160", "200", "240"),
           ("4", "6", "8"), ("1", "3"), 365, "28", potency=(16, 27), weight=1),
    Format("FBK", "Bulk Flower (per g)", FLOWER, GRAMS, ("6", "7", "8", "9", "10", "12"),
           ("453.6", "226.8", "113.4"), ("28", "113.4"), 365, potency=(18, 29),
           sites=("CO",), weight=3),
    # Pre-rolls.
    Format("PR1", "Pre-Roll 1g", PRE_ROLL, EACH, ("8", "10", "12", "14", "15"),
           ("50", "100"), ("10", "30"), 270, "1", potency=(18, 30), weight=4),
    Format("PR05", "Pre-Roll 0.5g", PRE_ROLL, EACH, ("5", "6", "7", "8"),
           ("50", "100"), ("10", "30"), 270, "0.5", potency=(18, 30), weight=2),
    Format("PR5P", "Mini Pre-Rolls 5pk (2.5g)", PRE_ROLL, EACH, ("25", "30", "35", "40"),
           ("24", "48"), ("4", "12"), 270, "2.5", potency=(18, 28), weight=3),
    Format("PRIN", "Live Resin Infused Pre-Roll 1g", PRE_ROLL, EACH, ("14", "16", "18", "20"),
           ("50",), ("8", "20"), 270, "1", "0.25", potency=(35, 45), weight=2),
    # Vapes: the cartridge's oil is concentrate.
    Format("V05", "Live Resin Cart 0.5g", VAPE, EACH, ("30", "35", "40", "45"),
           ("25", "50"), ("4", "10"), 540, "0.5", "0.5", potency=(72, 86), weight=4),
    Format("V1", "Distillate Cart 1g", VAPE, EACH, ("35", "40", "45", "50", "55"),
           ("25", "50"), ("4", "10"), 540, "1", "1", potency=(84, 93), weight=3),
    Format("VAIO", "All-in-One Disposable 1g", VAPE, EACH, ("40", "45", "50", "60"),
           ("20", "40"), ("4", "10"), 540, "1", "1", potency=(82, 92), weight=2),
    Format("VLR", "Live Rosin Cart 0.5g", VAPE, EACH, ("50", "55", "60", "65"),
           ("20",), ("3", "8"), 365, "0.5", "0.5", potency=(70, 82), weight=1),
    # Concentrates: 1 g jars in "each", and house wax by the gram in Colorado.
    Format("CBAD", "Live Resin Badder 1g", CONCENTRATE, EACH, ("30", "35", "40", "45", "50"),
           ("20", "40"), ("3", "8"), 540, "1", "1", potency=(68, 82), weight=3),
    Format("CSHT", "Shatter 1g", CONCENTRATE, EACH, ("20", "25", "30"),
           ("20", "40"), ("3", "8"), 540, "1", "1", potency=(70, 85), weight=2),
    Format("CSUG", "Live Resin Sugar 1g", CONCENTRATE, EACH, ("30", "35", "40", "45"),
           ("20", "40"), ("3", "8"), 540, "1", "1", potency=(70, 86), weight=2),
    Format("CROS", "Live Rosin 1g", CONCENTRATE, EACH, ("50", "60", "70", "80"),
           ("12", "24"), ("2", "6"), 365, "1", "1", potency=(65, 78), weight=2),
    Format("CHR2", "Hash Rosin 2g", CONCENTRATE, EACH, ("90", "110", "130"),
           ("10", "20"), ("1", "4"), 365, "2", "2", potency=(65, 78), weight=1),
    Format("CWAX", "House Wax (per g)", CONCENTRATE, GRAMS, ("12", "15", "18", "20"),
           ("28", "56"), ("3", "14"), 540, None, "1", potency=(68, 80), sites=("CO",),
           weight=2),
    # Edibles: dose per package, a little distillate in each.
    Format("GUM", "Gummies 10pk 100mg", EDIBLE, EACH, ("16", "18", "20", "22", "25"),
           ("48", "72", "96"), ("6", "18"), 365, thc_mg=100, stems=names.GUMMY_FLAVOURS,
           weight=5),
    Format("MGUM", "Micro-Dose Gummies 40pk 100mg", EDIBLE, EACH, ("18", "20", "22"),
           ("48", "72"), ("6", "12"), 365, thc_mg=100, stems=names.GUMMY_FLAVOURS, weight=2),
    Format("CBDG", "1:1 CBD:THC Gummies 20pk 100mg", EDIBLE, EACH, ("22", "25", "28"),
           ("48",), ("4", "12"), 365, thc_mg=100, stems=names.GUMMY_FLAVOURS, weight=2),
    Format("CHOC", "Chocolate Bar 100mg", EDIBLE, EACH, ("18", "20", "24", "28"),
           ("24", "48"), ("4", "12"), 300, thc_mg=100, stems=names.CHOCOLATES, weight=3),
    Format("MINT", "Mints 20pk 100mg", EDIBLE, EACH, ("16", "18", "20"),
           ("48",), ("4", "12"), 365, thc_mg=100, stems=names.MINTS, weight=1),
    Format("COOK", "Cookies 2pk 100mg", EDIBLE, EACH, ("12", "15"),
           ("24",), ("4", "8"), 180, thc_mg=100, stems=names.BAKED, weight=1),
    # Beverages.
    Format("BT10", "Sparkling Tonic 12oz 10mg", BEVERAGE, EACH, ("6", "7", "8", "9", "10"),
           ("24", "48"), ("6", "24"), 270, thc_mg=10, stems=names.DRINK_FLAVOURS, weight=3),
    Format("BS05", "Seltzer 12oz 5mg", BEVERAGE, EACH, ("5", "6", "7"),
           ("24", "48"), ("6", "24"), 270, thc_mg=5, stems=names.DRINK_FLAVOURS, weight=2),
    Format("BSH", "Elixir Shot 2oz 10mg", BEVERAGE, EACH, ("8", "10"),
           ("24",), ("6", "12"), 240, thc_mg=10, stems=names.DRINK_FLAVOURS, weight=1),
    # Tinctures.
    Format("T1K", "Tincture 30ml 1000mg", TINCTURE, EACH, ("45", "50", "55", "60", "65"),
           ("12", "24"), ("3", "6"), 730, thc_mg=1000, stems=names.TINCTURE_NAMES, weight=2),
    Format("T11", "1:1 THC:CBD Tincture 30ml 500mg", TINCTURE, EACH, ("45", "50", "55"),
           ("12", "24"), ("3", "6"), 730, thc_mg=500, stems=names.TINCTURE_NAMES, weight=2),
    Format("TCBN", "THC:CBN Tincture 30ml 300mg", TINCTURE, EACH, ("35", "40", "45"),
           ("12",), ("2", "6"), 730, thc_mg=300, stems=names.SLEEP_NAMES, weight=1),
    Format("T201", "20:1 CBD:THC Tincture 30ml", TINCTURE, EACH, ("40", "50", "60"),
           ("12",), ("2", "6"), 730, thc_mg=50, stems=names.TINCTURE_NAMES, weight=1),
    # Topicals.
    Format("BALM", "Balm 1oz 500mg", TOPICAL, EACH, ("30", "40", "45", "50"),
           ("12", "24"), ("3", "6"), 730, thc_mg=500, stems=names.TOPICAL_NAMES, weight=2),
    Format("LOTN", "Lotion 4oz 200mg", TOPICAL, EACH, ("25", "30", "35"),
           ("12", "24"), ("3", "6"), 540, thc_mg=200, stems=names.TOPICAL_NAMES, weight=2),
    Format("PTCH", "Transdermal Patch 20mg", TOPICAL, EACH, ("12", "15", "18"),
           ("24", "48"), ("4", "12"), 730, thc_mg=20, stems=names.TOPICAL_NAMES, weight=1),
    Format("ROLL", "Roll-On 250mg", TOPICAL, EACH, ("28", "32", "35"),
           ("12",), ("3", "6"), 540, thc_mg=250, stems=names.TOPICAL_NAMES, weight=1),
    Format("BATH", "Bath Soak 100mg", TOPICAL, EACH, ("18", "20", "25"),
           ("12",), ("3", "6"), 730, thc_mg=100, stems=names.TOPICAL_NAMES, weight=1),
)  # fmt: skip

# Products per category (~300 in all, the shape of a mid-sized store's menu).
TARGETS: dict[Category, int] = {
    FLOWER: 72,
    PRE_ROLL: 48,
    VAPE: 48,
    CONCENTRATE: 36,
    EDIBLE: 42,
    BEVERAGE: 16,
    TINCTURE: 18,
    TOPICAL: 18,
}


@dataclass(frozen=True)
class CatalogueItem:
    """A product to create, with what the stock generator needs to know about it."""

    product: ProductFields
    format: Format
    brand: Brand
    sites: tuple[str, ...]
    # The label's THC % (strain products); a batch's lab result scatters around it.
    potency: Decimal | None = None
    high_cbd: bool = False

    @property
    def sku(self) -> str:
        return self.product.sku


def code_of(name: str) -> str:
    """A short SKU part from a name: "Blue Dream" → "BLDR", "Gorilla Glue #4" → "GOGL4"."""
    words = re.findall(r"[A-Z0-9]+", name.upper())
    if len(words) == 1:
        return words[0][:4]
    return "".join(w[:2] for w in words[:3])[:6]


def _thc_mg(fmt: Format, potency: Decimal | None) -> Decimal | None:
    if fmt.thc_mg is not None:
        return Decimal(fmt.thc_mg)
    if potency is None:
        return None
    # mg of THC in one unit, or in one gram for products sold by weight.
    grams = Decimal(fmt.unit_weight or "1")
    return (grams * potency * 10).quantize(Decimal(1))


def _concentrate(fmt: Format) -> Decimal | None:
    if fmt.concentrate_grams is not None:
        return Decimal(fmt.concentrate_grams)
    if fmt.thc_mg is not None:
        return (Decimal(fmt.thc_mg) / DISTILLATE_MG_PER_GRAM).quantize(Decimal("0.001"))
    return None


def _item(rng: Random, brand: Brand, fmt: Format, stem: str, high_cbd: bool) -> CatalogueItem:
    potency = None
    if fmt.potency is not None:
        low, high = (5.0, 9.0) if high_cbd else fmt.potency
        potency = Decimal(str(round(rng.uniform(low, high), 1)))
    price = Decimal(rng.choice(fmt.prices)).quantize(CENT)
    cost = (price * Decimal(str(round(rng.uniform(0.40, 0.55), 3)))).quantize(CENT)
    product = ProductFields(
        sku=f"{brand.code}-{fmt.code}-{code_of(stem)}",
        name=f"{stem} {fmt.label}",
        category=fmt.category,
        unit=fmt.unit,
        price=price,
        unit_cost=cost,
        brand=brand.name,
        strain=stem if fmt.stems is None else None,
        unit_weight_grams=Decimal(fmt.unit_weight) if fmt.unit_weight else None,
        thc_mg_per_unit=_thc_mg(fmt, potency),
        concentrate_grams_per_unit=_concentrate(fmt),
        low_stock_threshold=Decimal(fmt.display[1]),
    )
    sites = tuple(s for s in brand.sites if s in fmt.sites)
    return CatalogueItem(product, fmt, brand, sites, potency, high_cbd)


def build_catalogue(rng: Random) -> list[CatalogueItem]:
    """About 300 products, the per-category counts of ``TARGETS``, SKUs unique."""
    items: list[CatalogueItem] = []
    skus: set[str] = set()
    for category, target in TARGETS.items():
        brands = [b for b in names.BRANDS if category in b.categories]
        formats = [f for f in FORMATS if f.category == category]
        # High-CBD cultivars are sold as flower; their extracts would need CBD:THC labels.
        strains = [s for s in names.STRAINS if category in (FLOWER, PRE_ROLL) or not s.high_cbd]
        made = attempts = 0
        while made < target:
            attempts += 1
            if attempts > target * 100:
                raise RuntimeError(f"cannot make {target} distinct {category} products")
            brand = brands[attempts % len(brands)]
            fmt = rng.choices(formats, weights=[f.weight for f in formats])[0]
            if not any(s in fmt.sites for s in brand.sites):
                continue
            if fmt.stems is None:
                strain = rng.choice(strains)
                stem, high_cbd = strain.name, strain.high_cbd
            else:
                stem, high_cbd = rng.choice(fmt.stems), False
            item = _item(rng, brand, fmt, stem, high_cbd)
            if item.sku in skus:
                continue
            skus.add(item.sku)
            items.append(item)
            made += 1
    return items
