"""METRC v2 over HTTP: sending reports, finding earlier ones, pulling packages.

Response handling follows what METRC publishes and what integrators report: 400 is a JSON
array of ``{row, message}`` indexing the request array; 401 bodies are not reliably JSON;
404/405 mean the endpoint is not offered in this state; 429 carries Retry-After; 500/503 may be
IIS HTML pages. A write that timed out or got a 5xx may still have been applied, so it is
reported UNKNOWN and looked up before it is sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from plugins.base import (
    IncomingTransfer,
    OutboundReport,
    ReportKind,
    ReportResult,
    ResultStatus,
    StateAccess,
    StateLabResult,
    StatePackage,
    StateReason,
)
from plugins.builtin.metrc import lab, mapping, rate_limit, receipts, transfers
from plugins.builtin.metrc.responses import (
    MetrcError,
    decode,
    field_of,
    number_of,
    parse_time,
    results_for_error,
    text_of,
)
from plugins.builtin.metrc.transfers import WINDOW

REASONS_TTL = 3600.0


class MetrcClient:
    def __init__(self, connection: StateAccess) -> None:
        self.license = connection.license_number
        credentials = connection.credentials
        self.vendor_key = str(credentials.get("vendor_key", ""))
        self.settings = connection.settings
        timeout = float(self.settings.get("timeout_seconds", 30))
        self._http = httpx.AsyncClient(
            base_url=connection.base_url.rstrip("/"),
            auth=httpx.BasicAuth(self.vendor_key, str(credentials.get("user_key", ""))),
            timeout=httpx.Timeout(timeout, connect=5.0),
            headers={"Accept": "application/json"},
        )
        self._reasons: tuple[float, list[StateReason]] | None = None
        rates = self.settings.get("get_rates")
        self._rates = (float(rates[0]), float(rates[1])) if rates else None

    async def close(self) -> None:
        await self._http.aclose()

    # --- HTTP ------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        licensed: bool = True,
    ) -> Any:
        # A few endpoints (a delivery's packages) take no licenseNumber and refuse one.
        query = {"licenseNumber": self.license, **(params or {})} if licensed else params
        async with rate_limit.request_slot(
            self.license, self.vendor_key, is_get=method == "GET", rates=self._rates
        ):
            try:
                response = await self._http.request(
                    method, path, params=query, json=body if body is not None else None
                )
            except httpx.TimeoutException as exc:
                # The request may have been applied; only a lookup can tell.
                raise MetrcError(ResultStatus.UNKNOWN, f"timed out: {exc!r}") from None
            except httpx.TransportError as exc:
                if method == "GET":
                    raise MetrcError(ResultStatus.RETRY, f"METRC unreachable: {exc!r}") from None
                # Connect failures never reached METRC; anything later might have.
                status = (
                    ResultStatus.RETRY
                    if isinstance(exc, httpx.ConnectError)
                    else ResultStatus.UNKNOWN
                )
                raise MetrcError(status, f"METRC unreachable: {exc!r}") from None
        return decode(response, write=method != "GET")

    async def _get_all(
        self, path: str, params: dict[str, Any] | None = None, *, paged: bool = True
    ) -> list[Any]:
        """Every record of a list endpoint: 20 a page, or (``paged=False``) in one answer.

        METRC pages only when asked (pageSize ≤ 20). A day's window of package changes is small,
        so it is fetched unpaged: one request instead of hundreds against the 50 GETs/s limit.
        """
        records: list[Any] = []
        page = 1
        while True:
            query = {**(params or {}), "pageNumber": page, "pageSize": 20} if paged else params
            envelope = await self._request("GET", path, params=query)
            data = field_of(envelope, "Data") if isinstance(envelope, dict) else envelope
            records.extend(data or [])
            total_pages = field_of(envelope, "TotalPages") if isinstance(envelope, dict) else 1
            if not data or page >= int(total_pages or 1):
                return records
            page += 1

    # --- StateClient ---------------------------------------------------------------------

    def batches(self, reports: Sequence[OutboundReport]) -> list[list[OutboundReport]]:
        return _runs(reports)

    async def send(self, reports: Sequence[OutboundReport]) -> list[ReportResult]:
        run = list(reports)
        kind = run[0].kind
        try:
            if kind == ReportKind.SALE:
                answer = await self._request(
                    "POST", "/sales/v2/receipts", body=[mapping.receipt(r) for r in run]
                )
            elif kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                if any(mapping.state_reason(r) is None for r in run):
                    # The sync engine attaches the reason compliance mapped; none is guessed
                    # here (the licence's reason list could not be fetched yet).
                    return [
                        ReportResult(r.id, ResultStatus.RETRY, (), "no METRC reason mapped yet")
                        for r in run
                    ]
                answer = await self._request(
                    "POST", "/packages/v2/adjust", body=[mapping.adjustment(r) for r in run]
                )
            elif kind == ReportKind.REPACK:
                answer = await self._request(
                    "POST", "/packages/v2", body=mapping.created_packages(run[0])
                )
            elif kind == ReportKind.VOID:
                return [await receipts.void(self, run[0])]
            elif kind == ReportKind.RETURN:
                return [await receipts.return_(self, run[0])]
            else:
                return [
                    ReportResult(r.id, ResultStatus.FAILED, (), f"METRC has no API for {kind}")
                    for r in run
                ]
        except MetrcError as exc:
            return results_for_error(run, exc)
        if kind == ReportKind.SALE:
            ids = receipts.posted_ids(answer, len(run))
            return [ReportResult(r.id, ResultStatus.SENT, i) for r, i in zip(run, ids, strict=True)]
        ids = field_of(answer, "Ids") if isinstance(answer, dict) else None
        return [
            ReportResult(r.id, ResultStatus.SENT, [str(ids[i])] if ids and i < len(ids) else [])
            for i, r in enumerate(run)
        ]

    async def find(self, report: OutboundReport) -> ReportResult | None:
        """Did an earlier attempt arrive? Receipts by external number, adjustments by note.

        Voids and returns read METRC's receipt before every send and say absolute quantities,
        so they need no lookup first (see ``receipts``)."""
        try:
            if report.kind == ReportKind.SALE:
                return await receipts.find_sale(self, report)
            if report.kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                return await self._find_adjustment(report)
            if report.kind == ReportKind.REPACK:
                return await self._find_created(report)
        except MetrcError as exc:
            # Cannot tell yet: keep it unknown rather than risk sending twice.
            return ReportResult(report.id, ResultStatus.UNKNOWN, (), exc.message, exc.retry_after)
        return None

    async def prepare(self, reports: Sequence[OutboundReport]) -> dict[int, dict[str, Any]]:
        """Adjustments: the package's quantity at METRC just before we adjust it.

        METRC's published API has no way to list a package's adjustments, so an adjustment whose
        answer was lost is read back by comparing the package's quantity with this snapshot.
        """
        snapshots: dict[int, dict[str, Any]] = {}
        for report in reports:
            if report.kind in (ReportKind.VOID, ReportKind.RETURN):
                snapshots[report.id] = receipts.first_attempt()  # bounds the receipt search
            if report.kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                package = await self._package(str(report.payload["tag"]))
                raw = field_of(package, "Quantity") if package else None
                quantity = number_of(raw)
                snapshots[report.id] = {"quantity": str(quantity) if quantity is not None else None}
                if package and quantity is None:  # it exists, but we cannot read how much
                    snapshots[report.id]["unreadable"] = repr(raw)
        return snapshots

    async def _package(self, label: str) -> Any:
        try:
            return await self._request("GET", f"/packages/v2/{label}")
        except MetrcError as exc:
            if exc.http_status == 404:
                return None
            raise

    async def _find_adjustment(self, report: OutboundReport) -> ReportResult | None:
        snapshot = report.snapshot or {}
        before = _decimal(snapshot.get("quantity"))
        if report.snapshot is None or (before is None and "unreadable" not in snapshot):
            return None  # the snapshot is stored before sending: no snapshot, never sent
        package = await self._package(str(report.payload["tag"]))
        raw_now = field_of(package, "Quantity") if package else None
        now = number_of(raw_now)
        if package and (now is None or before is None):
            # A quantity METRC sent unreadably (null, text) tells nothing either way: ask again
            # at the next attempt rather than resend (a double adjustment) or give up.
            shown = snapshot.get("unreadable") or snapshot.get("quantity")
            return ReportResult(
                report.id,
                ResultStatus.UNKNOWN,
                (),
                f"cannot tell yet whether the adjustment reached METRC: the package's quantity"
                f" read {shown} before and {raw_now!r} now; looked up again at the next attempt",
            )
        delta = Decimal(str(report.payload["quantity"]))
        if before is not None and now == before + delta:
            return ReportResult(report.id, ResultStatus.SENT)
        if now == before:
            return None
        return ReportResult(
            report.id,
            ResultStatus.FAILED,
            (),
            f"cannot tell whether the adjustment reached METRC: the package was {before},"
            f" the adjustment {delta}, METRC now shows {now}. Check METRC, then retry or cancel.",
        )

    async def _find_created(self, report: OutboundReport) -> ReportResult | None:
        """A repack arrived if its new packages exist at METRC (their tags are ours alone)."""
        tags = [line["tag"] for line in report.payload["lines"] if line.get("role") == "output"]
        found = [await self._package(str(tag)) for tag in tags]
        if all(found):
            return ReportResult(report.id, ResultStatus.SENT)
        if any(found):
            return ReportResult(
                report.id,
                ResultStatus.FAILED,
                (),
                "only some of the repack's new packages are at METRC: check them there",
            )
        return None

    async def adjustment_reasons(self) -> list[StateReason]:
        if self._reasons and time.monotonic() - self._reasons[0] < REASONS_TTL:
            return self._reasons[1]
        records = await self._get_all("/packages/v2/adjust/reasons")
        reasons = [
            StateReason(
                name=name.strip(),
                requires_note=field_of(r, "RequiresNote") is True,
                requires_waste_weight=field_of(r, "RequiresWasteWeight") is True,
            )
            for r in records
            # A nameless reason (the description allows null) can be neither mapped nor sent.
            if isinstance(name := field_of(r, "Name"), str) and name.strip()
        ]
        self._reasons = (time.monotonic(), reasons)
        return reasons

    async def available_package_tags(self) -> list[str]:
        """The facility's unused package tags (``GET /tags/v2/package/available``, a plain array;
        METRC calls it a premium endpoint, so a licence may be refused it)."""
        records = await self._request("GET", "/tags/v2/package/available")
        labels = [text_of(field_of(r, "Label")) for r in records or [] if isinstance(r, dict)]
        return [label for label in labels if label]

    async def waste_methods(self) -> list[str]:
        """The state's waste methods for product destruction (``GET /wastemethods/v2``: a plain
        array, no licence parameter); a method marked plants-only is left out."""
        records = await self._request("GET", "/wastemethods/v2", licensed=False)
        names = []
        for record in records if isinstance(records, list) else []:
            name = text_of(field_of(record, "Name"))
            if name and field_of(record, "ForProductDestruction") is not False:
                names.append(name)
        return names

    async def pull_packages(self, since: datetime | None) -> AsyncIterator[StatePackage]:
        """Packages modified since ``since`` (from the history start when None), day by day,
        in active, on-hold and inactive lists, fetched ten windows at a time."""
        # First pull: from the licence's configured history start, else two years back.
        default_start = (datetime.now(UTC) - timedelta(days=730)).isoformat()
        start = since or datetime.fromisoformat(
            str(self.settings.get("history_start", default_start))
        )
        # Rounded up: the API takes whole seconds, and a package changed in the current second
        # must fall inside the last window.
        end = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
        windows = []
        while start < end:
            windows.append((start, min(start + WINDOW, end)))
            start += WINDOW
        lists = (("active", "active"), ("onhold", "on_hold"), ("inactive", "finished"))
        jobs = [(w, path, status) for w in windows for path, status in lists]
        step = rate_limit.FACILITY_CONCURRENCY
        chunks = [jobs[offset : offset + step] for offset in range(0, len(jobs), step)]

        def fetch(chunk: list[Any]) -> asyncio.Future[list[Any]]:
            return asyncio.gather(*[self._window(w, path) for w, path, _ in chunk])

        # The next chunk is requested before this one's records are handed on, so METRC works
        # while the caller writes (the rate limiter still paces every request).
        upcoming = fetch(chunks[0]) if chunks else None
        try:
            for number, chunk in enumerate(chunks):
                assert upcoming is not None
                pages = await upcoming
                upcoming = fetch(chunks[number + 1]) if number + 1 < len(chunks) else None
                for (_, _, status), records in zip(chunk, pages, strict=True):
                    for record in records:
                        yield _package(record, status)
        finally:
            if upcoming is not None:
                upcoming.cancel()

    async def incoming_transfers(self, since: datetime) -> list[IncomingTransfer]:
        return await transfers.incoming_transfers(self, since)

    async def lab_results(self, tag: str) -> list[StateLabResult]:
        return await lab.lab_results(self, tag)

    async def _window(
        self, window: tuple[datetime, datetime], path: str, base: str = "/packages/v2"
    ) -> list[Any]:
        start, end = window
        return await self._get_all(
            f"{base}/{path}",
            {
                "lastModifiedStart": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lastModifiedEnd": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            paged=False,
        )


def _runs(reports: Sequence[OutboundReport]) -> list[list[OutboundReport]]:
    """Consecutive reports of one request type, each run one request. Voids and returns (each a
    read, then a write, of one receipt) go one by one, and
    a package is adjusted once per request (so a lost answer can be read back per report)."""
    runs: list[list[OutboundReport]] = []
    for report in reports:
        kind = _request_kind(report.kind)
        joinable = (
            runs
            and _request_kind(runs[-1][0].kind) == kind
            and kind not in (ReportKind.VOID, ReportKind.RETURN, ReportKind.REPACK)
            and not (
                kind == ReportKind.ADJUST
                and any(r.payload.get("tag") == report.payload.get("tag") for r in runs[-1])
            )
        )
        if joinable:
            runs[-1].append(report)
        else:
            runs.append([report])
    return runs


def _request_kind(kind: ReportKind) -> ReportKind:
    return ReportKind.ADJUST if kind == ReportKind.DESTROY else kind


# METRC's units of measure (GET /unitsofmeasure/v2/active); a package in any other is unreadable.
METRC_UNITS = frozenset(
    {
        "each",
        "fluid ounces",
        "gallons",
        "liters",
        "milliliters",
        "pints",
        "quarts",
        "grams",
        "kilograms",
        "milligrams",
        "ounces",
        "pounds",
    }
)


def _decimal(text: Any) -> Decimal | None:
    """A snapshot's stored quantity (text) as a finite Decimal, or None."""
    try:
        number = Decimal(str(text)) if text is not None else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def _package(record: Any, status: str) -> StatePackage:
    """One package of a listing; a record we cannot take as it is carries its ``problem`` and
    its raw values (reconciliation records it as malformed instead of comparing it)."""
    label, raw_quantity = field_of(record, "Label"), field_of(record, "Quantity")
    raw_unit, modified = field_of(record, "UnitOfMeasureName"), field_of(record, "LastModified")
    problems = []
    tag = text_of(label)
    if tag is None:
        problems.append("no label")
        tag = f"(no label) METRC Id {field_of(record, 'Id')}"[:64]
    quantity = number_of(raw_quantity)
    if quantity is None:
        problems.append(f"quantity {raw_quantity!r} is not a number")
    unit = text_of(raw_unit) or ""
    if unit.lower() not in METRC_UNITS:
        problems.append(f"unit {raw_unit!r} is not one METRC lists")
    try:
        last_modified = parse_time(modified)
    except ValueError:
        problems.append(f"LastModified {modified!r} is not a timestamp")
        last_modified = None
    on_hold = field_of(record, "IsOnHold") is True
    return StatePackage(
        tag=tag,
        quantity=quantity if quantity is not None else Decimal(0),
        unit=unit,
        status="on_hold" if on_hold and status == "active" else status,
        item_name=text_of(field_of(field_of(record, "Item") or {}, "Name")),
        last_modified=last_modified,
        problem="; ".join(problems) or None,
        raw=repr(
            {
                "Label": label,
                "Quantity": raw_quantity,
                "UnitOfMeasureName": raw_unit,
                "LastModified": modified,
            }
        )
        if problems
        else None,
    )
