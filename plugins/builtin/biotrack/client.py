"""BioTrack serverjson v4 as LeafLedger's ``StateClient``: send, find, prepare, pull.

Why this module exists: it is what the sync engine (``domain.compliance.sync``) and
reconciliation drive. Reports go one request each, in order, each under its own deterministic
nonce (``mapping.nonce``); a report whose earlier answer was lost is looked up with
``nonce_replay`` (``find``) rather than sent again, and if it is sent again BioTrack replays the
stored answer instead of applying it twice. Adjustments need BioTrack's current quantity, read by
``prepare`` just before the first send and stored by the engine as the report's snapshot.

The connection's ``base_url`` is the state's full serverjson URL (e.g.
``https://<state host>/serverjson.asp``); credentials are ``username`` and ``password``.
Connection settings read here (all optional): ``rooms`` (zone name -> BioTrack room id),
``terminal_id`` (default "1"), ``adjustment_types`` (our reason -> 1..6), ``destroy_reasons``
(our reason -> BioTrack's destruction code 0..7), ``sold_by_weight`` (product categories sold by
the whole gram, see ``sales``), ``training`` (BioTrack training mode), ``timeout_seconds``
(default 30).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from plugins.base import (
    IncomingTransfer,
    OutboundReport,
    ReportKind,
    ReportResult,
    ResultStatus,
    StateAccess,
    StatePackage,
    StateReason,
)
from plugins.builtin.biotrack import mapping
from plugins.builtin.biotrack.inventory import Inventory, Item, state_package
from plugins.builtin.biotrack.mapping import Refusal
from plugins.builtin.biotrack.session import BioTrackError, Session

HOLD_NOT_ELAPSED = 951  # the double's code for "too early to destroy" [u]
_WAIT = (ResultStatus.RETRY, ResultStatus.UNKNOWN)


class BioTrackClient:
    def __init__(self, connection: StateAccess) -> None:
        settings = connection.settings
        self.license_number = connection.license_number
        self.session = Session(connection)
        self._inventory = Inventory(self.session)
        self._terminal = str(settings.get("terminal_id") or "1")
        self._rooms: dict[str, Any] = dict(settings.get("rooms") or {})
        self._pinned: dict[str, Any] = dict(settings.get("adjustment_types") or {})
        self._destroy_reasons: dict[str, Any] = dict(settings.get("destroy_reasons") or {})
        # What ``prepare`` read in this conversation, by report id: ``send`` uses it on that
        # same attempt (the engine stored it as the snapshot a moment ago).
        self._prepared: dict[int, Item | None] = {}

    async def close(self) -> None:
        await self.session.close()

    # --- sending ---------------------------------------------------------------------------

    def batches(self, reports: Sequence[OutboundReport]) -> list[list[OutboundReport]]:
        """One request per report: BioTrack's ``data`` lists could carry several adjustments,
        but one nonce per report is what makes each report's fate readable back on its own."""
        return [[report] for report in reports]

    async def send(self, reports: Sequence[OutboundReport]) -> list[ReportResult]:
        """Each report in order (the engine passes one batch, i.e. one report); stops at the
        first that must wait, leaving the rest unattempted."""
        results: list[ReportResult] = []
        for report in reports:
            result = await self._send_one(report)
            results.append(result)
            if result.status in _WAIT:
                break  # later reports wait: BioTrack must hear about them in order
        return results

    async def _send_one(self, report: OutboundReport) -> ReportResult:
        try:
            state_ids = await self._dispatch(report)
        except Refusal as exc:
            return ReportResult(report.id, ResultStatus.FAILED, (), str(exc))
        except BioTrackError as exc:
            return ReportResult(report.id, exc.status, (), exc.message, exc.retry_after)
        return ReportResult(report.id, ResultStatus.SENT, state_ids)

    async def _dispatch(self, report: OutboundReport) -> list[str]:
        kind = report.kind
        if kind == ReportKind.ADJUST:
            item = await self._item(report)
            fields = mapping.adjust_fields(report, item, self._pinned)
            return await self._write(report, "inventory_adjust", fields)
        if kind == ReportKind.DESTROY:
            item = await self._item(report)
            if mapping.new_quantity(report, item) == 0:
                # All that is left goes: BioTrack's destruction, whose first step starts the
                # hold. The report is SENT now; the second step is ``finish_destruction``.
                fields = mapping.schedule_fields(report, self._destroy_reasons)
                return await self._write(report, "inventory_destroy_schedule", fields)
            # BioTrack destroys whole barcodes only; part of one leaves as a depletion
            # adjustment whose reason text says it was destroyed.
            fields = mapping.adjust_fields(report, item, self._pinned)
            return await self._write(report, "inventory_adjust", fields)
        if kind == ReportKind.MOVE:
            move = mapping.move_fields(report, self._rooms)
            if move is None:
                return []  # both zones are the same room at BioTrack: nothing to tell it
            return await self._write(report, "inventory_move", move)
        if kind == ReportKind.SALE:
            fields = mapping.dispense_fields(report, self._terminal)
            return await self._write(report, "sale_dispense", fields)
        if kind == ReportKind.VOID:
            # BioTrack voids the whole sale (whatever refunds have not brought back already).
            fields = {"transactionid": mapping.related_sale(report)}
            return await self._write(report, "sale_void", fields)
        if kind == ReportKind.RETURN:
            fields = mapping.refund_fields(report, mapping.related_sale(report), self._terminal)
            return await self._write(report, "sale_refund", fields)
        raise Refusal(f"BioTrack has no action for a {kind} report")

    async def _item(self, report: OutboundReport) -> Item:
        tag = str(report.payload["tag"])
        if report.id in self._prepared:
            item = self._prepared[report.id]
        else:
            # A later attempt of a report known not to have been applied (a RETRY, or ``find``
            # found no stored nonce). BioTrack's staff or another integrator may have changed
            # the item since the snapshot; a stale base would overwrite their change.
            item = await self._inventory.current(tag)
        if item is None:
            raise Refusal(
                f"{tag} is not in BioTrack's inventory for licence {self.license_number};"
                " check the tag at BioTrack, then retry or cancel the report"
            )
        return item.counted_in(str(report.payload["unit"]))

    async def _write(
        self,
        report: OutboundReport,
        action: str,
        fields: dict[str, Any],
        suffix: str | None = None,
    ) -> list[str]:
        answer = await self.session.call(
            action, fields, nonce=mapping.nonce(report, suffix), write=True
        )
        transaction = answer.get("transactionid")
        return [str(transaction)] if transaction is not None else []

    # --- snapshots and read-back -----------------------------------------------------------

    async def prepare(self, reports: Sequence[OutboundReport]) -> dict[int, dict[str, Any]]:
        """Adjustments and destructions: the item's quantity and unit at BioTrack now.

        ``send`` turns our delta into BioTrack's new on-hand quantity from it; stored, it also
        tells a person what BioTrack showed before we changed it.
        """
        snapshots: dict[int, dict[str, Any]] = {}
        for report in reports:
            if report.kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                item = await self._inventory.current(str(report.payload["tag"]))
                if item is not None:
                    item = item.counted_in(str(report.payload["unit"]))
                self._prepared[report.id] = item
                snapshots[report.id] = item.snapshot() if item else {"quantity": None}
        return snapshots

    async def find(self, report: OutboundReport) -> ReportResult | None:
        """Did an earlier attempt arrive? BioTrack keeps the answer of every successful write
        under its nonce; ``nonce_replay`` returns it without applying anything.

        The v4 manual: replay data exists only for requests that returned a transaction id;
        for any other nonce the replay "would simply return a not found error". So any refusal
        of the replay itself (``success: 0`` that is neither a lost session nor an overload,
        whatever its code or wording) means nothing was stored: safe to send. Only a replay we
        could not get an answer to (timeout, 5xx, overload) leaves the report unknown; the
        engine then retries with backoff and fails it visibly past its deadline.
        """
        try:
            answer = await self.session.replay(mapping.nonce(report))
        except BioTrackError as exc:
            if exc.nonce_unknown or exc.status == ResultStatus.FAILED:
                return None  # no write with that nonce succeeded: safe to send
            # Cannot tell yet: keep it unknown rather than risk sending twice.
            return ReportResult(
                report.id,
                ResultStatus.UNKNOWN,
                (),
                f"cannot tell yet whether BioTrack applied it: {exc.message}",
                exc.retry_after,
            )
        transaction = answer.get("transactionid")
        return ReportResult(
            report.id, ResultStatus.SENT, [str(transaction)] if transaction is not None else []
        )

    async def finish_destruction(self, report: OutboundReport) -> ReportResult:
        """BioTrack's second destruction step for a DESTROY that ``send`` scheduled.

        Not driven by the sync engine (the DESTROY is SENT once scheduled): a job or a person
        calls it once the hold has passed and the waste is really gone. Before the hold ends
        BioTrack refuses and this answers RETRY; it is replay-safe under its own nonce.
        """
        fields = {"barcodeid": [str(report.payload["tag"])]}
        try:
            ids = await self._write(report, "inventory_destroy", fields, mapping.DESTROY_FINISH)
        except BioTrackError as exc:
            status = ResultStatus.RETRY if exc.code == HOLD_NOT_ELAPSED else exc.status
            return ReportResult(report.id, status, (), exc.message, exc.retry_after)
        return ReportResult(report.id, ResultStatus.SENT, ids)

    # --- reconciliation --------------------------------------------------------------------

    async def pull_packages(self, since: datetime | None) -> AsyncIterator[StatePackage]:
        """Every item of the licence, whatever ``since`` says: ``sync_inventory`` has no time
        filter, only transaction-id ranges, and we keep no transaction id between runs."""
        for item in await self._inventory.everything():
            yield state_package(item)

    async def active_packages(self) -> AsyncIterator[StatePackage]:
        async for package in self.pull_packages(None):
            if package.status in ("active", "on_hold"):
                yield package

    async def adjustment_reasons(self) -> list[StateReason]:
        """BioTrack's six fixed adjustment types (not fetched: v4 has no action listing them)."""
        return mapping.reasons()

    async def incoming_transfers(self, since: datetime) -> list[IncomingTransfer]:
        """Never called: BioTrack is not declared ``PULL_INCOMING_TRANSFERS`` (receiving imports
        manifests only from systems that are), so shipments here are entered by hand."""
        raise NotImplementedError("BioTrack has no incoming-manifest pull")
