"""Typed GraphQL errors (union members), derived from the domain refusals.

A refusal's facts are declared once, as a dataclass in ``domain/errors.py``. Each class here only
names the GraphQL type and describes it; ``derived`` reads the domain dataclass's fields and gives
the type the same fields (camelCased by strawberry): Decimal stays Decimal, an int named ``*_id``
(or ``id``) is an ID, a nested dataclass (a limit bucket, a missing order line) is the object type
derived from it, lists and optionals follow. ``to_graphql`` converts any refusal through the same
table, so there is no per-error mapping to keep in step. The classes are written out (one line
each, not made in a loop) so that a type checker can name them in the result unions.

``api/mutation.py`` turns a service call into a mutation result with these types.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar

import strawberry

from domain import errors as domain_errors

T = TypeVar("T")


@strawberry.interface(description="A refusal the caller can act on. Nothing was written.")
class UserError:
    message: str


# domain dataclass -> the strawberry type derived from it (refusals and nested objects).
_DERIVED: dict[type, type] = {}


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _graphql_annotation(name: str, hint: Any) -> Any:
    """The GraphQL-side annotation of a domain field's type hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [_graphql_annotation(name, a) for a in typing.get_args(hint)]
        return typing.Union[tuple(members)]  # noqa: UP007 (built from a list)
    if origin is list:
        (item,) = typing.get_args(hint)
        return list[_graphql_annotation(name, item)]
    if hint is int and _is_id(name):
        return strawberry.ID
    if hint in (str, int, bool, Decimal, type(None)):
        return hint
    if hint in _DERIVED:
        return _DERIVED[hint]
    raise TypeError(f"{name}: no GraphQL type for {hint!r} (derive its dataclass first)")


def _graphql_value(name: str, value: Any) -> Any:
    """A domain field's value as the derived type holds it."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_graphql_value(name, v) for v in value]
    if dataclasses.is_dataclass(value) and type(value) in _DERIVED:
        return _convert(value)
    if isinstance(value, int) and not isinstance(value, bool) and _is_id(name):
        return strawberry.ID(str(value))
    return value


def _convert(obj: Any, domain_cls: type | None = None) -> Any:
    """A domain refusal (or nested fact) as an instance of its derived GraphQL type."""
    gql = _DERIVED[domain_cls or type(obj)]
    names: list[str] = getattr(gql, "__derived_fields__")  # noqa: B009 (set by ``derived``)
    values = {name: _graphql_value(name, getattr(obj, name)) for name in names}
    if isinstance(obj, domain_errors.DomainError):
        values["message"] = obj.message
    return gql(**values)


def derived(
    domain_cls: type,
    description: str | None = None,
    *,
    hidden: tuple[str, ...] = (),
    field_descriptions: Mapping[str, str] | None = None,
) -> Callable[[type[T]], type[T]]:
    """Make the decorated (empty) class the strawberry type of ``domain_cls``'s dataclass fields.

    ``hidden`` names fields clients never see (their facts are in the message already)."""

    def derive(cls: type[T]) -> type[T]:
        hints = typing.get_type_hints(domain_cls)
        annotations: dict[str, Any] = {}
        for f in dataclasses.fields(domain_cls):
            if f.name == "message" or f.name in hidden:
                continue
            annotations[f.name] = _graphql_annotation(f.name, hints[f.name])
            text = (field_descriptions or {}).get(f.name)
            if text is not None:
                setattr(cls, f.name, strawberry.field(description=text))
        cls.__annotations__ = annotations
        setattr(cls, "__derived_fields__", list(annotations))  # noqa: B010 (read by _convert)
        gql = strawberry.type(cls, description=description)
        _DERIVED[domain_cls] = gql
        return gql

    return derive


# Nested facts, derived before the refusals that carry them.
@derived(domain_errors.LimitBucket, "One purchase-limit bucket this sale would exceed.")
class LimitBucket:
    pass


@derived(domain_errors.MissingStock)
class MissingStock:
    pass


@derived(domain_errors.InsufficientStock, "The zone holds less of the package than was asked for.")
class InsufficientStock(UserError):
    pass


@derived(
    domain_errors.PackageNotSellable, "Held, recalled, failed lab or expired stock cannot go there."
)
class PackageNotSellable(UserError):
    pass


@derived(domain_errors.InvalidQuantity, "Zero, negative, NaN, over-precise or absurd quantity.")
class InvalidQuantity(UserError):
    pass


@derived(domain_errors.UnitMismatch, "The quantity's unit is not the package's unit.")
class UnitMismatch(UserError):
    pass


@derived(domain_errors.NotFound, "Nothing with that id or tag is visible to you.")
class NotFound(UserError):
    pass


@derived(
    domain_errors.PermissionDenied,
    "Your role at this location does not allow this.",
    hidden=("detail",),
)
class PermissionDenied(UserError):
    pass


@derived(domain_errors.ValidationError, "An input field is invalid; `field` names it.")
class ValidationError(UserError):
    pass


@derived(domain_errors.InvalidCredentials, "Wrong e-mail or password.")
class InvalidCredentials(UserError):
    pass


@derived(
    domain_errors.TooManyLoginAttempts,
    "Too many failed sign-ins for this e-mail or from this address; refused, even"
    " with the right password, until the lockout ends.",
)
class TooManyLoginAttempts(UserError):
    pass


@derived(
    domain_errors.PurchaseLimitExceeded,
    "The state's purchase limit forbids this sale; nothing was sold.",
)
class PurchaseLimitExceeded(UserError):
    pass


@derived(
    domain_errors.LimitCannotBeChecked,
    "A product lacks the data its state's limit needs (e.g. THC mg).",
)
class LimitCannotBeChecked(UserError):
    pass


@derived(
    domain_errors.StateCannotRecord,
    "The state system could never record this line; nothing was sold.",
)
class StateCannotRecord(UserError):
    pass


@derived(
    domain_errors.ReservationShortage,
    "Not enough sellable stock for the order; nothing was reserved.",
)
class ReservationShortage(UserError):
    pass


@derived(
    domain_errors.ReservationNotHeld,
    "The reservation was already fulfilled, cancelled or expired.",
)
class ReservationNotHeld(UserError):
    pass


@derived(domain_errors.TagNotOnManifest, "The scanned tag is not on this shipment's manifest.")
class TagNotOnManifest(UserError):
    pass


@derived(domain_errors.AlreadyScanned, "This tag was already scanned in this session.")
class AlreadyScanned(UserError):
    pass


@derived(
    domain_errors.WeightOutsideTolerance,
    "The re-weighed quantity is outside tolerance: a manager overrides.",
)
class WeightOutsideTolerance(UserError):
    pass


@derived(
    domain_errors.CertificateFailed,
    "The package's certificate of analysis failed: reject it.",
)
class CertificateFailed(UserError):
    pass


@derived(
    domain_errors.ReceivingIncomplete,
    "Receiving cannot complete yet; `missing` says what is left.",
)
class ReceivingIncomplete(UserError):
    pass


@derived(domain_errors.AlreadyCompleted, "The shipment was already received.")
class AlreadyCompleted(UserError):
    pass


@derived(
    domain_errors.UnknownStateReason,
    "The state lists no adjustment reason of that name for this licence.",
    field_descriptions={"known": "The names it lists (empty: never fetched)."},
)
class UnknownStateReason(UserError):
    pass


@derived(
    domain_errors.ReasonDetailRequired,
    "The state reason this adjustment is reported as needs a note or a waste weight.",
    field_descriptions={"missing": "note and/or wasteWeight."},
)
class ReasonDetailRequired(UserError):
    pass


@derived(
    domain_errors.StateSystemUnavailable,
    "The state system could not be asked; nothing was changed.",
)
class StateSystemUnavailable(UserError):
    pass


@derived(domain_errors.FlagAlreadyDismissed, "The diversion flag was dismissed; it is closed.")
class FlagAlreadyDismissed(UserError):
    pass


@derived(domain_errors.DestructionHoldNotOver, "The waste's hold period has not passed yet.")
class DestructionHoldNotOver(UserError):
    pass


@derived(domain_errors.WitnessRequired, "The destruction needs more authenticated witnesses.")
class WitnessRequired(UserError):
    pass


@derived(domain_errors.AlreadyDestroyed, "This destruction was already carried out.")
class AlreadyDestroyed(UserError):
    pass


@derived(domain_errors.MixTooLean, "Too little non-cannabis material in the waste mix.")
class MixTooLean(UserError):
    pass


@derived(domain_errors.RepackExceedsInputs, "The outputs and loss exceed what the inputs give.")
class RepackExceedsInputs(UserError):
    pass


@derived(domain_errors.PackageAtAnotherLocation, "An input package is at another location.")
class PackageAtAnotherLocation(UserError):
    pass


@derived(domain_errors.TagAlreadyUsed, "The new package's tag is already carried by a package.")
class TagAlreadyUsed(UserError):
    pass


@derived(domain_errors.TagNotInPool, "The tag is not an unused tag the state issued here.")
class TagNotInPool(UserError):
    pass


@derived(domain_errors.WitnessIsActor, "The witness must be someone other than the actor.")
class WitnessIsActor(UserError):
    pass


@derived(
    domain_errors.WitnessNotAccepted,
    "The witness's own e-mail and PIN (or password) did not check out here; nothing was written.",
)
class WitnessNotAccepted(UserError):
    pass


@derived(
    domain_errors.WitnessLocked,
    "Too many wrong witness PINs or sign-ins for that e-mail; refused until the lockout ends.",
)
class WitnessLocked(UserError):
    pass


WitnessError: TypeAlias = WitnessIsActor | WitnessNotAccepted | WitnessLocked


@derived(domain_errors.NotSampleable, "Held, recalled, finished or expired stock is not sampled.")
class NotSampleable(UserError):
    pass


@derived(
    domain_errors.SampleKindNotAllowed, "The state's rules do not allow or confirm this sample."
)
class SampleKindNotAllowed(UserError):
    pass


@derived(domain_errors.SampleLimitExceeded, "The employee's monthly sample limit would be passed.")
class SampleLimitExceeded(UserError):
    pass


@derived(domain_errors.StepOutOfOrder, "The sample is not at the step this action needs.")
class StepOutOfOrder(UserError):
    pass


# The refusals a family of mutations may answer, in the order the schema lists them. A result
# type is ``Annotated[Payload | SomeError, strawberry.union("Name")]``.
@derived(
    domain_errors.CountWrongState,
    "The count session's status does not allow this; `allowed` lists the ones that would.",
)
class CountWrongState(UserError):
    pass


@derived(domain_errors.CountExpired, "The count stayed open past the location's limit and expired.")
class CountExpired(UserError):
    pass


@derived(
    domain_errors.CountWitnessRequired, "An authenticated witness must join before submission."
)
class CountWitnessRequired(UserError):
    pass


@derived(
    domain_errors.DifferentCounterRequired,
    "A variance above the threshold must be recounted by a different counter.",
)
class DifferentCounterRequired(UserError):
    pass


@derived(
    domain_errors.CannotApproveOwnCount,
    "The counter, recounter or witness of a count cannot decide it.",
)
class CannotApproveOwnCount(UserError):
    pass


@derived(domain_errors.ZoneAlreadyBeingCounted, "Another open count covers this zone.")
class ZoneAlreadyBeingCounted(UserError):
    pass


CountError: TypeAlias = CountWrongState | CountExpired


CommonError: TypeAlias = NotFound | PermissionDenied | ValidationError
StockError: TypeAlias = (
    InsufficientStock | PackageNotSellable | InvalidQuantity | UnitMismatch | CommonError
)
SaleError: TypeAlias = (
    PurchaseLimitExceeded
    | LimitCannotBeChecked
    | StateCannotRecord
    | ReservationNotHeld
    | StockError
)
ReservationError: TypeAlias = ReservationShortage | SaleError
DestructionError: TypeAlias = (
    DestructionHoldNotOver
    | WitnessRequired
    | AlreadyDestroyed
    | MixTooLean
    | WitnessError
    | StockError
)
RepackError: TypeAlias = (
    RepackExceedsInputs | PackageAtAnotherLocation | StateCannotRecord | StockError
)
ReceivingError: TypeAlias = (
    TagNotOnManifest
    | AlreadyScanned
    | WeightOutsideTolerance
    | CertificateFailed
    | ReceivingIncomplete
    | AlreadyCompleted
    | StockError
)

SampleError: TypeAlias = (
    NotSampleable
    | SampleKindNotAllowed
    | SampleLimitExceeded
    | StepOutOfOrder
    | TagAlreadyUsed
    | TagNotInPool
    | StateCannotRecord
    | StockError
)
LabError: TypeAlias = StepOutOfOrder | StateSystemUnavailable | StockError


# Package labels.
@derived(domain_errors.UnknownTags, "No package of yours has these tags.")
class UnknownTags(UserError):
    pass


@derived(domain_errors.TooManyTags, "More labels than one sheet holds; ask in parts.")
class TooManyTags(UserError):
    pass


LabelError: TypeAlias = UnknownTags | TooManyTags | PermissionDenied | ValidationError


@derived(
    domain_errors.PurchaseOrderNotEditable,
    "Only a draft purchase order is edited; cancel an approved one and draft again.",
)
class PurchaseOrderNotEditable(UserError):
    pass


@derived(
    domain_errors.IllegalPurchaseOrderTransition,
    "The purchase order's status has no move to the one asked for; nothing was written.",
)
class IllegalPurchaseOrderTransition(UserError):
    pass


PurchaseOrderError: TypeAlias = (
    PurchaseOrderNotEditable | IllegalPurchaseOrderTransition | InvalidQuantity | CommonError
)


def validation_error(message: str) -> UserError:
    """A ValidationError naming no field, saying ``message``."""
    return _DERIVED[domain_errors.ValidationError](message=message, field="", reason=message)


def to_graphql(exc: domain_errors.DomainError) -> UserError:
    """The union member for a refusal (a subclass's: its nearest derived base's); one the API has
    no type for is a ValidationError."""
    for cls in type(exc).__mro__:
        if cls in _DERIVED:
            return _convert(exc, cls)
    return validation_error(exc.message)


def not_found(entity: str, key: object) -> NotFound:
    """The union's NotFound for a row that is gone by the time the payload reads it."""
    return typing.cast(NotFound, to_graphql(domain_errors.NotFound(entity, str(key))))


@derived(domain_errors.AuditPeriodInvalid, "An audit packet cannot cover this period.")
class AuditPeriodInvalid(UserError):
    pass


AuditPacketError: TypeAlias = AuditPeriodInvalid | CommonError
