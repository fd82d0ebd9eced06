"""Vendors and their products over GraphQL (operator-wide, like the catalogue)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.errors import CommonError, InvalidQuantity
from api.mutation import mutate
from api.pagination import parse_id, query_id
from api.purchasing.types import Vendor
from domain.purchasing import queries, vendors
from domain.service import Outcome


@strawberry.input
class CreateVendorInput:
    name: str
    license_number: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    order_weekdays: list[int] = strawberry.field(
        default_factory=list, description="0 = Monday ... 6 = Sunday; empty: any day."
    )
    default_lead_time_days: int = 7
    payment_terms: str | None = strawberry.field(default=None, description="e.g. Net 30, COD.")
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed.")
class VendorChanges:
    name: str | None = strawberry.UNSET
    license_number: str | None = strawberry.UNSET
    contact_name: str | None = strawberry.UNSET
    contact_email: str | None = strawberry.UNSET
    contact_phone: str | None = strawberry.UNSET
    order_weekdays: list[int] | None = strawberry.UNSET
    default_lead_time_days: int | None = strawberry.UNSET
    payment_terms: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class UpdateVendorInput:
    id: strawberry.ID
    changes: VendorChanges
    idempotency_key: str | None = None


@strawberry.input(description="Create or replace how a vendor sells us a product.")
class SetVendorProductInput:
    vendor_id: strawberry.ID
    product_id: strawberry.ID
    case_pack: Decimal = Decimal(1)
    minimum_order: Decimal = Decimal(0)
    last_cost: Decimal | None = None
    vendor_sku: str | None = None
    preferred: bool = strawberry.field(
        default=False, description="Buy this product from this vendor (clears the others')."
    )
    idempotency_key: str | None = None


@strawberry.input
class RemoveVendorProductInput:
    vendor_id: strawberry.ID
    product_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class VendorPayload:
    replayed: bool
    vendor: Vendor | None


VendorResult = Annotated[VendorPayload | CommonError, strawberry.union("VendorResult")]
VendorProductResult = Annotated[
    VendorPayload | InvalidQuantity | CommonError, strawberry.union("VendorProductResult")
]


def _sent(changes: Any) -> dict[str, Any]:
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not strawberry.UNSET
    }


async def _vendor(info: Info, vendor_id: int) -> Vendor | None:
    principal = await info.context.principal()
    if principal is None:
        return None
    row = await queries.vendor(principal.operator_id, vendor_id)
    if row is None:
        return None
    lead = await queries.vendor_lead_times([row])
    return Vendor.from_domain(row, lead[row.id])


async def _vendor_payload(info: Info, outcome: Outcome) -> VendorPayload:
    return VendorPayload(
        replayed=outcome.replayed, vendor=await _vendor(info, outcome.value.vendor_id)
    )


@strawberry.type
class VendorQueries:
    @strawberry.field(description="The operator's vendors by name, with products and lead times.")
    async def vendors(self, info: Info, active_only: bool = True) -> list[Vendor]:
        principal = await info.context.principal()
        if principal is None or not principal.location_ids:
            return []
        rows = await queries.vendors(principal.operator_id, active_only=active_only)
        leads = await queries.vendor_lead_times(rows)
        return [Vendor.from_domain(r, leads[r.id]) for r in rows]

    @strawberry.field
    async def vendor(self, info: Info, id: strawberry.ID) -> Vendor | None:
        return await _vendor(info, query_id(id, "vendor"))


@strawberry.type
class VendorMutations:
    @strawberry.mutation(description="Add a vendor (managers and admins).")
    async def create_vendor(self, info: Info, input: CreateVendorInput) -> VendorResult:
        def command() -> vendors.CreateVendor:
            values = {
                f.name: getattr(input, f.name)
                for f in dataclasses.fields(input)
                if f.name != "idempotency_key"
            }
            values["order_weekdays"] = tuple(values["order_weekdays"])
            return vendors.CreateVendor(vendors.VendorFields(**values), input.idempotency_key)

        return await mutate(
            info, vendors.create_vendor, command, lambda o: _vendor_payload(info, o)
        )

    @strawberry.mutation(description="Change a vendor's details, or retire it (active: false).")
    async def update_vendor(self, info: Info, input: UpdateVendorInput) -> VendorResult:
        return await mutate(
            info,
            vendors.update_vendor,
            lambda: vendors.UpdateVendor(
                parse_id(input.id, "vendor"), _sent(input.changes), input.idempotency_key
            ),
            lambda o: _vendor_payload(info, o),
        )

    @strawberry.mutation(description="Case pack, minimum order, last cost of a vendor's product.")
    async def set_vendor_product(
        self, info: Info, input: SetVendorProductInput
    ) -> VendorProductResult:
        return await mutate(
            info,
            vendors.set_vendor_product,
            lambda: vendors.SetVendorProduct(
                vendor_id=parse_id(input.vendor_id, "vendor"),
                product_id=parse_id(input.product_id, "product"),
                case_pack=input.case_pack,
                minimum_order=input.minimum_order,
                last_cost=input.last_cost,
                vendor_sku=input.vendor_sku,
                preferred=input.preferred,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _vendor_payload(info, o),
        )

    @strawberry.mutation(description="The vendor no longer sells us this product.")
    async def remove_vendor_product(
        self, info: Info, input: RemoveVendorProductInput
    ) -> VendorProductResult:
        return await mutate(
            info,
            vendors.remove_vendor_product,
            lambda: vendors.RemoveVendorProduct(
                parse_id(input.vendor_id, "vendor"),
                parse_id(input.product_id, "product"),
                input.idempotency_key,
            ),
            lambda o: _vendor_payload(info, o),
        )
