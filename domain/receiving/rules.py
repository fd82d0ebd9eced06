"""Pure receiving rules: certificates, weight tolerance, destination and the state's task list."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from domain.catalog.model import LabStatus


class Certificate(enum.StrEnum):
    PASSING = "passing"
    MISSING = "missing"  # not submitted, pending or unknown: quarantine until it arrives
    FAILED = "failed"


_PASSED = {"testpassed", "passed", "remediated", "retestpassed"}
_FAILED = {"testfailed", "failed", "retestfailed"}


def certificate(lab_state: str | None) -> Certificate:
    """The state's lab testing state (METRC: TestPassed, TestFailed, NotSubmitted, ...)."""
    state = (lab_state or "").replace(" ", "").lower()
    if state in _PASSED:
        return Certificate.PASSING
    if state in _FAILED:
        return Certificate.FAILED
    return Certificate.MISSING


def lab_status(cert: Certificate) -> LabStatus:
    return {
        Certificate.PASSING: LabStatus.PASSED,
        Certificate.FAILED: LabStatus.FAILED,
        Certificate.MISSING: LabStatus.PENDING,
    }[cert]


def outside_tolerance(shipped: Decimal, measured: Decimal, tolerance_pct: Decimal) -> bool:
    """Whether a re-weighed quantity differs from the manifest by more than the tolerance."""
    if shipped == 0:
        return measured != 0
    return abs(measured - shipped) / shipped * 100 > tolerance_pct


def destination_kind(cert: Certificate) -> str:
    """Accepted stock goes to the vault, or to quarantine while its certificate is missing."""
    return "vault" if cert == Certificate.PASSING else "quarantine"


def state_task(manifest: str, scans: list[dict[str, Any]]) -> dict[str, Any]:
    """What a person must do in the state's web UI (METRC has no API to accept a transfer)."""
    return {
        "manifest_number": manifest,
        "instructions": "In the state system, open this incoming transfer and record each"
        " package exactly as listed: accept with the received quantity, or reject with the"
        " reason.",
        "packages": [
            {
                "tag": s["tag"],
                "action": "reject" if s["decision"] == "reject" else "accept",
                "received_quantity": str(s["received_quantity"]),
                "unit": s["unit"],
                "reason": s["reason"],
            }
            for s in scans
        ],
    }
