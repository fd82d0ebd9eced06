"""Reading METRC's answers: status codes to outcomes, row errors to the reports they belong to.

400 is a JSON array of ``{row, message}`` indexing the request array; 401 bodies are not reliably
JSON; 404/405 mean the endpoint is not offered in this state; 429 carries Retry-After; 500/503 may
be IIS HTML pages. A write that got a 5xx may still have been applied: UNKNOWN, looked up later.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from plugins.base import OutboundReport, ReportResult, ResultStatus


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


def field_of(record: Any, name: str) -> Any:
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


def decode(response: httpx.Response, *, write: bool) -> Any:
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
        raise MetrcError(ResultStatus.RETRY, "METRC rate limit (429)", retry_seconds(retry))
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


def results_for_error(run: list[OutboundReport], exc: MetrcError) -> list[ReportResult]:
    if isinstance(exc, MetrcRowErrors):
        refused: dict[int, str] = {}
        for row in exc.rows:
            index = field_of(row, "Row")
            if isinstance(index, int) and 0 <= index < len(run):
                refused[index] = str(field_of(row, "Message") or "refused")
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


def retry_seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return 60.0  # an HTTP date: be patient rather than parse it
