"""Word lists for the demo catalogue: brands with their licensed producers, strains, flavours, labs.

The brands, producers and labs are invented (an open-source demo should not borrow real
trademarks); strain names are the common cultivar names every menu carries. Cannabis cannot
cross state lines, so each brand names the licensee that makes it in each state it sells in,
and a batch is always produced in the state of the store that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.catalog.model import Category

FLOWER, PRE_ROLL, VAPE = Category.FLOWER, Category.PRE_ROLL, Category.VAPE
CONCENTRATE, EDIBLE, BEVERAGE = Category.CONCENTRATE, Category.EDIBLE, Category.BEVERAGE
TINCTURE, TOPICAL = Category.TINCTURE, Category.TOPICAL


@dataclass(frozen=True)
class Brand:
    name: str
    code: str
    categories: tuple[Category, ...]
    # State code → the licensee producing the brand there.
    producers: dict[str, str] = field(default_factory=dict)

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(self.producers)


BRANDS: tuple[Brand, ...] = (
    Brand("Pacific Roots", "PRT", (FLOWER, PRE_ROLL), {"CA": "Pacific Roots Cultivation LLC"}),
    Brand(
        "Humboldt Heritage", "HHF", (FLOWER, PRE_ROLL), {"CA": "Heritage Farms of Humboldt Inc."}
    ),
    Brand("Sierra Sungrown", "SSG", (FLOWER, PRE_ROLL), {"CA": "Sierra Sungrown Collective"}),
    Brand("Front Range Farms", "FRF", (FLOWER, PRE_ROLL), {"CO": "Front Range Farms LLC"}),
    Brand(
        "Alpine Ember",
        "ALP",
        (FLOWER, PRE_ROLL, CONCENTRATE),
        {"CO": "Alpine Ember Cultivation Co."},
    ),
    Brand(
        "Green Leaf Reserve",
        "GLR",
        (FLOWER, PRE_ROLL),
        {"CA": "Green Leaf Cultivation CA LLC", "CO": "Green Leaf Cultivation CO LLC"},
    ),
    Brand(
        "Golden Hour",
        "GHR",
        (FLOWER, PRE_ROLL, VAPE),
        {"CA": "Golden Hour Brands of California", "CO": "Golden Hour Brands Colorado LLC"},
    ),
    Brand(
        "Cloudline Extracts",
        "CLX",
        (VAPE, CONCENTRATE),
        {"CA": "Cloudline Extraction CA Inc.", "CO": "Cloudline Extraction CO LLC"},
    ),
    Brand("Sapphire Labs", "SPH", (VAPE, CONCENTRATE), {"CA": "Sapphire Labs Extraction Inc."}),
    Brand("Mile Marker", "MMK", (VAPE, CONCENTRATE), {"CO": "Mile Marker Extracts LLC"}),
    Brand("Goldrush Rosin", "GRR", (CONCENTRATE, VAPE), {"CA": "Goldrush Solventless Co."}),
    Brand("Moonrise Confections", "MRC", (EDIBLE,), {"CA": "Moonrise Kitchen LLC"}),
    Brand(
        "Lucid Bites",
        "LCB",
        (EDIBLE,),
        {"CA": "Lucid Infusions CA Inc.", "CO": "Lucid Infusions Colorado LLC"},
    ),
    Brand("Peak Provisions", "PKP", (EDIBLE, BEVERAGE), {"CO": "Peak Provisions MIP LLC"}),
    Brand("Tide & Tonic", "TNT", (BEVERAGE,), {"CA": "Tide & Tonic Beverage Co."}),
    Brand(
        "Fizzleaf",
        "FZL",
        (BEVERAGE,),
        {"CA": "Fizzleaf Bottling CA LLC", "CO": "Fizzleaf Bottling CO LLC"},
    ),
    Brand(
        "Calm Drop Botanicals",
        "CDB",
        (TINCTURE, TOPICAL),
        {"CA": "Calm Drop Botanicals Inc.", "CO": "Calm Drop Colorado LLC"},
    ),
    Brand("Highland Apothecary", "HLA", (TINCTURE, TOPICAL), {"CO": "Highland Apothecary LLC"}),
    Brand(
        "Remedy Ridge",
        "RMR",
        (TOPICAL, TINCTURE),
        {"CA": "Remedy Ridge Wellness Inc.", "CO": "Remedy Ridge Colorado LLC"},
    ),
    Brand("Saltwater Skin Co.", "SWS", (TOPICAL,), {"CA": "Saltwater Skin Company LLC"}),
)


@dataclass(frozen=True)
class Strain:
    name: str
    high_cbd: bool = False


_STRAIN_NAMES = (
    "Blue Dream",
    "OG Kush",
    "Gelato 41",
    "Wedding Cake",
    "Sour Diesel",
    "GSC",
    "Gorilla Glue #4",
    "Granddaddy Purple",
    "Jack Herer",
    "Northern Lights",
    "Pineapple Express",
    "Durban Poison",
    "Zkittlez",
    "Runtz",
    "Ice Cream Cake",
    "Purple Punch",
    "Mimosa",
    "Tangie",
    "Super Lemon Haze",
    "Bubba Kush",
    "Trainwreck",
    "Green Crack",
    "White Widow",
    "Strawberry Cough",
    "Cherry Pie",
    "Apple Fritter",
    "Biscotti",
    "MAC 1",
    "Gary Payton",
    "Jealousy",
    "Sunset Sherbet",
    "Do-Si-Dos",
    "Animal Mints",
    "Forbidden Fruit",
    "Banana Kush",
    "Maui Wowie",
    "Lemon Cherry Gelato",
    "Papaya",
    "Headband",
    "Chemdawg",
)
STRAINS: tuple[Strain, ...] = (
    *(Strain(name) for name in _STRAIN_NAMES),
    Strain("Harlequin", high_cbd=True),
    Strain("ACDC", high_cbd=True),
)

GUMMY_FLAVOURS = (
    "Sour Watermelon",
    "Wild Berry",
    "Mango Habanero",
    "Pink Lemonade",
    "Blood Orange",
    "Huckleberry",
    "Peach Bellini",
    "Tropical Punch",
    "Green Apple",
    "Pomegranate",
    "Blackberry Lemon",
    "Raspberry",
)
CHOCOLATES = (
    "Dark Chocolate Sea Salt",
    "Milk Chocolate Toffee",
    "Cookies & Cream",
    "Mint Dark Chocolate",
    "Espresso Crunch",
)
MINTS = ("Peppermint", "Spearmint", "Cinnamon")
BAKED = ("Snickerdoodle", "Chocolate Chip", "Brown Butter Blondie")
DRINK_FLAVOURS = (
    "Lemon Ginger",
    "Grapefruit Rosemary",
    "Black Cherry",
    "Blood Orange Yuzu",
    "Watermelon Mint",
    "Prickly Pear",
    "Cucumber Lime",
    "Huckleberry Lemonade",
)
TINCTURE_NAMES = ("Calm", "Relief", "Uplift", "Balance", "Original", "Peppermint", "Lemon")
SLEEP_NAMES = ("Sleep", "Night Time", "Deep Rest")
TOPICAL_NAMES = (
    "Cooling Menthol",
    "Warming Arnica",
    "Lavender",
    "Eucalyptus",
    "Unscented",
    "Citrus",
    "Rose Geranium",
)

# State-licensed testing laboratories (invented), by state: (code, name).
LABS: dict[str, tuple[tuple[str, str], ...]] = {
    "CA": (("GGA", "Golden Gate Analytical"), ("CSL", "Central Sierra Labs")),
    "CO": (("RPL", "Rocky Peak Labs"), ("MHT", "Mile High Testing")),
}
