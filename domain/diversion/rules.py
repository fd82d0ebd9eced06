"""The diversion rules: pure functions from facts to flags (no I/O; tests/unit).

Each rule names its evidence (the movements and access events that triggered it) and an evidence
key that makes the same finding one flag however often it is evaluated. The rules compare a
person with their peers and a week with the location's usual weeks rather than with fixed
numbers alone, because what is normal differs between a corner shop and a flagship.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median
from zoneinfo import ZoneInfo

from domain.diversion.model import (
    AccessFact,
    ActorWeek,
    FlagDraft,
    Mismatch,
    MovementFact,
    Rule,
    Severity,
    ShiftSpan,
    Thresholds,
    UsageWeek,
)

VAULT = "vault"
# Moves people make by hand on the day. Reservations and their expiry are the system's own;
# registering opening balances is onboarding, often done after closing on purpose.
HANDLED_KINDS = frozenset({"transfer", "adjust", "sale", "void", "return", "destroy"})
EVIDENCE_CAP = 50


def week_of(moment: datetime, tz: ZoneInfo) -> date:
    """The Monday of ``moment``'s local week."""
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


# A shift never lasts longer (scheduled: 24 h at most; an open clock-in: ``open_shift_hours``).
LONGEST_SHIFT = timedelta(hours=24)


def shift_index(shifts: Iterable[ShiftSpan]) -> dict[int, list[ShiftSpan]]:
    """Each person's shifts by start: a year's door events check them by bisection."""
    index: dict[int, list[ShiftSpan]] = defaultdict(list)
    for s in shifts:
        index[s.user_id].append(s)
    for spans in index.values():
        spans.sort(key=lambda s: s.starts_at)
    return index


def on_shift(user_id: int, moment: datetime, index: dict[int, list[ShiftSpan]]) -> bool:
    spans = index.get(user_id, [])
    i = bisect_right(spans, moment, key=lambda s: s.starts_at)
    while i > 0 and spans[i - 1].starts_at >= moment - LONGEST_SHIFT:
        i -= 1
        if spans[i].ends_at >= moment:
            return True
    return False


def access_flags(events: Iterable[AccessFact], shifts: Sequence[ShiftSpan]) -> list[FlagDraft]:
    """Unknown zones or badges are recorded and flagged (never refused silently); a known person
    entering the vault outside every shift of theirs is flagged high."""
    found = []
    index = shift_index(shifts)
    for e in events:
        unknown = [what for what, ok in (("zone", e.zone_id), ("badge", e.user_id)) if ok is None]
        if unknown:
            found.append(
                FlagDraft(
                    Rule.UNKNOWN_ACCESS,
                    Severity.MEDIUM,
                    f"access:{e.id}",
                    f"access event with unknown {' and '.join(unknown)}"
                    f" (zone {e.zone_ref!r}, badge {e.badge_ref!r})",
                    e.user_id,
                    access_event_ids=(e.id,),
                    facts={"unknown": unknown, "zone": e.zone_ref, "badge": e.badge_ref},
                )
            )
        if (
            e.zone_kind == VAULT
            and e.user_id is not None
            and e.direction in ("entry", "denied")
            and not on_shift(e.user_id, e.occurred_at, index)
        ):
            found.append(
                FlagDraft(
                    Rule.VAULT_OUTSIDE_SHIFT,
                    Severity.HIGH,
                    f"access:{e.id}",
                    f"vault {e.direction} by badge {e.badge_ref} outside the person's shift",
                    e.user_id,
                    access_event_ids=(e.id,),
                    facts={"zone": e.zone_ref, "direction": e.direction},
                )
            )
    return found


def outside_hours(hour: int, t: Thresholds) -> bool:
    """Whether the store is closed during local ``hour`` (it may close after midnight)."""
    if t.opening_hour <= t.closing_hour:
        return not (t.opening_hour <= hour < t.closing_hour)
    return t.closing_hour <= hour < t.opening_hour


def _outside_hours(moment: datetime, tz: ZoneInfo, t: Thresholds) -> bool:
    return outside_hours(moment.astimezone(tz).hour, t)


def movement_flags(
    movements: Iterable[MovementFact], tz: ZoneInfo, t: Thresholds
) -> list[FlagDraft]:
    """Write-offs above the value or weight threshold, one flag each; movements outside opening
    hours, one flag per person per local day (evidence: that day's movements)."""
    found = []
    after_hours: dict[tuple[int, date], list[MovementFact]] = defaultdict(list)
    for m in movements:
        if m.kind == "adjust" and m.out:
            heavy = m.grams is not None and m.grams >= t.adjustment_grams
            if m.value >= t.adjustment_value or heavy:
                found.append(
                    FlagDraft(
                        Rule.LARGE_ADJUSTMENT,
                        Severity.HIGH,
                        f"movement:{m.id}",
                        f"write-off of {m.quantity} ({m.reason}) worth {m.value:.2f}",
                        m.actor_id,
                        movement_ids=(m.id,),
                        facts={"value": m.value, "grams": m.grams, "reason": m.reason},
                    )
                )
        if m.kind in HANDLED_KINDS and _outside_hours(m.occurred_at, tz, t):
            after_hours[(m.actor_id, m.occurred_at.astimezone(tz).date())].append(m)
    for (actor, day), moves in sorted(after_hours.items()):
        found.append(
            FlagDraft(
                Rule.AFTER_HOURS_MOVEMENT,
                Severity.MEDIUM,
                f"after-hours:{actor}:{day.isoformat()}",
                f"{len(moves)} movement(s) outside opening hours on {day.isoformat()}",
                actor,
                movement_ids=tuple(m.id for m in moves[:EVIDENCE_CAP]),
                facts={"day": day, "movements": len(moves)},
            )
        )
    return found


def peer_flags(week: date, people: Sequence[ActorWeek], t: Thresholds) -> list[FlagDraft]:
    """Write-offs unusually frequent for one person (routine samples, lab and packaging
    write-offs are not counted: ``evaluate.ROUTINE_REASONS``), repeated voids and returns by one
    budtender, and count corrections that follow one counter, each against the week's peers."""
    found = []
    checks = (
        (Rule.FREQUENT_ADJUSTMENTS, "adjustments", "adjustment_ids", "write-offs"),
        (Rule.REPEATED_VOIDS, "voids", "void_ids", "voids and returns"),
        (Rule.COUNTER_VARIANCE, "corrections", "correction_ids", "count shortfalls"),
    )
    minimums = {
        "adjustments": t.min_adjustments_per_week,
        "voids": t.min_voids_per_week,
        "corrections": t.min_count_corrections_per_week,
    }
    for rule, count, ids, words in checks:
        for person, n, usual in _outliers(people, count, minimums[count], t.peer_factor):
            evidence: tuple[int, ...] = getattr(person, ids)
            found.append(
                FlagDraft(
                    rule,
                    Severity.MEDIUM,
                    f"{person.actor_id}:{week.isoformat()}",
                    f"{n} {words} in the week of {week.isoformat()}; peers' median {usual:g}",
                    person.actor_id,
                    movement_ids=tuple(evidence[:EVIDENCE_CAP]),
                    facts={"week": week, "count": n, "peer_median": usual},
                )
            )
    return found


def _outliers(
    people: Sequence[ActorWeek], count: str, minimum: int, factor: Decimal
) -> list[tuple[ActorWeek, int, float]]:
    """People whose weekly ``count`` is at least ``minimum`` and ``factor`` times the median of
    their peers': the others who did the same thing that week at all (a budtender who never
    writes anything off says nothing about the lead who does it daily). With no peers nobody is
    unusual: there is nothing to compare with (a single write-off above the threshold is still
    flagged by ``movement_flags``)."""
    outliers = []
    for person in people:
        n: int = getattr(person, count)
        peers = [
            c for p in people if p.actor_id != person.actor_id and (c := getattr(p, count)) > 0
        ]
        if n < minimum or not peers:
            continue
        usual = float(median(peers))
        if n >= float(factor) * max(usual, 1.0):
            outliers.append((person, n, usual))
    return outliers


def usage_flags(current: UsageWeek, usual: Sequence[Decimal], t: Thresholds) -> list[FlagDraft]:
    """Waste and sample write-offs in a week above ``usage_factor`` times the location's usual
    week (the median of the weeks before; weeks with none count as zero)."""
    if current.value < t.usage_min_value or not usual:
        return []
    typical = Decimal(median(usual))
    if current.value < t.usage_factor * max(typical, Decimal(1)):
        return []
    return [
        FlagDraft(
            Rule.USAGE_ABOVE_RATE,
            Severity.LOW if current.value < 2 * t.usage_factor * typical else Severity.MEDIUM,
            f"usage:{current.week.isoformat()}",
            f"waste and samples worth {current.value:.2f} in the week of"
            f" {current.week.isoformat()}; usual {typical:.2f}",
            movement_ids=current.movement_ids[:EVIDENCE_CAP],
            facts={"week": current.week, "value": current.value, "usual": typical},
        )
    ]


def mismatch_flags(mismatches: Iterable[Mismatch]) -> list[FlagDraft]:
    """A package whose movements do not add up to what the state's history of its tag says."""
    return [
        FlagDraft(
            Rule.TAG_HISTORY_MISMATCH,
            Severity.HIGH,
            f"discrepancy:{m.discrepancy_id}",
            f"{m.tag}: our movements give {m.our_quantity}, the state's history"
            f" {m.state_quantity} ({m.kind})",
            movement_ids=m.movement_ids[:EVIDENCE_CAP],
            facts={"tag": m.tag, "kind": m.kind, "discrepancy_id": m.discrepancy_id},
        )
        for m in mismatches
    ]
