"""Reading METRC's answers: status codes to outcomes, row errors to the reports they belong to.

400 is a JSON array of ``{row, message}`` indexing the request array; 401 bodies are not reliably
JSON; 404/405 mean the endpoint is not offered in this state; 429 carries Retry-After; 500/503 may
be IIS HTML pages. A write that got a 5xx may still have been applied: UNKNOWN, looked up later.

Every status is either permanent (FAILED: sending the same request again cannot succeed, a person
must act) or retryable (RETRY/UNKNOWN, with backoff). The rule (docs/compliance.md has the table):
trouble with the connection itself (credentials, permissions, a redirect, the rate limit, an
outage) is retried, because it is about the licence, not the report, and fixing it should not
mean resending by hand; a 4xx about the request is permanent, except the few that say "not now"
(408, 409, 423, 425, 429).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
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


# 4xx answers that mean "not now" rather than "never": the request was not applied.
RETRYABLE_4XX = frozenset({408, 409, 423, 425, 429})
# 5xx answers that say the server will never do this (the others may pass, or may have applied).
PERMANENT_5XX = frozenset({501, 505})
SETUP_RETRY_SECONDS = 300.0  # credentials, permissions, base URL: wait for someone to fix them


def decode(response: httpx.Response, *, write: bool) -> Any:
    status = response.status_code
    if 200 <= status < 300:
        if not response.content:
            return None  # v2 writes may answer an empty 200
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
    raise error_for(response, write=write)


def error_for(response: httpx.Response, *, write: bool) -> MetrcError:
    """What a non-2xx answer means for the request (see the module docstring)."""
    status = response.status_code
    text = response.text[:300]
    if status == 400:
        try:
            rows = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            rows = None
        return MetrcRowErrors(rows if isinstance(rows, list) else [], text)
    if status in RETRYABLE_4XX:
        retry = retry_seconds(response.headers.get("Retry-After"))
        what = "rate limit" if status == 429 else "not now"
        return MetrcError(ResultStatus.RETRY, f"METRC {what} ({status}): {text}", retry, status)
    if status in (401, 403):
        # Usually wrong keys or a missing permission; retry later so a fixed key recovers.
        return MetrcError(
            ResultStatus.RETRY,
            f"METRC refused our credentials ({status})",
            SETUP_RETRY_SECONDS,
            status,
        )
    if status in (404, 405):
        return MetrcError(
            ResultStatus.FAILED, f"{status}: not offered in this state: {text}", None, status
        )
    if 400 <= status < 500 or status in PERMANENT_5XX:
        return MetrcError(
            ResultStatus.FAILED, f"METRC refused the request ({status}): {text}", None, status
        )
    if status >= 500:
        outcome = ResultStatus.UNKNOWN if write else ResultStatus.RETRY
        return MetrcError(
            outcome,
            f"METRC server error {status}",
            retry_seconds(response.headers.get("Retry-After")),
            status,
        )
    # 1xx/3xx: a proxy or a moved host answered; METRC did not process the request.
    return MetrcError(
        ResultStatus.RETRY,
        f"unexpected METRC answer {status} (check the base URL): {text}",
        SETUP_RETRY_SECONDS,
        status,
    )


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
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110); None when absent or odd."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return 60.0  # unreadable: be patient rather than hammer
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), 86400.0)


def positive_id(value: Any) -> str | None:
    """An id METRC gave us, as it may go into a URL: a positive integer, else None.

    Every id in the description is nullable; a null, text or zero id must never become
    ``/.../None/...``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        return str(number) if number > 0 else None
    return None


def parse_time(value: Any) -> datetime | None:
    """A METRC timestamp as an aware UTC datetime; None when absent; ValueError when unreadable."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"not a timestamp: {value!r}") from None


def text_of(value: Any) -> str | None:
    """A text field as METRC sent it, stripped; None for null, empty or a boolean."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


def number_of(value: Any) -> Decimal | None:
    """A JSON number as a finite Decimal (None for null, text, booleans, NaN, infinity)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
