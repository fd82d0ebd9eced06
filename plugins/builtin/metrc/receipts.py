"""Finding a sent sales receipt at METRC again, and voiding or updating it (voids, returns).

Why this module exists: METRC's ``POST /sales/v2/receipts`` may answer an empty 200, so the
receipt's id is often unknown when a void or a return comes, and a lookup may answer an empty
list or ``Data: null`` (the description allows both). Acting on a guess there is how a partial
return once voided a whole receipt. So:

- a receipt is only ever a record with a positive integer ``Id`` and our
  ``ExternalReceiptNumber``; no other value is formatted into a URL;
- a sent receipt is found by, in turn: the ids METRC answered the POST with, ``GET
  /sales/v2/receipts/external/{number}``, then the active and inactive listings over the
  sales-date window around the sale (``salesDateStart``/``salesDateEnd``, 12 hours each side of the
  sale's facility-local time, so it holds whether METRC reads the window as local time or UTC);
- "not found" is retried with backoff (METRC may not list a new receipt yet) and fails for good,
  with a message a person can act on, only after ``receipt_search_hours`` (licence setting,
  default 1) since the first attempt: later reports of the licence wait meanwhile (order is
  kept), so the search is short;
- a void archives the sale's receipts (DELETE); a return updates the receipt to what the customer
  kept (``returns``), and deletes it only when nothing of the sale stays sold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plugins.base import OutboundReport, ReportResult, ResultStatus
from plugins.builtin.metrc import returns
from plugins.builtin.metrc.mapping import local_time
from plugins.builtin.metrc.responses import MetrcError, field_of, results_for_error

if TYPE_CHECKING:
    from plugins.builtin.metrc.client import MetrcClient

INT64_MAX = 2**63 - 1
SEARCH_HOURS = 1.0
HALF_WINDOW = timedelta(hours=12)
NOT_FOUND_RETRY_SECONDS = 30.0


def receipt_id(value: Any) -> int | None:
    """A METRC receipt id (a positive int64), or None for anything else (None, 0, "None"...)."""
    if isinstance(value, bool):
        return None
    whole_float = isinstance(value, float) and value.is_integer()
    if whole_float or (isinstance(value, str) and value.isascii() and value.isdigit()):
        value = int(value)
    if isinstance(value, int) and 0 < value <= INT64_MAX:
        return value
    return None


def _ours(record: Any, number: str) -> bool:
    """A receipt record of ours: a real id and our external receipt number."""
    return (
        isinstance(record, dict)
        and receipt_id(field_of(record, "Id")) is not None
        and field_of(record, "ExternalReceiptNumber") == number
    )


def _data(envelope: Any) -> list[Any]:
    data = field_of(envelope, "Data") if isinstance(envelope, dict) else envelope
    return data if isinstance(data, list) else []


def _id(record: Any) -> int:
    found = receipt_id(field_of(record, "Id"))
    assert found is not None  # only records that passed ``_ours`` get here
    return found


def _window(sold_at: datetime, timezone: str) -> dict[str, str]:
    local = datetime.fromisoformat(local_time(sold_at, timezone))
    return {
        "salesDateStart": (local - HALF_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "salesDateEnd": (local + HALF_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


async def locate(
    client: MetrcClient,
    number: str,
    sold_at: datetime,
    timezone: str,
    known_ids: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Every receipt METRC holds under our external ``number`` (active first; [] if none)."""
    if not number:
        return []
    found: dict[int, dict[str, Any]] = {}
    for known in filter(None, map(receipt_id, known_ids)):
        try:
            record = await client._request("GET", f"/sales/v2/receipts/{known}")
        except MetrcError as exc:
            if exc.http_status != 404:
                raise
            continue
        if _ours(record, number):
            found[_id(record)] = record
    if not found:
        found = {_id(r): r for r in await _by_number(client, number) if _ours(r, number)}
    if not found:
        window = _window(sold_at, timezone)
        for listing in ("active", "inactive"):
            for record in await client._get_all(f"/sales/v2/receipts/{listing}", window):
                if _ours(record, number):
                    found[_id(record)] = record
    return sorted(found.values(), key=lambda r: (returns.archived(r), _id(r)))


async def _by_number(client: MetrcClient, number: str) -> list[Any]:
    try:
        envelope = await client._request("GET", f"/sales/v2/receipts/external/{number}")
    except MetrcError as exc:
        if exc.http_status == 404:
            return []
        raise
    return _data(envelope)


def first_attempt(now: datetime | None = None) -> dict[str, Any]:
    """The snapshot a void or return keeps from its first attempt: when the search began."""
    return {"first_attempt_at": (now or datetime.now(UTC)).isoformat()}


def _search_hours(client: MetrcClient) -> float:
    """The licence's ``receipt_search_hours``; the default when unset or not a positive number."""
    value = client.settings.get("receipt_search_hours", SEARCH_HOURS)
    try:
        hours = float(value)
    except (TypeError, ValueError):
        return SEARCH_HOURS
    return hours if 0 < hours < 24 * 365 else SEARCH_HOURS


def _began(report: OutboundReport) -> datetime:
    started = (report.snapshot or {}).get("first_attempt_at")
    try:
        began = datetime.fromisoformat(started) if isinstance(started, str) else None
    except ValueError:
        began = None
    if began is None or began.tzinfo is None:
        return datetime.now(UTC)
    return began


def _not_found(client: MetrcClient, report: OutboundReport, what: str) -> ReportResult:
    hours = _search_hours(client)
    began = _began(report)
    if datetime.now(UTC) - began >= timedelta(hours=hours):
        return ReportResult(
            report.id,
            ResultStatus.FAILED,
            (),
            f"{what}, after searching METRC for {hours:g} h. Check the receipt in METRC, then"
            " record this there by hand or retry the report.",
        )
    return ReportResult(
        report.id, ResultStatus.RETRY, (), f"{what} yet; searching again", NOT_FOUND_RETRY_SECONDS
    )


def _sale_refusal(report: OutboundReport, action: str) -> ReportResult | None:
    """A void or return whose sale never reached METRC fails at once, saying why."""
    sale = report.related
    if sale is None:
        message = f"nothing to {action}: this sale was never reported to METRC"
    elif sale.status == "failed":
        message = (
            f"nothing to {action}: METRC refused the sale {sale.external_id}; if that report"
            f" is retried and accepted, retry this {action} after it"
        )
    elif sale.status in ("cancelled", "held"):
        message = (
            f"the sale {sale.external_id} was never sent to METRC (its report is"
            f" {sale.status}): record this {action} in METRC by hand, then cancel this report"
        )
    else:
        return None
    return ReportResult(report.id, ResultStatus.FAILED, (), message)


async def void(client: MetrcClient, report: OutboundReport) -> ReportResult:
    """Archive the sale's receipt (every copy METRC holds under our number)."""
    refusal = _sale_refusal(report, "void")
    if refusal is not None:
        return refusal
    assert report.related is not None
    sale = report.related
    try:
        found = await locate(
            client, sale.external_id, sale.occurred_at, report.timezone, report.related_state_ids
        )
        if not found:
            return _not_found(client, report, f"METRC does not list the receipt {sale.external_id}")
        for record in found:
            if not returns.archived(record):
                await client._request("DELETE", f"/sales/v2/receipts/{_id(record)}")
    except MetrcError as exc:
        return results_for_error([report], exc)[0]
    return ReportResult(report.id, ResultStatus.SENT, [str(_id(r)) for r in found])


async def return_(client: MetrcClient, report: OutboundReport) -> ReportResult:
    """Bring the sale's receipt down to what the customer kept (see ``returns``)."""
    refusal = _sale_refusal(report, "return")
    if refusal is not None:
        return refusal
    assert report.related is not None
    sale = report.related
    number = sale.external_id
    try:
        found = await locate(
            client, number, sale.occurred_at, report.timezone, report.related_state_ids
        )
        if not found:
            return _not_found(client, report, f"METRC does not list the receipt {number}")
        active = [r for r in found if not returns.archived(r)]
        if len(active) > 1:
            ids = ", ".join(str(_id(r)) for r in active)
            return _failed(
                report,
                f"METRC holds {len(active)} receipts numbered {number} ({ids}): void the"
                " duplicate in METRC, then retry this return",
            )
        receipt = active[0] if active else found[0]
        if returns.arrived(report, receipt):
            return ReportResult(report.id, ResultStatus.SENT, [str(_id(receipt))])
        if not active:
            return _failed(report, f"METRC's receipt {number} is voided: nothing to return")
        problem = returns.mismatch(report, receipt)
        if problem and returns.sold_by_tag(receipt) in (None, {}):
            return _not_found(client, report, f"{problem} ({number})")
        if problem:
            return _failed(report, f"{problem} ({number}): check it in METRC, then retry or cancel")
        body = returns.updated_receipt(report, _id(receipt))
        if body is None:  # nothing of the sale stays sold: the receipt is voided
            await client._request("DELETE", f"/sales/v2/receipts/{_id(receipt)}")
        else:
            await client._request("PUT", "/sales/v2/receipts", body=[body])
    except MetrcError as exc:
        return results_for_error([report], exc)[0]
    return ReportResult(report.id, ResultStatus.SENT, [str(_id(receipt))])


def _failed(report: OutboundReport, message: str) -> ReportResult:
    return ReportResult(report.id, ResultStatus.FAILED, (), message)


async def find_sale(client: MetrcClient, report: OutboundReport) -> ReportResult | None:
    """Did an earlier POST of this sale arrive? (None: no receipt under our number.)"""
    found = await locate(client, report.external_id, report.occurred_at, report.timezone)
    if not found:
        return None
    return ReportResult(report.id, ResultStatus.SENT, [str(_id(found[0]))])


def posted_ids(answer: Any, count: int) -> list[list[str]]:
    """The receipt id METRC answered for each of ``count`` posted receipts ([] where unknown).

    Ids are kept only when METRC answers one valid id per receipt; otherwise none is trusted
    and a later void or return finds the receipt by our external number.
    """
    ids = field_of(answer, "Ids") if isinstance(answer, dict) else None
    valid = [receipt_id(i) for i in ids] if isinstance(ids, list) else []
    if len(valid) != count or None in valid:
        return [[] for _ in range(count)]
    return [[str(i)] for i in valid]
