"""Each worker job run is counted as ok or failed and timed, under the job's own name."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from api.metrics import timed_job


def _runs(job: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("leafledger_job_runs_total", {"job": job, "outcome": outcome})
    return value or 0.0


async def test_runs_are_counted_by_outcome_and_keep_their_name():
    async def settle_accounts(ctx: dict) -> str:
        if ctx.get("fail"):
            raise RuntimeError("state API down")
        return "done"

    wrapped = timed_job("settle_accounts", settle_accounts)
    assert wrapped.__qualname__ == settle_accounts.__qualname__  # arq names jobs by it
    assert await wrapped({}) == "done"
    with pytest.raises(RuntimeError):
        await wrapped({"fail": True})
    assert (_runs("settle_accounts", "ok"), _runs("settle_accounts", "failed")) == (1.0, 1.0)
