"""Expected failures, raised by services and mapped one-to-one to typed GraphQL errors.

Each carries the facts a front end needs to explain the refusal (what is available, which field),
so the API layer translates without knowing any rule. This is the only place a refusal's facts
are declared: ``api/errors.py`` derives each GraphQL type from these dataclasses (field names
camelCased, Decimal stays Decimal, an int field named ``*_id`` becomes an ID, nested dataclasses
become object types), so a field added here reaches clients without a second declaration.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass
from decimal import Decimal


class DomainError(Exception):
    """Base of every refusal a user can cause. Raising one rolls back the transaction."""

    @property
    def message(self) -> str:
        """The refusal in words; each refusal overrides it from its facts."""
        return "request refused"

    def __str__(self) -> str:
        return self.message


@dataclass
class InsufficientStock(DomainError):
    tag: str
    zone_id: int
    zone_name: str
    requested: Decimal
    # None for a caller counting (or witnessing) this zone or package blind: the refusal must
    # not tell them the books' quantity (domain.counts.blind).
    available: Decimal | None

    @property
    def message(self) -> str:
        if self.available is None:
            return f"{self.tag} has less than {self.requested} in {self.zone_name}"
        return (
            f"{self.tag} has {self.available} in {self.zone_name}; {self.requested} was requested"
        )


@dataclass
class PackageNotSellable(DomainError):
    tag: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.tag} cannot be sold or moved there: {self.reason}"


@dataclass
class InvalidQuantity(DomainError):
    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass
class UnitMismatch(DomainError):
    expected: str
    given: str

    @property
    def message(self) -> str:
        return f"quantity is in {self.given} but the package is tracked in {self.expected}"


@dataclass
class NotFound(DomainError):
    entity: str
    key: str

    @property
    def message(self) -> str:
        return f"{self.entity} {self.key!r} not found"


@dataclass
class PermissionDenied(DomainError):
    action: str
    detail: str = ""

    @property
    def message(self) -> str:
        suffix = f": {self.detail}" if self.detail else ""
        return f"not allowed to {self.action}{suffix}"


@dataclass
class ValidationError(DomainError):
    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass
class InvalidCredentials(DomainError):
    # An init-only value, not a field: the words are the message, not a fact clients are sent.
    said: InitVar[str] = "email or password is wrong"

    def __post_init__(self, said: str) -> None:
        self._said = said

    @property
    def message(self) -> str:
        return self._said


@dataclass(frozen=True)
class LimitBucket:
    """One purchase-limit bucket a sale would exceed, in the bucket's unit."""

    bucket: str
    label: str
    unit: str
    limit: Decimal
    already_purchased: Decimal
    this_sale: Decimal
    total: Decimal
    over_by: Decimal


@dataclass
class PurchaseLimitExceeded(DomainError):
    """The sale would take the customer over a legal limit; ``buckets`` says which and by how
    much, worst first."""

    state: str
    buckets: list[LimitBucket]

    @property
    def message(self) -> str:
        worst = self.buckets[0]
        return (
            f"{self.state} limit: {worst.label} would be {worst.total} of"
            f" {worst.limit} ({worst.over_by} over)"
        )


@dataclass
class LimitCannotBeChecked(DomainError):
    """A product lacks the data its state's limit needs (so the sale is refused, not guessed)."""

    tag: str
    field: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.tag}: cannot check the purchase limit: {self.reason}"


@dataclass
class StateCannotRecord(DomainError):
    """The location's state system could never record this sale line as it stands (e.g.
    BioTrack takes whole units only), so the sale is refused at the register, not reported
    wrong later. ``system`` names the state system; ``reason`` says what to change."""

    tag: str
    system: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.tag}: {self.system} cannot record this line: {self.reason}"


@dataclass(frozen=True)
class MissingStock:
    """One order line the sellable stock cannot cover: ``item`` names it for people."""

    item: str
    product_id: int | None
    tag: str | None
    requested: Decimal
    available: Decimal | None  # None under a blind count of it (see InsufficientStock)


@dataclass
class ReservationShortage(DomainError):
    """Not enough sellable stock for an order; ``missing`` lists what, and how much is there."""

    missing: list[MissingStock]

    @property
    def message(self) -> str:
        parts = [
            f"{m.item}: less than {m.requested}"
            if m.available is None
            else f"{m.item}: {m.available} of {m.requested}"
            for m in self.missing
        ]
        return "not enough sellable stock: " + "; ".join(parts)


@dataclass
class ReservationNotHeld(DomainError):
    reservation_id: int
    status: str

    @property
    def message(self) -> str:
        return f"reservation {self.reservation_id} is {self.status}, not held"


@dataclass
class TagNotOnManifest(DomainError):
    tag: str

    @property
    def message(self) -> str:
        return f"{self.tag} is not on this shipment's manifest: set it aside and call the shipper"


@dataclass
class AlreadyScanned(DomainError):
    tag: str
    decision: str

    @property
    def message(self) -> str:
        return f"{self.tag} was already scanned ({self.decision})"


@dataclass
class WeightOutsideTolerance(DomainError):
    tag: str
    shipped: Decimal
    measured: Decimal
    tolerance_pct: Decimal

    @property
    def message(self) -> str:
        return (
            f"{self.tag} weighs {self.measured}, the manifest says {self.shipped}: more than"
            f" {self.tolerance_pct}% apart; a manager must override with a reason"
        )


@dataclass
class CertificateFailed(DomainError):
    tag: str
    lab_state: str

    @property
    def message(self) -> str:
        return f"{self.tag}'s certificate of analysis is {self.lab_state}: reject the package"


@dataclass
class ReceivingIncomplete(DomainError):
    missing: list[str]

    @property
    def message(self) -> str:
        return "receiving is not finished: " + "; ".join(self.missing)


@dataclass
class AlreadyCompleted(DomainError):
    shipment_id: int

    @property
    def message(self) -> str:
        return f"shipment {self.shipment_id} was already received"


@dataclass
class UnknownStateReason(DomainError):
    """The state's adjustment reason list (as last fetched for this licence) has no such name;
    ``known`` lists the names it has (empty: the list was never fetched)."""

    state_reason: str
    known: list[str]

    @property
    def message(self) -> str:
        if not self.known:
            return f"{self.state_reason!r}: the state's reasons were never fetched; refresh them"
        return f"{self.state_reason!r} is not one of the state's adjustment reasons"


@dataclass
class ReasonDetailRequired(DomainError):
    """The state reason this licence maps the adjustment's reason to needs details the request
    lacks (``missing``: note, wasteWeight), so the state would refuse it or get it incomplete."""

    reason: str
    state_reason: str
    missing: list[str]

    @property
    def message(self) -> str:
        return (
            f"{self.reason} is reported to the state as {self.state_reason!r}, which requires"
            f" {' and '.join(self.missing)}"
        )


@dataclass
class StateSystemUnavailable(DomainError):
    """The state system could not be asked (not configured, unreachable, refused our keys)."""

    system: str
    detail: str

    @property
    def message(self) -> str:
        return f"{self.system} could not be reached: {self.detail}"


@dataclass
class TooManyLoginAttempts(DomainError):
    """Too many failed sign-ins for this e-mail or from this address: refused, even with the right
    password, for ``retry_after_seconds``. Answered alike for e-mails with and without an
    account, so it reveals nothing about which exist."""

    retry_after_seconds: int

    @property
    def message(self) -> str:
        return f"too many failed sign-in attempts; try again in {self.retry_after_seconds} s"


@dataclass
class FlagAlreadyDismissed(DomainError):
    flag_id: int
    reason: str

    @property
    def message(self) -> str:
        return f"flag {self.flag_id} was already dismissed: {self.reason}"


@dataclass
class DestructionHoldNotOver(DomainError):
    """The state's (or the location's) hold on scheduled waste has not passed yet."""

    destruction_id: int
    hold_ends_at: str  # ISO 8601, UTC

    @property
    def message(self) -> str:
        return f"destruction {self.destruction_id} is on hold until {self.hold_ends_at}"


@dataclass
class WitnessRequired(DomainError):
    """Fewer authenticated witnesses (other than the person destroying) than the steps need."""

    required: int
    given: int

    @property
    def message(self) -> str:
        return f"this destruction needs {self.required} witness(es); {self.given} signed"


@dataclass
class AlreadyDestroyed(DomainError):
    destruction_id: int

    @property
    def message(self) -> str:
        return f"destruction {self.destruction_id} was already carried out"


@dataclass
class MixTooLean(DomainError):
    """Not enough non-cannabis material mixed in (CO grinds and mixes 50/50)."""

    required_share: Decimal
    share: Decimal

    @property
    def message(self) -> str:
        return (
            f"the mix is {self.share:.0%} non-cannabis material; at least"
            f" {self.required_share:.0%} is required"
        )


@dataclass
class RepackExceedsInputs(DomainError):
    """The outputs plus the declared packaging loss are more than the inputs give."""

    inputs: Decimal
    outputs: Decimal
    packaging_loss: Decimal

    @property
    def message(self) -> str:
        return (
            f"outputs {self.outputs} plus packaging loss {self.packaging_loss} exceed the"
            f" {self.inputs} taken from the inputs"
        )


@dataclass
class PackageAtAnotherLocation(DomainError):
    """An input package belongs to another licence: stock never crosses licences here."""

    tag: str

    @property
    def message(self) -> str:
        return f"{self.tag} is at another location; transfer it on a manifest first"


@dataclass
class TagAlreadyUsed(DomainError):
    """A new package (a trade sample's child package) was given a tag a package already
    carries: the state issues each tag once."""

    tag: str

    @property
    def message(self) -> str:
        return f"{self.tag} is already carried by a package; take another tag from the pool"


@dataclass
class TagNotInPool(DomainError):
    """An entered tag is not among the unused tags the state issued to this licence, so the
    state would refuse the new package."""

    tag: str
    system: str

    @property
    def message(self) -> str:
        return f"{self.tag} is not an unused tag {self.system} issued to this licence"


@dataclass
class WitnessIsActor(DomainError):
    """The person acting named themselves as the witness."""

    @property
    def message(self) -> str:
        return "the witness must be a different person from the one acting"


@dataclass
class WitnessNotAccepted(DomainError):
    """The witness's e-mail and PIN (or password) did not check out, or they hold no role here;
    answered alike whichever it was."""

    @property
    def message(self) -> str:
        return "the witness's e-mail or PIN is wrong, or they cannot witness at this location"


@dataclass
class WitnessLocked(DomainError):
    """Too many wrong witness secrets (or sign-ins) for that e-mail or from that address."""

    retry_after_seconds: int

    @property
    def message(self) -> str:
        return (
            f"too many wrong attempts for this witness; try again in {self.retry_after_seconds} s"
        )


@dataclass
class NotSampleable(DomainError):
    """A sample (display, trade, employee or lab) cannot come from this package now."""

    tag: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.tag} cannot be sampled: {self.reason}"


@dataclass
class SampleKindNotAllowed(DomainError):
    """The state's rulebook does not allow (or does not confirm) this kind of sample."""

    kind: str
    state: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.kind} samples are not allowed in {self.state}: {self.reason}"


@dataclass
class SampleLimitExceeded(DomainError):
    """An employee sample would take the person past the state's limit for the period."""

    employee_id: int
    limit: Decimal
    already: Decimal
    requested: Decimal

    @property
    def message(self) -> str:
        return (
            f"employee samples are limited to {self.limit} g a month; {self.already} g taken,"
            f" {self.requested} g requested"
        )


@dataclass
class StepOutOfOrder(DomainError):
    """A sample or lab sample is not at the step this action needs (sent twice, rotated...)."""

    entity: str
    key: str
    status: str
    action: str

    @property
    def message(self) -> str:
        return f"{self.entity} {self.key} is {self.status}: cannot {self.action}"


@dataclass
class CountWrongState(DomainError):
    """The count session is not in a state that allows this (lines for a submitted session,
    approving twice, approving an open or rejected one)."""

    session_id: int
    status: str
    allowed: list[str]

    @property
    def message(self) -> str:
        return (
            f"count session {self.session_id} is {self.status}; this needs it"
            f" {' or '.join(self.allowed)}"
        )


@dataclass
class CountExpired(DomainError):
    """The session stayed open past the location's limit and expired; start a new count."""

    session_id: int
    limit_hours: int

    @property
    def message(self) -> str:
        return (
            f"count session {self.session_id} was open longer than {self.limit_hours} h"
            " and expired; start a new count"
        )


@dataclass
class CountWitnessRequired(DomainError):
    """This count cannot be submitted without an authenticated witness (a two-person zone, or
    a variance above the location's threshold)."""

    session_id: int
    reason: str

    @property
    def message(self) -> str:
        return f"count session {self.session_id} needs a witness to join first: {self.reason}"


@dataclass
class DifferentCounterRequired(DomainError):
    """A variance above the threshold must be recounted by someone other than who counted it."""

    session_id: int

    @property
    def message(self) -> str:
        return f"count session {self.session_id} must be recounted by a different counter"


@dataclass
class CannotApproveOwnCount(DomainError):
    """The counter, recounter or witness of a count cannot approve or reject it."""

    session_id: int

    @property
    def message(self) -> str:
        return f"you took part in count session {self.session_id}; another manager decides it"


@dataclass
class ZoneAlreadyBeingCounted(DomainError):
    """Another open count covers this zone."""

    zone_id: int
    session_id: int

    @property
    def message(self) -> str:
        return f"zone {self.zone_id} is being counted in count session {self.session_id}"


# Package labels (domain/labels).
@dataclass
class UnknownTags(DomainError):
    """No package with these tags at any location the caller's operator has."""

    tags: list[str]

    @property
    def message(self) -> str:
        return f"no package is tagged {', '.join(self.tags)}"


@dataclass
class TooManyTags(DomainError):
    """More labels asked for at once than one sheet holds."""

    asked: int
    limit: int

    @property
    def message(self) -> str:
        return f"{self.asked} tags asked; print at most {self.limit} labels at once"


@dataclass
class PurchaseOrderNotEditable(DomainError):
    """Only a draft purchase order's lines, dates and note may change (an approved order is
    what the manager signed off; cancel it and draft again)."""

    purchase_order_id: int
    status: str

    @property
    def message(self) -> str:
        return f"purchase order {self.purchase_order_id} is {self.status}: only a draft is edited"


@dataclass
class IllegalPurchaseOrderTransition(DomainError):
    """The purchase order's status has no move to the status asked for (approving a sent
    order, cancelling a received one, sending a draft...)."""

    purchase_order_id: int
    from_status: str
    to_status: str

    @property
    def message(self) -> str:
        return (
            f"purchase order {self.purchase_order_id} is {self.from_status}:"
            f" it cannot become {self.to_status}"
        )


@dataclass
class AuditPeriodInvalid(DomainError):
    """An audit packet's period is not one it can cover (reversed, in the future, too long)."""

    from_day: str
    to_day: str
    reason: str

    @property
    def message(self) -> str:
        return f"cannot build a packet for {self.from_day} to {self.to_day}: {self.reason}"
