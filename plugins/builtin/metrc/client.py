"""METRC v2 over HTTP: sending reports, finding earlier ones, pulling packages.

Response handling follows what METRC publishes and what integrators report: 400 is a JSON
array of ``{row, message}`` indexing the request array; 401 bodies are not reliably JSON;
404/405 mean the endpoint is not offered in this state; 429 carries Retry-After; 500/503 may be
IIS HTML pages. A write that timed out or got a 5xx may still have been applied, so it is
reported UNKNOWN and looked up before it is sent again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from plugins.base import (
    Connection,
    OutboundReport,
    ReportKind,
    ReportResult,
    ResultStatus,
    StatePackage,
    StateReason,
)
from plugins.builtin.metrc import limits, mapping

WINDOW = timedelta(hours=24)  # METRC refuses lastModified windows longer than a day
REASONS_TTL = 3600.0


class MetrcError(Exception):
    def __init__(
        self,
        status: ResultStatus,
        message: str,
        retry_after: float | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.http_status = http_status


class MetrcClient:
    def __init__(self, connection: Connection, *, timeout: float = 30.0) -> None:
        self.license = connection.license_number
        credentials = connection.credentials
        self.vendor_key = str(credentials.get("vendor_key", ""))
        self.settings = connection.settings
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
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> Any:
        query = {"licenseNumber": self.license, **(params or {})}
        async with limits.request_slot(
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
        return _decode(response, write=method != "GET")

    async def _get_all(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every record of a (possibly paged) list endpoint."""
        records: list[Any] = []
        page = 1
        while True:
            envelope = await self._request(
                "GET", path, params={**(params or {}), "pageNumber": page, "pageSize": 20}
            )
            data = _field(envelope, "Data") if isinstance(envelope, dict) else envelope
            records.extend(data or [])
            total_pages = _field(envelope, "TotalPages") if isinstance(envelope, dict) else 1
            if not data or page >= int(total_pages or 1):
                return records
            page += 1

    # --- StateClient ---------------------------------------------------------------------

    async def send(self, reports: Sequence[OutboundReport]) -> list[ReportResult]:
        results: list[ReportResult] = []
        for run in _runs(reports):
            outcome = await self._send_run(run)
            results.extend(outcome)
            if any(r.status in (ResultStatus.RETRY, ResultStatus.UNKNOWN) for r in outcome):
                break  # later reports wait (the sync engine keeps the order)
        return results

    async def _send_run(self, run: list[OutboundReport]) -> list[ReportResult]:
        kind = run[0].kind
        try:
            if kind == ReportKind.SALE:
                answer = await self._request(
                    "POST", "/sales/v2/receipts", body=[mapping.receipt(r) for r in run]
                )
            elif kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                reasons = await self.adjustment_reasons()
                pinned = self.settings.get("adjustment_reasons", {})
                answer = await self._request(
                    "POST",
                    "/packages/v2/adjust",
                    body=[mapping.adjustment(r, reasons, pinned) for r in run],
                )
            elif kind == ReportKind.VOID:
                return [await self._void(run[0])]
            else:
                return [
                    ReportResult(r.id, ResultStatus.FAILED, (), f"METRC has no API for {kind}")
                    for r in run
                ]
        except MetrcError as exc:
            return _errors(run, exc)
        ids = _field(answer, "Ids") if isinstance(answer, dict) else None
        return [
            ReportResult(r.id, ResultStatus.SENT, [str(ids[i])] if ids and i < len(ids) else [])
            for i, r in enumerate(run)
        ]

    async def _void(self, report: OutboundReport) -> ReportResult:
        receipt_ids = list(report.related_state_ids)
        if not receipt_ids:
            found = await self._receipt(str(report.payload.get("related_external_id", "")))
            receipt_ids = [str(_field(found, "Id"))] if found else []
        if not receipt_ids:
            return ReportResult(
                report.id, ResultStatus.FAILED, (), "the sale was never accepted by METRC"
            )
        try:
            await self._request("DELETE", f"/sales/v2/receipts/{receipt_ids[0]}")
        except MetrcError as exc:
            return _errors([report], exc)[0]
        return ReportResult(report.id, ResultStatus.SENT, receipt_ids)

    async def _receipt(self, external_number: str) -> Any:
        if not external_number:
            return None
        try:
            envelope = await self._request("GET", f"/sales/v2/receipts/external/{external_number}")
        except MetrcError as exc:
            if exc.http_status == 404:
                return None  # no receipt with that number
            raise
        data = _field(envelope, "Data") if isinstance(envelope, dict) else envelope
        if isinstance(data, list):
            return data[0] if data else None
        return envelope or None

    async def find(self, report: OutboundReport) -> ReportResult | None:
        """Did an earlier attempt arrive? Receipts by external number, adjustments by note."""
        try:
            if report.kind == ReportKind.SALE:
                found = await self._receipt(report.external_id)
                if found:
                    return ReportResult(report.id, ResultStatus.SENT, [str(_field(found, "Id"))])
                return None
            if report.kind in (ReportKind.ADJUST, ReportKind.DESTROY):
                for record in await self._get_all("/packages/v2/adjustments"):
                    note = str(_field(record, "ReasonNote") or "")
                    if note.startswith(f"{report.external_id}:") or note == report.external_id:
                        return ReportResult(report.id, ResultStatus.SENT)
                return None
        except MetrcError as exc:
            # Cannot tell yet: keep it unknown rather than risk sending twice.
            return ReportResult(report.id, ResultStatus.UNKNOWN, (), exc.message, exc.retry_after)
        return None

    async def adjustment_reasons(self) -> list[StateReason]:
        if self._reasons and time.monotonic() - self._reasons[0] < REASONS_TTL:
            return self._reasons[1]
        records = await self._get_all("/packages/v2/adjust/reasons")
        reasons = [
            StateReason(
                name=str(_field(r, "Name")),
                requires_note=bool(_field(r, "RequiresNote")),
                requires_waste_weight=bool(_field(r, "RequiresWasteWeight")),
            )
            for r in records
        ]
        self._reasons = (time.monotonic(), reasons)
        return reasons

    async def pull_packages(self, since: datetime | None) -> AsyncIterator[StatePackage]:
        """Packages modified since ``since`` (from the history start when None), day by day,
        in active, on-hold and inactive lists, fetched ten windows at a time."""
        start = since or datetime.fromisoformat(
            str(self.settings.get("history_start", "2020-01-01T00:00:00+00:00"))
        )
        end = datetime.now(UTC)
        windows = []
        while start < end:
            windows.append((start, min(start + WINDOW, end)))
            start += WINDOW
        lists = (("active", "active"), ("onhold", "on_hold"), ("inactive", "finished"))
        jobs = [(w, path, status) for w in windows for path, status in lists]
        for offset in range(0, len(jobs), limits.FACILITY_CONCURRENCY):
            chunk = jobs[offset : offset + limits.FACILITY_CONCURRENCY]
            pages = await asyncio.gather(*[self._window(w, path) for w, path, _ in chunk])
            for (_, _, status), records in zip(chunk, pages, strict=True):
                for record in records:
                    yield _package(record, status)

    async def _window(self, window: tuple[datetime, datetime], path: str) -> list[Any]:
        start, end = window
        return await self._get_all(
            f"/packages/v2/{path}",
            {
                "lastModifiedStart": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lastModifiedEnd": end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
        )


def _runs(reports: Sequence[OutboundReport]) -> list[list[OutboundReport]]:
    """Consecutive reports of one request type, each run one request (voids one by one)."""
    runs: list[list[OutboundReport]] = []
    for report in reports:
        kind = ReportKind.ADJUST if report.kind == ReportKind.DESTROY else report.kind
        previous = runs[-1][0].kind if runs else None
        previous = ReportKind.ADJUST if previous == ReportKind.DESTROY else previous
        if runs and previous == kind and kind != ReportKind.VOID:
            runs[-1].append(report)
        else:
            runs.append([report])
    return runs


def _field(record: Any, name: str) -> Any:
    """METRC answers PascalCase or camelCase depending on the state: read either."""
    if not isinstance(record, dict):
        return None
    if name in record:
        return record[name]
    lowered = name[0].lower() + name[1:]
    if lowered in record:
        return record[lowered]
    folded = name.lower()
    return next((v for k, v in record.items() if k.lower() == folded), None)


def _decode(response: httpx.Response, *, write: bool) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        if not response.content:
            return None  # v2 writes may answer an empty 200
        try:
            return response.json()
        except json.JSONDecodeError:
            return None
    text = response.text[:300]
    if status == 400:
        try:
            rows = response.json()
        except json.JSONDecodeError:
            rows = None
        raise MetrcRowErrors(rows if isinstance(rows, list) else [], text)
    if status == 429:
        retry = response.headers.get("Retry-After")
        raise MetrcError(ResultStatus.RETRY, "METRC rate limit (429)", _seconds(retry))
    if status in (401, 403):
        # Usually wrong keys or a missing permission; retry later so a fixed key recovers.
        raise MetrcError(ResultStatus.RETRY, f"METRC refused our credentials ({status})", 300.0)
    if status in (404, 405):
        raise MetrcError(
            ResultStatus.FAILED, f"{status}: not offered in this state: {text}", None, status
        )
    if status >= 500:
        outcome = ResultStatus.UNKNOWN if write else ResultStatus.RETRY
        raise MetrcError(outcome, f"METRC server error {status}")
    raise MetrcError(ResultStatus.RETRY, f"unexpected METRC answer {status}: {text}")


class MetrcRowErrors(MetrcError):
    """A 400: METRC applied nothing; ``rows`` says which records it refused and why."""

    def __init__(self, rows: list[Any], text: str) -> None:
        super().__init__(ResultStatus.FAILED, f"METRC refused the request: {text}")
        self.rows = rows


def _errors(run: list[OutboundReport], exc: MetrcError) -> list[ReportResult]:
    if isinstance(exc, MetrcRowErrors):
        refused: dict[int, str] = {}
        for row in exc.rows:
            index = _field(row, "Row")
            if isinstance(index, int) and 0 <= index < len(run):
                refused[index] = str(_field(row, "Message") or "refused")
        if not refused:  # a 400 we cannot attribute: every record in it is refused
            return [ReportResult(r.id, ResultStatus.FAILED, (), exc.message) for r in run]
        # The others were not applied either: send them again without the refused rows.
        return [
            ReportResult(r.id, ResultStatus.FAILED, (), refused[i])
            if i in refused
            else ReportResult(r.id, ResultStatus.RETRY, (), "resent without refused rows", 0.0)
            for i, r in enumerate(run)
        ]
    return [ReportResult(r.id, exc.status, (), exc.message, exc.retry_after) for r in run]


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return 60.0  # an HTTP date: be patient rather than parse it


def _package(record: Any, status: str) -> StatePackage:
    on_hold = bool(_field(record, "IsOnHold"))
    modified = _field(record, "LastModified")
    return StatePackage(
        tag=str(_field(record, "Label")),
        quantity=Decimal(str(_field(record, "Quantity") or 0)),
        unit=str(_field(record, "UnitOfMeasureName") or ""),
        status="on_hold" if on_hold and status == "active" else status,
        item_name=str(_field(_field(record, "Item") or {}, "Name") or "") or None,
        last_modified=_parse_time(modified),
    )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
