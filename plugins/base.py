"""What a state system declares (mode, capabilities, rules) and the client contract it fulfils.

A plugin returns ``StateSystem`` objects. Those with an API also return a client factory; the
sync engine (``domain.compliance.sync``) drives clients through ``StateClient`` and never sees
HTTP, sessions or file formats.
"""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


class Mode(enum.StrEnum):
    REALTIME_API = "realtime_api"
    BATCH_FILE = "batch_file"
    NONE = "none"


class StateCapability(enum.StrEnum):
    REPORT_SALE = "report_sale"
    VOID_SALE = "void_sale"
    ADJUST = "adjust"
    MOVE = "move"
    DESTROY = "destroy"
    PULL_ACTIVE_PACKAGES = "pull_active_packages"
    PULL_INCOMING_TRANSFERS = "pull_incoming_transfers"
    PULL_ADJUSTMENT_REASONS = "pull_adjustment_reasons"
    PULL_LAB_RESULTS = "pull_lab_results"


class ReportKind(enum.StrEnum):
    """Ledger events a state may need to hear about."""

    SALE = "sale"
    VOID = "void"
    RETURN = "return"
    ADJUST = "adjust"
    MOVE = "move"
    DESTROY = "destroy"
    RECEIVE = "receive"
    # New packages made from existing ones (a split or an assembly), one report per repack.
    REPACK = "repack"


@dataclass(frozen=True)
class TagFormat:
    """How the state labels a package; LeafLedger stores tags as opaque strings."""

    pattern: str
    description: str

    def refusal(self, tag: str) -> str | None:
        if re.fullmatch(self.pattern, tag) is None:
            return f"must be {self.description}"
        return None


@dataclass(frozen=True)
class StateRules:
    """Per-state facts an operator may override (each number should carry its source)."""

    reports: frozenset[ReportKind] = frozenset()
    # How long after the event the state must have it (None: no deadline).
    reporting_deadline: timedelta | None = None
    # Whether the API accepts several records per request (METRC: JSON arrays).
    batch_reporting: bool = False
    max_batch: int = 1
    note_max_length: int | None = None
    # Our unit name -> the state's.
    units: Mapping[str, str] = field(default_factory=dict)
    # Our adjustment reason -> the state's (a default; some systems publish theirs at runtime).
    adjustment_reasons: Mapping[str, str] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True)
class RelatedReport:
    """The earlier report a void or return refers to (the sale), as our outbox holds it: what
    was sent for it, so a client can find it at the state again or send the same fields."""

    kind: ReportKind
    external_id: str
    status: str  # pending, sending, sent, failed, ...
    occurred_at: datetime  # aware, UTC
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class OutboundReport:
    """One pending state report, as the sync engine hands it to a client."""

    id: int
    kind: ReportKind
    external_id: str
    occurred_at: datetime  # aware, UTC
    timezone: str  # the facility's (METRC wants local time without offset)
    payload: Mapping[str, Any]
    attempts: int
    # A previous attempt's fate is unknown (timeout, 5xx, crash while sending): look it up
    # before sending again.
    outcome_unknown: bool = False
    # What the state answered when an earlier report was sent (e.g. the receipt id a void needs).
    related_state_ids: Sequence[str] = ()
    # What ``prepare`` saw at the state just before the first send (None: never sent).
    snapshot: Mapping[str, Any] | None = None
    # The report ``payload["related_external_id"]`` names (a void's or return's sale), if any.
    related: RelatedReport | None = None


class ResultStatus(enum.StrEnum):
    SENT = "sent"  # the state has it (state_ids may say under which ids)
    FAILED = "failed"  # the state refused it for good (a 400 row error): show people
    RETRY = "retry"  # try again later (429, 5xx, timeout, outage)
    UNKNOWN = "unknown"  # it may or may not have arrived: look it up before resending


@dataclass(frozen=True)
class ReportResult:
    report_id: int
    status: ResultStatus
    state_ids: Sequence[str] = ()
    message: str | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class StatePackage:
    """A package as the state system sees it (for reconciliation)."""

    tag: str
    quantity: Decimal
    unit: str
    status: str  # active, on_hold, finished...
    item_name: str | None = None
    last_modified: datetime | None = None
    # Set when the state's record cannot be taken as it is (no label, a quantity that is not a
    # number, an unreadable date, a unit the state does not list): reconciliation records it as
    # such, with ``raw`` (the state's own values as text), instead of comparing it.
    problem: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class IncomingPackage:
    tag: str
    item_name: str
    shipped_quantity: Decimal
    unit: str  # ours: grams, milligrams or each
    lab_state: str | None = None
    batch_number: str | None = None


@dataclass(frozen=True)
class IncomingTransfer:
    """A shipment on its way to the licence, as the state's manifest lists it."""

    transfer_id: str
    delivery_id: str
    manifest_number: str
    shipper_license: str | None
    shipper_name: str | None
    transporter: str | None
    driver_name: str | None
    estimated_arrival: datetime | None
    packages: tuple[IncomingPackage, ...]
    # Why this manifest cannot be imported as the state sent it (a null id, an unreadable
    # package): receiving skips it, says so, and imports the others.
    problem: str | None = None


@dataclass(frozen=True)
class StateLabResult:
    """One test of a package's lab result as the state holds it. ``passed`` None means the
    state did not say (the record is kept out of the result and counted as unreadable)."""

    test: str
    passed: bool | None
    result_id: str | None = None
    level: Decimal | None = None
    lab_license: str | None = None
    performed_on: date | None = None
    overall_passed: bool | None = None
    # Not (or no longer) a valid result: unreleased by the lab, or revoked by the state.
    withdrawn: bool = False


class LabResultSource(Protocol):
    """A client of a system declaring ``StateCapability.PULL_LAB_RESULTS``."""

    async def lab_results(self, tag: str) -> list[StateLabResult]:
        """Every test result the state holds for the package labelled ``tag`` ([] if none)."""
        ...


@dataclass(frozen=True)
class StateReason:
    name: str
    requires_note: bool = False
    requires_waste_weight: bool = False


class ReportingWeek(Protocol):
    """A batch-file state's reporting week in the store's time zone (aware datetimes)."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def due(self) -> date: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_before(self) -> datetime: ...


class UploadFile(Protocol):
    """One rendered file a compliance officer uploads to the state."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def number_records(self) -> int: ...
    @property
    def warnings(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class WeekLedger:
    """What the domain read for one week's files: the outbox reports and the ledger's rows."""

    licence: str
    timezone: str
    submitted_by: str
    week: ReportingWeek
    reports: Sequence[Mapping[str, Any]]
    # The sale reports (any week) behind this week's returns, by external id.
    sold: Mapping[str, Mapping[str, Any]]
    inventory: Sequence[Mapping[str, Any]]
    zones: Sequence[Mapping[str, Any]]
    products: Sequence[Mapping[str, Any]]


class WeeklyFiles(Protocol):
    """How a batch-file state (WA CCRS) turns a week of the ledger into its upload files."""

    def week_of(self, day: date, timezone: str) -> ReportingWeek: ...
    def render(self, ledger: WeekLedger, now: datetime) -> Sequence[UploadFile]: ...


@dataclass(frozen=True)
class SaleLineFacts:
    """One line of a sale about to be recorded, as a state system may check it."""

    tag: str
    quantity: Decimal
    unit: str  # ours: grams, milligrams or each
    category: str  # the product's category (flower, edible...)


@dataclass(frozen=True)
class StateAccess:
    """A licence's connection settings, credentials decrypted (never logged)."""

    license_number: str
    base_url: str
    credentials: Mapping[str, str]
    settings: Mapping[str, Any] = field(default_factory=dict)


class StateClient(Protocol):
    """What the sync engine and reconciliation need from a state system's API."""

    def batches(self, reports: Sequence[OutboundReport]) -> list[list[OutboundReport]]:
        """Split reports (in order) into requests: each list is sent by one ``send`` call."""
        ...

    async def send(self, reports: Sequence[OutboundReport]) -> list[ReportResult]:
        """Send one batch (as ``batches`` made it) in one request; one result per report."""
        ...

    async def prepare(self, reports: Sequence[OutboundReport]) -> dict[int, dict[str, Any]]:
        """Read what a later ``find`` will compare against (e.g. a package's quantity before an
        adjustment). The engine stores it before ``send``; return {} when nothing is needed."""
        ...

    async def find(self, report: OutboundReport) -> ReportResult | None:
        """Whether an earlier attempt of ``report`` reached the state (None: it did not)."""

    def pull_packages(self, since: datetime | None) -> AsyncIterator[StatePackage]:
        """Packages changed at the state since ``since`` (everything when None), for the
        reconciliation mirror; systems without change filters return everything."""
        ...

    async def adjustment_reasons(self) -> list[StateReason]: ...

    async def incoming_transfers(self, since: datetime) -> list[IncomingTransfer]:
        """Manifests of shipments to this licence changed since ``since`` (receiving).
        Called only for systems declaring ``StateCapability.PULL_INCOMING_TRANSFERS``."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class TwoStepDestruction(Protocol):
    """A client whose state destroys in two steps (BioTrack: schedule, then destroy after a
    hold): the DESTROY report schedules, ``finish_destruction`` is the second step."""

    async def finish_destruction(self, report: OutboundReport) -> ReportResult: ...


@runtime_checkable
class TagPool(Protocol):
    """A client that can list the package tags the state issued and nobody uses yet."""

    async def available_package_tags(self) -> list[str]: ...


@runtime_checkable
class WasteMethods(Protocol):
    """A client that can list the state's waste methods (METRC's ``/wastemethods/v2``)."""

    async def waste_methods(self) -> list[str]: ...


@dataclass(frozen=True)
class StateSystem:
    """A state track-and-trace system as a plugin declares it."""

    name: str
    title: str
    mode: Mode
    tag_format: TagFormat
    capabilities: frozenset[StateCapability] = frozenset()
    rules: StateRules = field(default_factory=StateRules)
    # Per-state variations of ``rules`` (METRC deadlines differ by state), keyed by state code.
    state_rules: Mapping[str, StateRules] = field(default_factory=dict)
    connect: Callable[[StateAccess], StateClient] | None = None
    # Credential names a connection must carry (e.g. METRC's vendor and user keys).
    required_credentials: tuple[str, ...] = ()
    # When a report is due, if not a fixed delay after the event (CCRS: the next Sunday).
    deadline: Callable[[datetime, str, str], datetime | None] | None = None
    # Why the state could never record a sale line (words for the register), or None; called
    # by the sales service before anything is written, with the licence's connection settings.
    sale_line_refusal: Callable[[SaleLineFacts, Mapping[str, Any]], str | None] | None = None
    # A batch-file state's weekly upload files (CCRS), or None for a state with an API.
    weekly_files: WeeklyFiles | None = None

    def rules_for(self, state: str) -> StateRules:
        return self.state_rules.get(state.upper(), self.rules)

    def reports(self, kind: ReportKind, state: str) -> bool:
        return kind in self.rules_for(state).reports

    def deadline_for(self, occurred_at: datetime, timezone: str, state: str) -> datetime | None:
        if self.deadline is not None:
            return self.deadline(occurred_at, timezone, state)
        delay = self.rules_for(state).reporting_deadline
        return occurred_at + delay if delay is not None else None
