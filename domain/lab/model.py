"""Lab-sample statuses, analytes, and the pure rules that turn results into a lab status."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.model import LabStatus


class LabSampleStatus(enum.StrEnum):
    CREATED = "created"  # weighed out into the QA/testing zone
    SENT = "sent"  # left with the lab's courier (a movement out)
    RECEIVED = "received"  # what the lab returned came back into stock
    WRITTEN_OFF = "written_off"  # the lab used it up or destroyed it


@dataclass(frozen=True)
class Analyte:
    """One test on a certificate: its name, whether it passed, and the level if given."""

    name: str
    passed: bool
    value: Decimal | None = None
    unit: str | None = None


def overall_passed(analytes: Sequence[Analyte]) -> bool:
    """A certificate passes only when every analyte passes."""
    return all(a.passed for a in analytes)


def lab_status_after(current: LabStatus, passed: bool) -> LabStatus:
    """A pass after a failure is a remediated batch (re-tested); a fail always fails."""
    if not passed:
        return LabStatus.FAILED
    if current in (LabStatus.FAILED, LabStatus.REMEDIATED):
        return LabStatus.REMEDIATED
    return LabStatus.PASSED


# The reason a package is held because of its batch's lab result: releasing on a later pass
# touches only holds with this reason, never a manager's own hold or a recall.
LAB_HOLD_PREFIX = "lab result failed"
