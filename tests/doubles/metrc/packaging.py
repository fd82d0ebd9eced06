"""``POST /packages/v2/``: new packages made from existing ones (repackaging, assembly).

What METRC checks, as the double models it: each new tag is a well-formed, unused tag; each
ingredient is an active package of the facility with enough left (in its own unit), across all
rows of the request; quantities are positive; ``ActualDate`` is given. The ingredients'
quantities leave them, the new package gets its own quantity (what was lost in packaging is an
adjustment of its own, not part of this request). A refused request changes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from .records import Package, PackageStatus
from .rules import TAG, Row, RowErrors, Store, in_package_unit, package_at, usable


def create_packages(store: Store, license_number: str, rows: list[Row]) -> list[int]:
    errors = RowErrors()
    left: dict[str, Decimal] = {}
    planned: list[tuple[Row, list[tuple[Package, Decimal]]]] = []
    new_tags: set[str] = set()
    for i, row in enumerate(rows):
        tag = row.get("tag")
        if not isinstance(tag, str) or not TAG.fullmatch(tag):
            errors.add(i, f"'{tag}' is not a package tag (24 digits/capitals)", violation=True)
        elif tag in store.packages or tag in new_tags:
            errors.add(i, f"Tag {tag} is already in use.")
        else:
            new_tags.add(tag)
        quantity = row.get("quantity")
        if not isinstance(quantity, int | float) or isinstance(quantity, bool) or quantity <= 0:
            errors.add(i, "Quantity must be greater than zero.")
        if not row.get("actualDate"):
            errors.add(i, "ActualDate is required.")
        ingredients = row.get("ingredients") or []
        if not ingredients:
            errors.add(i, "At least one ingredient package is required.")
        taken: list[tuple[Package, Decimal]] = []
        for ingredient in ingredients:
            source = package_at(store, license_number, (ingredient or {}).get("package"), i, errors)
            if source is None or not usable(source, i, errors):
                continue
            amount = in_package_unit(
                source, ingredient.get("quantity"), ingredient.get("unitOfMeasure"), i, errors
            )
            if amount is None:
                continue
            if amount <= 0:
                errors.add(i, f"Ingredient {source.label}: quantity must be greater than zero.")
                continue
            after = left.get(source.label, source.quantity) - amount
            if after < 0:
                errors.add(i, f"Package {source.label} does not have {amount} left.")
            left[source.label] = after
            taken.append((source, amount))
        planned.append((row, taken))
    errors.raise_if_any()
    now = store.clock()
    ids = []
    for row, taken in planned:
        for source, amount in taken:
            source.quantity -= amount
            source.last_modified = now
        first = taken[0][0]
        package = Package(
            id=store.next_id("package", start=100001),
            label=row["tag"],
            license_number=license_number,
            item_id=store.next_id("item", start=5001),
            item_name=str(row.get("item")),
            quantity=Decimal(str(row["quantity"])),
            unit_of_measure=str(row.get("unitOfMeasure")),
            status=PackageStatus.ACTIVE,
            last_modified=now,
            item_category=first.item_category,
            lab_testing_state=first.lab_testing_state,
            packaged_date=now.date(),
            note=row.get("note"),
            is_trade_sample=row.get("isTradeSample") is True,
        )
        store.packages[package.label] = package
        pool = store.tag_pool.get(license_number, [])
        if package.label in pool:
            pool.remove(package.label)  # a tag carried by a package is no longer available
        ids.append(package.id)
    return ids


def available_tags(store: Store, license_number: str) -> list[dict[str, object]]:
    """``GET /tags/v2/package/available``: the facility's unused package tags."""
    return [
        {
            "Id": 700000 + n,
            "Label": label,
            "TagTypeName": "CannabisPackage",
            "TagInventoryTypeName": "Package",
            "GroupTagTypeId": None,
            "GroupTagTypeName": None,
            "TagTypeId": 1,
            "MaxGroupSize": 0,
            "FacilityId": None,
        }
        for n, label in enumerate(store.tag_pool.get(license_number, []))
    ]
