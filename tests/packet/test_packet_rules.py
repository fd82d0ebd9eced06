"""The packet's period rules and its job kick, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.events import AuditPacketProgressed
from domain.packet import period
from workers.kick import KICKS
from workers.packet import build_audit_packet

TODAY = date(2026, 12, 7)


def test_a_period_is_whole_local_days_and_one_reaching_today_ends_when_asked():
    asked = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # noon in Los Angeles
    closed = period.period(date(2026, 12, 1), date(2026, 12, 6), "America/Los_Angeles", asked)
    assert closed.start == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert closed.end == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert closed.days == 6
    today = period.period(date(2026, 12, 1), TODAY, "America/Los_Angeles", asked)
    assert today.end == asked


def test_reversed_future_and_overlong_periods_are_refused_with_a_reason():
    assert period.refusal(TODAY, TODAY, TODAY) is None
    assert "on or after" in (period.refusal(TODAY, TODAY - timedelta(days=1), TODAY) or "")
    assert "today at the latest" in (period.refusal(TODAY, TODAY + timedelta(days=1), TODAY) or "")
    assert "not started" in (
        period.refusal(TODAY + timedelta(days=1), TODAY + timedelta(days=2), TODAY) or ""
    )
    long_ago = TODAY - timedelta(days=period.MAX_DAYS)
    assert "at most" in (period.refusal(long_ago, TODAY, TODAY) or "")
    assert period.refusal(long_ago + timedelta(days=1), TODAY, TODAY) is None


def test_only_a_request_kicks_a_build_one_queued_job_per_packet():
    job, plan = KICKS[AuditPacketProgressed]
    assert job is build_audit_packet

    def event(status: str) -> AuditPacketProgressed:
        return AuditPacketProgressed(
            location_id=1, packet_id=7, status=status, parts_done=0, parts_total=14, rows_written=0
        )

    queued = plan("pfx", event("queued"))
    assert queued is not None
    assert (queued.args, queued.job_id) == ((7,), "pfx:audit-packet:7")
    assert plan("pfx", event("building")) is None
    assert plan("pfx", event("finished")) is None
