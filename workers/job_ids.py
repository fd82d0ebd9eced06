"""Job ids that de-duplicate queued jobs (arq keeps one queued job per id).

Shared by the after-commit kicks (``workers.kick``) and the sweepers (``workers.jobs``), which
re-queue the same work under the same id. arq keys a job by its id alone (``arq:job:<id>``),
whatever queue it is on, so every id starts with the deployment's ``Settings.redis_prefix``:
otherwise one deployment's queued ``drain:1`` would swallow another's on the same Redis.
"""

from __future__ import annotations

import math
from datetime import datetime

# Holds ending within the same tenth of a second share one wake-up, at the end of that tenth.
WAKE_UP_SLOTS_PER_SECOND = 10


def webhooks_job_id(prefix: str) -> str:
    """One queued webhook run at a time sends every licence's due deliveries."""
    return f"{prefix}:webhooks"


def drain_job_id(prefix: str, location_id: int) -> str:
    """One queued drain per licence."""
    return f"{prefix}:drain:{location_id}"


def reconcile_job_id(prefix: str, run_id: int) -> str:
    return f"{prefix}:reconcile:{run_id}"


def expiry_wake_up(expires_at: datetime) -> float:
    """When to expire a hold ending at ``expires_at`` (unix seconds, at most 0.1 s later)."""
    slots = WAKE_UP_SLOTS_PER_SECOND
    return math.ceil(expires_at.timestamp() * slots) / slots


def expiry_job_id(prefix: str, moment: float) -> str:
    """One wake-up per slot however many holds end in it."""
    return f"{prefix}:expire-at:{moment:.1f}"


# New movements and access events of a licence within the same half minute share one evaluation.
DIVERSION_SLOT_SECONDS = 30


def diversion_job_id(prefix: str, location_id: int, slot: int) -> str:
    return f"{prefix}:diversion:{location_id}:{slot}"


def destruction_finish_job_id(prefix: str, destruction_id: int) -> str:
    """One queued state second step per destruction."""
    return f"{prefix}:destroy-finish:{destruction_id}"


def audit_packet_job_id(prefix: str, packet_id: int) -> str:
    """One queued build per audit packet."""
    return f"{prefix}:audit-packet:{packet_id}"
