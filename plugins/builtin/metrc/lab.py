"""METRC lab results for a package: ``GET /labtests/v2/results?packageId&licenseNumber``.

The endpoint takes METRC's numeric package id, not the label, so the package is read first
(``GET /packages/v2/{label}``). Every field of a result is nullable in the description; a
record without a pass/fail is returned with ``passed=None`` for the domain to count as
unreadable, and a null, text or absurd level is dropped rather than guessed. A result the lab
has not released, or the state revoked, is marked ``withdrawn``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from plugins.base import ResultStatus, StateLabResult
from plugins.builtin.metrc.responses import MetrcError, field_of, number_of, positive_id, text_of

if TYPE_CHECKING:
    from plugins.builtin.metrc.client import MetrcClient

# A level outside this is not a measurement (the description allows any double).
_LEVEL_LIMIT = Decimal("1e9")


async def lab_results(client: MetrcClient, tag: str) -> list[StateLabResult]:
    package = await client._package(tag)
    if package is None:
        return []
    package_id = positive_id(field_of(package, "Id"))
    if package_id is None:
        raise MetrcError(ResultStatus.FAILED, f"METRC gave package {tag} no usable id")
    records = await client._get_all("/labtests/v2/results", {"packageId": package_id})
    return [_result(r) for r in records if isinstance(r, dict)]


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _level(value: Any) -> Decimal | None:
    number = number_of(value)
    if number is None or abs(number) > _LEVEL_LIMIT:
        return None
    # Stored with at most 3 places (a percentage or a level in the lab's unit).
    return number.quantize(Decimal("0.001"))


def _date(value: Any) -> date | None:
    text = text_of(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _result(record: dict[str, Any]) -> StateLabResult:
    result_id = field_of(record, "LabTestResultId")
    return StateLabResult(
        test=text_of(field_of(record, "TestTypeName")) or "(unnamed test)",
        passed=_flag(field_of(record, "TestPassed")),
        result_id=str(result_id) if isinstance(result_id, int) and result_id > 0 else None,
        level=_level(field_of(record, "TestResultLevel")),
        lab_license=text_of(field_of(record, "LabFacilityLicenseNumber")),
        performed_on=_date(field_of(record, "TestPerformedDate")),
        overall_passed=_flag(field_of(record, "OverallPassed")),
        withdrawn=field_of(record, "ResultReleased") is False
        or text_of(field_of(record, "RevokedDate")) is not None
        or text_of(field_of(record, "LabTestDetailRevokedDate")) is not None,
    )
