"""Typed GraphQL errors (union members) and the one mapping from domain refusals to them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar, Union

import strawberry

from domain import errors as domain_errors

log = logging.getLogger(__name__)


@strawberry.interface(description="A refusal the caller can act on. Nothing was written.")
class UserError:
    message: str


@strawberry.type(description="The zone holds less of the package than was asked for.")
class InsufficientStock(UserError):
    tag: str
    zone_id: strawberry.ID
    zone_name: str
    requested: Decimal
    available: Decimal


@strawberry.type(description="Held, recalled, failed lab or expired stock cannot go there.")
class PackageNotSellable(UserError):
    tag: str
    reason: str


@strawberry.type(description="Zero, negative, NaN, over-precise or absurd quantity.")
class InvalidQuantity(UserError):
    field: str
    reason: str


@strawberry.type(description="The quantity's unit is not the package's unit.")
class UnitMismatch(UserError):
    expected: str
    given: str


@strawberry.type(description="Nothing with that id or tag is visible to you.")
class NotFound(UserError):
    entity: str
    key: str


@strawberry.type(description="Your role at this location does not allow this.")
class PermissionDenied(UserError):
    action: str


@strawberry.type(description="An input field is invalid; `field` names it.")
class ValidationError(UserError):
    field: str
    reason: str


@strawberry.type(description="Wrong e-mail or password.")
class InvalidCredentials(UserError):
    pass


@strawberry.type(
    description="Too many failed sign-ins for this e-mail or from this address; refused, even"
    " with the right password, until the lockout ends."
)
class TooManyLoginAttempts(UserError):
    retry_after_seconds: int


@strawberry.type(description="One purchase-limit bucket this sale would exceed.")
class LimitBucket:
    bucket: str
    label: str
    unit: str
    limit: Decimal
    already_purchased: Decimal
    this_sale: Decimal
    total: Decimal
    over_by: Decimal


@strawberry.type(description="The state's purchase limit forbids this sale; nothing was sold.")
class PurchaseLimitExceeded(UserError):
    state: str
    buckets: list[LimitBucket]


@strawberry.type(description="A product lacks the data its state's limit needs (e.g. THC mg).")
class LimitCannotBeChecked(UserError):
    tag: str
    field: str
    reason: str


@strawberry.type(description="The state system could never record this line; nothing was sold.")
class StateCannotRecord(UserError):
    tag: str
    system: str
    reason: str


@strawberry.type
class MissingStock:
    item: str
    product_id: strawberry.ID | None
    tag: str | None
    requested: Decimal
    available: Decimal


@strawberry.type(description="Not enough sellable stock for the order; nothing was reserved.")
class ReservationShortage(UserError):
    missing: list[MissingStock]


@strawberry.type(description="The reservation was already fulfilled, cancelled or expired.")
class ReservationNotHeld(UserError):
    reservation_id: strawberry.ID
    status: str


@strawberry.type(description="The scanned tag is not on this shipment's manifest.")
class TagNotOnManifest(UserError):
    tag: str


@strawberry.type(description="This tag was already scanned in this session.")
class AlreadyScanned(UserError):
    tag: str
    decision: str


@strawberry.type(description="The re-weighed quantity is outside tolerance: a manager overrides.")
class WeightOutsideTolerance(UserError):
    tag: str
    shipped: Decimal
    measured: Decimal
    tolerance_pct: Decimal


@strawberry.type(description="The package's certificate of analysis failed: reject it.")
class CertificateFailed(UserError):
    tag: str
    lab_state: str


@strawberry.type(description="Receiving cannot complete yet; `missing` says what is left.")
class ReceivingIncomplete(UserError):
    missing: list[str]


@strawberry.type(description="The shipment was already received.")
class AlreadyCompleted(UserError):
    shipment_id: strawberry.ID


@strawberry.type(description="The state lists no adjustment reason of that name for this licence.")
class UnknownStateReason(UserError):
    state_reason: str
    known: list[str] = strawberry.field(description="The names it lists (empty: never fetched).")


@strawberry.type(
    description="The state reason this adjustment is reported as needs a note or a waste weight."
)
class ReasonDetailRequired(UserError):
    reason: str
    state_reason: str
    missing: list[str] = strawberry.field(description="note and/or wasteWeight.")


@strawberry.type(description="The state system could not be asked; nothing was changed.")
class StateSystemUnavailable(UserError):
    system: str
    detail: str


def to_graphql(exc: domain_errors.DomainError) -> UserError:
    match exc:
        case domain_errors.InsufficientStock():
            return InsufficientStock(
                message=exc.message,
                tag=exc.tag,
                zone_id=strawberry.ID(str(exc.zone_id)),
                zone_name=exc.zone_name,
                requested=exc.requested,
                available=exc.available,
            )
        case domain_errors.PackageNotSellable():
            return PackageNotSellable(message=exc.message, tag=exc.tag, reason=exc.reason)
        case domain_errors.InvalidQuantity():
            return InvalidQuantity(message=exc.message, field=exc.field, reason=exc.reason)
        case domain_errors.UnitMismatch():
            return UnitMismatch(message=exc.message, expected=exc.expected, given=exc.given)
        case domain_errors.NotFound():
            return NotFound(message=exc.message, entity=exc.entity, key=exc.key)
        case domain_errors.PermissionDenied():
            return PermissionDenied(message=exc.message, action=exc.action)
        case domain_errors.ValidationError():
            return ValidationError(message=exc.message, field=exc.field, reason=exc.reason)
        case domain_errors.InvalidCredentials():
            return InvalidCredentials(message=exc.message)
        case domain_errors.TooManyLoginAttempts():
            return TooManyLoginAttempts(
                message=exc.message, retry_after_seconds=exc.retry_after_seconds
            )
        case domain_errors.PurchaseLimitExceeded():
            return PurchaseLimitExceeded(
                message=exc.message,
                state=exc.state,
                buckets=[
                    LimitBucket(
                        bucket=b["bucket"],
                        label=b["label"],
                        unit=b["unit"],
                        limit=Decimal(b["limit"]),
                        already_purchased=Decimal(b["already_purchased"]),
                        this_sale=Decimal(b["this_sale"]),
                        total=Decimal(b["total"]),
                        over_by=Decimal(b["over_by"]),
                    )
                    for b in exc.buckets
                ],
            )
        case domain_errors.LimitCannotBeChecked():
            return LimitCannotBeChecked(
                message=exc.message, tag=exc.tag, field=exc.field, reason=exc.reason
            )
        case domain_errors.StateCannotRecord():
            return StateCannotRecord(
                message=exc.message, tag=exc.tag, system=exc.system, reason=exc.reason
            )
        case domain_errors.ReservationShortage():
            return ReservationShortage(
                message=exc.message,
                missing=[
                    MissingStock(
                        item=m["item"],
                        product_id=strawberry.ID(str(m["product_id"])) if m["product_id"] else None,
                        tag=m["tag"],
                        requested=Decimal(m["requested"]),
                        available=Decimal(m["available"]),
                    )
                    for m in exc.missing
                ],
            )
        case domain_errors.TagNotOnManifest():
            return TagNotOnManifest(message=exc.message, tag=exc.tag)
        case domain_errors.AlreadyScanned():
            return AlreadyScanned(message=exc.message, tag=exc.tag, decision=exc.decision)
        case domain_errors.WeightOutsideTolerance():
            return WeightOutsideTolerance(
                message=exc.message,
                tag=exc.tag,
                shipped=exc.shipped,
                measured=exc.measured,
                tolerance_pct=exc.tolerance_pct,
            )
        case domain_errors.CertificateFailed():
            return CertificateFailed(message=exc.message, tag=exc.tag, lab_state=exc.lab_state)
        case domain_errors.ReceivingIncomplete():
            return ReceivingIncomplete(message=exc.message, missing=exc.missing)
        case domain_errors.AlreadyCompleted():
            return AlreadyCompleted(
                message=exc.message, shipment_id=strawberry.ID(str(exc.shipment_id))
            )
        case domain_errors.ReservationNotHeld():
            return ReservationNotHeld(
                message=exc.message,
                reservation_id=strawberry.ID(str(exc.reservation_id)),
                status=exc.status,
            )
        case domain_errors.UnknownStateReason():
            return UnknownStateReason(
                message=exc.message, state_reason=exc.state_reason, known=exc.known
            )
        case domain_errors.ReasonDetailRequired():
            return ReasonDetailRequired(
                message=exc.message,
                reason=exc.reason,
                state_reason=exc.state_reason,
                missing=exc.missing,
            )
        case domain_errors.StateSystemUnavailable():
            return StateSystemUnavailable(message=exc.message, system=exc.system, detail=exc.detail)
    return ValidationError(message=exc.message, field="", reason=exc.message)


COMMON_ERRORS: tuple[type, ...] = (NotFound, PermissionDenied, ValidationError)
STOCK_ERRORS: tuple[type, ...] = (
    InsufficientStock,
    PackageNotSellable,
    InvalidQuantity,
    UnitMismatch,
    *COMMON_ERRORS,
)


SALE_ERRORS: tuple[type, ...] = (
    PurchaseLimitExceeded,
    LimitCannotBeChecked,
    StateCannotRecord,
    ReservationNotHeld,
    *STOCK_ERRORS,
)
RESERVATION_ERRORS: tuple[type, ...] = (ReservationShortage, *SALE_ERRORS)
RECEIVING_ERRORS: tuple[type, ...] = (
    TagNotOnManifest,
    AlreadyScanned,
    WeightOutsideTolerance,
    CertificateFailed,
    ReceivingIncomplete,
    AlreadyCompleted,
    *STOCK_ERRORS,
)


def result_union(name: str, success: type, errors: tuple[type, ...] = COMMON_ERRORS) -> Any:
    """``Annotated[Success | errors..., strawberry.union(name)]`` for a mutation's result."""
    return Annotated[Union[(success, *errors)], strawberry.union(name)]


T = TypeVar("T")


async def attempt(
    call: Callable[[], Awaitable[Any]],
    present: Callable[[Any], Awaitable[T] | T],
    allowed: tuple[type, ...],
) -> T | UserError:
    """Run a service call; present its outcome, or return its refusal as a typed error.

    A refusal whose type the union lacks becomes a ValidationError rather than a server error.
    """
    try:
        outcome = await call()
    except domain_errors.DomainError as exc:
        error = to_graphql(exc)
        if type(error) not in allowed:
            log.warning("%s is not in the result union; sent as ValidationError", type(error))
            error = ValidationError(message=exc.message, field="", reason=exc.message)
        return error
    shown = present(outcome)
    if hasattr(shown, "__await__"):
        shown = await shown  # type: ignore[misc]
    return shown  # type: ignore[return-value]
