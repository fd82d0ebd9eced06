"""What "the state accepted it" means, read from the METRC double's log, for the property tests.

Why this module exists: ``test_state_answers_any_way.py`` lets the METRC double answer every way
its description allows and then judges our books against what the double actually said. The
judging (which answers count as METRC accepting a report, and which requests would change more
at METRC than a return or void reports) lives here so the test reads as the four properties, with
the example budget and the crash check both METRC's and BioTrack's property tests use.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, settings

from domain import db, errors
from tests.doubles.metrc import LoggedRequest

T = TypeVar("T")
_LONG_RUN = os.environ.get("LEAFLEDGER_STATE_ANSWER_EXAMPLES")
# Examples per property test: derandomized and not shrunk by default, so CI is stable and quick;
# setting the variable switches to random exploration with shrinking for a long local run.
EXAMPLES = settings(
    max_examples=int(_LONG_RUN or 10),
    deadline=None,
    derandomize=not _LONG_RUN,
    database=None,
    # Shrinking re-runs a failing case hundreds of times; a long local run shrinks, CI reports.
    phases=tuple(Phase) if _LONG_RUN else (Phase.explicit, Phase.generate),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


async def entry(what: str, call: Awaitable[T]) -> T | None:
    """(b): an entry point may refuse with a typed error; anything else is a crash."""
    try:
        return await call
    except errors.DomainError:
        return None
    except Exception as exc:
        pytest.fail(f"{what} crashed on the state's answer: {exc!r}")


def ok(entry: LoggedRequest) -> bool:
    return 200 <= entry.status < 300


def get(record: Any, name: str) -> Any:
    """A property of a METRC record, case-insensitively (METRC answers either casing)."""
    if not isinstance(record, dict):
        return None
    return next((v for k, v in record.items() if k.lower() == name.lower()), None)


def records(body: Any) -> list[Any] | None:
    """The records an answer carries: a wrapper's ``Data``, a bare list, or one record.
    None when the answer says nothing (no body, ``Data: null``, ``{}``)."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict) or not body:
        return None
    if any(k.lower() == "data" for k in body):
        data = get(body, "Data")
        return data if isinstance(data, list) else None
    return [body] if get(body, "Id") is not None else None


def quantity(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


async def reports(location_id: int) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, status, external_id, payload, last_error FROM state_report"
            " WHERE location = $1 ORDER BY id",
            location_id,
        )
    return [dict(row) for row in rows]


def remaining(report: dict[str, Any]) -> dict[str, Decimal]:
    return {
        tag: Decimal(str(q)) for tag, q in (report["payload"].get("remaining_by_tag") or {}).items()
    }


def _lookups(log: list[LoggedRequest], external_id: str) -> list[LoggedRequest]:
    return [
        e
        for e in log
        if e.operation_id == "GetSaleReceiptExternal" and e.path.rstrip("/").endswith(external_id)
    ]


def _shows(receipt: Any, wanted: dict[str, Decimal]) -> bool:
    sold: dict[str, Decimal] = {}
    for line in get(receipt, "Transactions") or []:
        amount = quantity(get(line, "Quantity"))
        if amount is None:
            return False
        tag = str(get(line, "PackageLabel"))
        sold[tag] = sold.get(tag, Decimal(0)) + amount
    return all(sold.get(tag, Decimal(0)) == q for tag, q in wanted.items() if q > 0)


def acceptance(report: dict[str, Any], log: list[LoggedRequest]) -> str | None:
    """Which of the double's answers says METRC took ``report``; None when none does."""
    kind = report["kind"]
    if kind == "sale":
        for e in log:
            if e.operation_id == "PostSaleReceipts" and ok(e):
                return f"POST answered {e.status}"
        for e in _lookups(log, report["external_id"]):
            if ok(e) and records(e.response):
                return "found by its external number"
        return None
    if kind == "void":
        deleted = [e for e in log if e.operation_id == "DeleteSaleReceiptById" and ok(e)]
        return "DELETE accepted" if deleted else None
    if kind == "return":
        left = remaining(report)
        kept = any(q > 0 for q in left.values())
        for e in log:
            if e.operation_id == "PutSaleReceipts" and ok(e) and kept:
                return "PUT accepted"
            if e.operation_id == "DeleteSaleReceiptById" and ok(e) and not kept:
                return "DELETE accepted"
        related = str(report["payload"].get("related_external_id", ""))
        for e in _lookups(log, related):
            found = records(e.response) if ok(e) else None
            if kept and found and _shows(found[0], left):
                return "METRC's receipt already shows what was kept"
            if not kept and (e.status == 404 or (found is not None and not found)):
                return "METRC has no such receipt"
            if not kept and found and get(found[0], "ArchivedDate"):
                return "METRC's receipt is already voided"
        return None
    if kind in ("adjust", "destroy"):
        posted = [e for e in log if e.operation_id == "PostPackageAdjust"]
        if any(ok(e) for e in posted):
            return "adjustment POST accepted"
        if posted and any(e.operation_id == "GetPackageByLabel" and ok(e) for e in log):
            return "read back from the package"
        return None
    return "not judged"


def overreach(reports_: list[dict[str, Any]], log: list[LoggedRequest]) -> list[str]:
    """Requests that would change more at METRC than the voids and returns report."""
    problems: list[str] = []
    voids = [r for r in reports_ if r["kind"] == "void"]
    returns = [r for r in reports_ if r["kind"] == "return"]
    full = [r for r in returns if not any(q > 0 for q in remaining(r).values())]
    for e in log:
        if e.method == "DELETE" and e.path.startswith("/sales/v2/receipts") and not (voids or full):
            problems.append(f"a partial return sent DELETE {e.path} (answered {e.status})")
        if e.operation_id != "PutSaleReceipts":
            continue
        if not returns:
            problems.append("a receipt was rewritten (PUT) with no return to report")
            continue
        allowed = remaining(returns[-1])
        for receipt in e.body if isinstance(e.body, list) else []:
            sent: dict[str, Decimal] = {}
            for line in get(receipt, "Transactions") or []:
                tag = str(get(line, "PackageLabel"))
                sent[tag] = sent.get(tag, Decimal(0)) + (
                    quantity(get(line, "Quantity")) or Decimal(0)
                )
            for tag, amount in sent.items():
                if tag in allowed and amount > allowed[tag]:
                    problems.append(
                        f"PUT keeps {amount} of {tag} sold but the customer kept {allowed[tag]}"
                    )
    return problems
