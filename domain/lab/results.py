"""Lab results against a batch: entered from a certificate, or pulled from the state.

A result sets the batch's lab status (which the ledger reads before any stock reaches the
floor or a customer) and holds or releases the batch's packages at the location: a failure
holds every active package, a later pass releases only the holds a failure put there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast
from urllib.parse import urlsplit

from domain import db, service
from domain.catalog.model import LabStatus
from domain.changelog import record as changelog
from domain.compliance import connections
from domain.errors import NotFound, StateSystemUnavailable, ValidationError
from domain.identity.principal import Principal
from domain.inventory import lookup
from domain.inventory.model import PackageStatus
from domain.inventory.packages import _set_status  # the one status writer (logs every change)
from domain.lab import model
from domain.lab.model import Analyte
from domain.numbers import DecimalRefused, parse_decimal
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from plugins.base import LabResultSource, ResultStatus, StateCapability, StateLabResult


@dataclass(frozen=True)
class RecordLabResult:
    location_id: int
    batch_id: int
    analytes: list[Analyte]
    thc_percent: Decimal | None = None
    cbd_percent: Decimal | None = None
    coa_url: str | None = None
    lab_license: str | None = None
    lab_sample_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PullLabResults:
    location_id: int
    tag: str
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LabResultRecorded:
    result_id: int | None
    batch_id: int
    lab_status: str
    held_package_ids: list[int] = field(default_factory=list)
    released_package_ids: list[int] = field(default_factory=list)
    unreadable: int = 0


def _percent(value: Decimal | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_decimal(value, places=3, maximum=Decimal(100))
    except DecimalRefused:
        raise ValidationError(name, "a percentage from 0 to 100, at most 3 decimals") from None


def _analytes(analytes: Sequence[Analyte]) -> list[Analyte]:
    if not analytes:
        raise ValidationError("analytes", "at least one analyte with its pass or fail")
    seen: set[str] = set()
    clean = []
    for i, a in enumerate(analytes):
        name = a.name.strip()
        if not name or len(name) > 100:
            raise ValidationError(f"analytes[{i}].name", "1 to 100 characters")
        if name.lower() in seen:
            raise ValidationError(f"analytes[{i}].name", f"{name} is listed twice")
        seen.add(name.lower())
        value = None
        if a.value is not None:
            try:
                value = parse_decimal(a.value, places=6, maximum=Decimal("1e9"))
            except DecimalRefused:
                raise ValidationError(
                    f"analytes[{i}].value", "a number, at most 6 decimals"
                ) from None
        unit = (a.unit or "").strip()[:20] or None
        clean.append(Analyte(name, bool(a.passed), value, unit))
    return clean


def _url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise ValidationError("coaUrl", "an http(s) address of at most 500 characters")
    return url


async def _require_batch(principal: Principal, batch_id: int) -> None:
    async with db.connection() as conn:
        operator = await conn.fetchval(
            "SELECT p.operator FROM batch b JOIN product p ON p.id = b.product WHERE b.id = $1",
            batch_id,
        )
    if operator != principal.operator_id:
        raise NotFound("batch", str(batch_id))


@dataclass(frozen=True)
class _Result:
    batch_id: int
    analytes: list[Analyte]
    thc: Decimal | None
    cbd: Decimal | None
    coa_url: str | None
    lab_license: str | None
    lab_sample_id: int | None
    source: str
    state_result_id: str | None


# What the change log compares of a batch when a lab result arrives.
_LOGGED = "lab_status, thc_percent, cbd_percent, certificate_reference"


async def _apply(
    uow: UnitOfWork, principal: Principal, location_id: int, r: _Result
) -> LabResultRecorded:
    """Record ``r``, set the batch's lab status and hold or release its packages here."""
    passed = model.overall_passed(r.analytes)
    conn = uow.conn
    before = returned(
        await conn.fetchrow(f"SELECT {_LOGGED} FROM batch WHERE id = $1 FOR UPDATE", r.batch_id)
    )
    current = before["lab_status"]
    result_id = await conn.fetchval(
        "INSERT INTO lab_result (location, batch, lab_sample, lab_license, thc_percent,"
        " cbd_percent, analytes, passed, coa_url, source, state_result_id, recorded_by,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())"
        " ON CONFLICT (location, source, state_result_id) DO NOTHING RETURNING id",
        location_id,
        r.batch_id,
        r.lab_sample_id,
        r.lab_license,
        r.thc,
        r.cbd,
        [
            {"name": a.name, "passed": a.passed, "value": a.value, "unit": a.unit}
            for a in r.analytes
        ],
        passed,
        r.coa_url,
        r.source,
        r.state_result_id,
        principal.user_id,
    )
    if result_id is None:  # this very state result was pulled before: nothing changes
        return LabResultRecorded(None, r.batch_id, current)
    status = model.lab_status_after(LabStatus(current), passed)
    after = await conn.fetchrow(
        "UPDATE batch SET lab_status = $2, thc_percent = coalesce($3, thc_percent),"
        " cbd_percent = coalesce($4, cbd_percent),"
        f" certificate_reference = coalesce($5, certificate_reference) WHERE id = $1"
        f" RETURNING {_LOGGED}",
        r.batch_id,
        str(status),
        r.thc,
        r.cbd,
        r.coa_url,
    )
    await changelog.change(
        uow,
        principal,
        "recordLabResult" if r.source == "entered" else "pullLabResults",
        "batch",
        r.batch_id,
        location_id=location_id,
        before=dict(before),
        after={**dict(after or {}), "lab_result_id": result_id, "passed": passed},
    )
    packages = await conn.fetch(
        "SELECT id, status, status_reason FROM package WHERE location = $1 AND batch = $2"
        " ORDER BY id",
        location_id,
        r.batch_id,
    )
    held: list[int] = []
    released: list[int] = []
    if not passed:
        failed = ", ".join(a.name for a in r.analytes if not a.passed)
        held = await _set_status(
            uow,
            principal,
            [p["id"] for p in packages if p["status"] == PackageStatus.ACTIVE],
            PackageStatus.ON_HOLD,
            {PackageStatus.ACTIVE},
            f"{model.LAB_HOLD_PREFIX}: {failed}"[:1000],
        )
    else:
        lab_held = [
            p["id"]
            for p in packages
            if p["status"] == PackageStatus.ON_HOLD
            and (p["status_reason"] or "").startswith(model.LAB_HOLD_PREFIX)
        ]
        released = await _set_status(
            uow,
            principal,
            lab_held,
            PackageStatus.ACTIVE,
            {PackageStatus.ON_HOLD},
            f"lab result passed ({status})",
        )
    return LabResultRecorded(result_id, r.batch_id, str(status), held, released)


async def record_lab_result(
    uow: UnitOfWork, principal: Principal, cmd: RecordLabResult
) -> service.Outcome:
    """Enter a certificate of analysis for a batch: THC/CBD, pass or fail per analyte, the
    COA's address. Exists because a batch's lab status decides whether its stock may be sold:
    a failure holds the batch's packages here at once, a pass releases the holds a failure set.
    """
    principal.require(Capability.HOLD_STOCK, cmd.location_id)
    result = _Result(
        batch_id=cmd.batch_id,
        analytes=_analytes(cmd.analytes),
        thc=_percent(cmd.thc_percent, "thcPercent"),
        cbd=_percent(cmd.cbd_percent, "cbdPercent"),
        coa_url=_url(cmd.coa_url),
        lab_license=(cmd.lab_license or "").strip()[:64] or None,
        lab_sample_id=cmd.lab_sample_id,
        source="entered",
        state_result_id=None,
    )
    await _require_batch(principal, cmd.batch_id)
    if cmd.lab_sample_id is not None:
        async with db.connection() as conn:
            batch = await conn.fetchval(
                "SELECT batch FROM lab_sample WHERE id = $1 AND location = $2",
                cmd.lab_sample_id,
                cmd.location_id,
            )
        if batch != cmd.batch_id:
            raise NotFound("lab sample", str(cmd.lab_sample_id))

    async def work(uow: UnitOfWork) -> LabResultRecorded:
        return await _apply(uow, principal, cmd.location_id, result)

    return await service.run(uow, principal, "recordLabResult", cmd, work, LabResultRecorded)


def from_state(batch_id: int, system: str, tests: Sequence[StateLabResult]) -> _Result | None:
    """The state's tests of one package as one result (None when none says pass or fail).
    Unreleased and revoked tests are left out. The same set of state result ids is the same
    result: pulled twice, recorded once."""
    usable = [t for t in tests if t.passed is not None and not t.withdrawn]
    if not usable:
        return None
    analytes = [Analyte(t.test[:100], bool(t.passed), t.level) for t in usable]
    ids = sorted({t.result_id or f"{t.test}:{t.passed}:{t.level}" for t in usable})
    digest = hashlib.sha256("|".join(ids).encode()).hexdigest()[:40]

    def level(word: str) -> Decimal | None:
        for t in usable:
            name = t.test.lower()
            if word in name and "total" in name and t.level is not None and 0 <= t.level <= 100:
                return t.level.quantize(Decimal("0.001"))
        return None

    return _Result(
        batch_id=batch_id,
        analytes=_dedupe(analytes),
        thc=level("thc"),
        cbd=level("cbd"),
        coa_url=None,
        lab_license=next((t.lab_license[:64] for t in usable if t.lab_license), None),
        lab_sample_id=None,
        source=system,
        state_result_id=digest,
    )


def _dedupe(analytes: list[Analyte]) -> list[Analyte]:
    """One analyte per test name; a name the state repeats fails if any of its rows failed."""
    by_name: dict[str, Analyte] = {}
    for a in analytes:
        seen = by_name.get(a.name.lower())
        if seen is None or (seen.passed and not a.passed):
            by_name[a.name.lower()] = a
    return list(by_name.values())


async def pull_lab_results(
    uow: UnitOfWork, principal: Principal, cmd: PullLabResults
) -> service.Outcome:
    """Fetch a package's lab results from the state system and record them against its batch.

    Exists because in METRC states the lab enters results at the state: pulling them is how
    the batch's status here follows what the lab said. Tests the state sent without a pass or
    fail are counted as unreadable and left out, never guessed.
    """
    principal.require(Capability.HOLD_STOCK, cmd.location_id)
    package = await lookup.package_by_tag(cmd.location_id, cmd.tag)
    async with db.connection() as conn:
        batch_id = await conn.fetchval("SELECT batch FROM package WHERE id = $1", package.id)
    if batch_id is None:
        raise ValidationError("tag", "the package has no batch to record a result against")
    target = await connections.load(uow.registry, cmd.location_id)
    if (
        target is None
        or target.system.connect is None
        or StateCapability.PULL_LAB_RESULTS not in target.system.capabilities
    ):
        raise StateSystemUnavailable("the state system", "it has no lab results to pull here")
    client = target.system.connect(target.connection)
    try:
        tests = await cast(LabResultSource, client).lab_results(package.tag)
    except Exception as exc:
        if not isinstance(getattr(exc, "status", None), ResultStatus):
            raise  # not the state's answer: our bug, logged as such
        raise StateSystemUnavailable(target.system.name, str(exc)) from None
    finally:
        await client.close()
    result = from_state(batch_id, target.system.name, tests)
    unreadable = sum(1 for t in tests if t.passed is None and not t.withdrawn)

    async def work(uow: UnitOfWork) -> LabResultRecorded:
        if result is None:
            conn = uow.conn
            current = returned(
                await conn.fetchval("SELECT lab_status FROM batch WHERE id = $1", batch_id)
            )
            return LabResultRecorded(None, batch_id, current, unreadable=unreadable)
        recorded = await _apply(uow, principal, cmd.location_id, result)
        return LabResultRecorded(
            recorded.result_id,
            recorded.batch_id,
            recorded.lab_status,
            recorded.held_package_ids,
            recorded.released_package_ids,
            unreadable,
        )

    return await service.run(uow, principal, "pullLabResults", cmd, work, LabResultRecorded)
