"""Submitting a count (variances, netting, conflicts, what was not scanned) and recounts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from domain import db, service
from domain.counts import queries
from domain.counts.model import (
    CountPolicyRules,
    Evaluated,
    Moved,
    Scan,
    SessionStatus,
    above_threshold,
    evaluate,
    in_grams,
    needs_witness,
)
from domain.counts.queries import CountSessionRow
from domain.counts.sessions import (
    current_counter,
    refuse_if_expired,
    require_counter,
    require_state,
    session_for,
    spot_zone_kinds,
)
from domain.errors import CountWitnessRequired, DifferentCounterRequired, PermissionDenied
from domain.events import CountUpdated
from domain.identity.principal import Principal
from domain.unit_of_work import UnitOfWork

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class SubmitCount:
    session_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CountSubmitted:
    session_id: int
    status: str


@dataclass(frozen=True)
class _Outcome:
    """Every evaluated (package, zone) and the totals, before anything is written."""

    evaluated: dict[tuple[int, int], Evaluated]
    values: dict[tuple[int, int], Decimal]
    recount: set[tuple[int, int]]
    unscanned: list[int]
    units: Decimal
    grams: Decimal
    value: Decimal
    any_above: bool


async def _evaluate(
    row: CountSessionRow, lines: list[queries.ScannedLine], rules: CountPolicyRules
) -> _Outcome:
    counted = [
        ln
        for ln in lines
        if ln.package_id is not None and ln.finding is None and ln.zone_id is not None
    ]
    # The latest round that scanned a (package, zone) is the one that counts for it.
    latest: dict[tuple[int, int], int] = {}
    for ln in counted:
        key = (ln.package_id or 0, ln.zone_id or 0)
        latest[key] = max(latest.get(key, 0), ln.round)
    scans: dict[tuple[int, int], list[Scan]] = defaultdict(list)
    for ln in counted:
        key = (ln.package_id or 0, ln.zone_id or 0)
        if ln.round == latest[key]:
            scans[key].append(Scan(ln.id, ln.counted_at, ln.counted_quantity))
    packages = sorted({p for p, _ in scans} | set(row.packages))
    async with db.connection() as conn:
        # The counted zones' balances, and the scanned or listed packages' anywhere here.
        balances = await conn.fetch(
            "SELECT sb.package, sb.zone, sb.quantity FROM stock_balance sb"
            " WHERE sb.zone = ANY($1::int[])"
            " UNION SELECT sb.package, sb.zone, sb.quantity FROM stock_balance sb"
            " JOIN package p ON p.id = sb.package"
            " WHERE p.location = $3 AND (p.id = ANY($2::int[]) OR p.product = ANY($4::int[]))",
            list(row.zones),
            packages if row.kind == "spot" else list(row.packages),
            row.location_id,
            list(row.products),
        )
        moves = await conn.fetch(
            "SELECT package, from_zone, to_zone, quantity, occurred_at FROM movement"
            " WHERE package = ANY($1::int[]) AND occurred_at > $2",
            sorted({p for p, _ in scans}),
            row.started_at,
        )
        facts = await conn.fetch(
            "SELECT p.id, p.unit, coalesce(p.unit_cost, pr.unit_cost) AS unit_cost,"
            " coalesce(pr.net_weight_grams, pr.unit_weight_grams) AS grams_per_unit"
            " FROM package p JOIN product pr ON pr.id = p.product WHERE p.id = ANY($1::int[])",
            sorted({p for p, _ in scans}),
        )
    now_qty = {(r["package"], r["zone"]): r["quantity"] for r in balances}
    moved: dict[tuple[int, int], list[Moved]] = defaultdict(list)
    for m in moves:
        if m["from_zone"] is not None:
            moved[(m["package"], m["from_zone"])].append(Moved(m["occurred_at"], -m["quantity"]))
        if m["to_zone"] is not None:
            moved[(m["package"], m["to_zone"])].append(Moved(m["occurred_at"], m["quantity"]))
    info = {r["id"]: r for r in facts}
    evaluated: dict[tuple[int, int], Evaluated] = {}
    values: dict[tuple[int, int], Decimal] = {}
    recount: set[tuple[int, int]] = set()
    units = grams = value = Decimal(0)
    any_above = False
    for key, group in scans.items():
        result = evaluate(group, now_qty.get(key, Decimal(0)), moved.get(key, []), row.started_at)
        evaluated[key] = result
        fact = info[key[0]]
        line_value = (result.variance * (fact["unit_cost"] or 0)).quantize(CENTS)
        values[key] = line_value
        units += result.variance
        grams += in_grams(result.variance, fact["unit"], fact["grams_per_unit"])
        value += line_value
        above = above_threshold(result.variance, line_value, rules)
        any_above = any_above or above
        # A conflict is always recounted; a large variance once, by someone else (round 1).
        if result.conflict or (above and latest[key] == 1):
            recount.add(key)
    in_scope = {
        (p, z) for (p, z), q in now_qty.items() if q > 0 and (z in row.zones or row.kind == "spot")
    }
    if row.kind == "spot":
        listed = set(row.packages)
        async with db.connection() as conn:
            listed |= {
                r["id"]
                for r in await conn.fetch(
                    "SELECT id FROM package WHERE location = $1 AND product = ANY($2::int[])",
                    row.location_id,
                    list(row.products),
                )
            }
        in_scope = {(p, z) for p, z in in_scope if p in listed}
    unscanned = sorted({p for p, z in in_scope if (p, z) not in scans})
    return _Outcome(
        evaluated,
        values,
        recount,
        unscanned,
        units,
        grams.quantize(Decimal("0.001")),
        value,
        any_above,
    )


async def _zone_kinds(row: CountSessionRow, zone_ids: set[int]) -> list[str]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT kind FROM zone WHERE id = ANY($1::int[])", sorted(set(row.zones) | zone_ids)
        )
    return [r["kind"] for r in rows]


async def submit_count(uow: UnitOfWork, principal: Principal, cmd: SubmitCount) -> service.Outcome:
    """Close the scanning and compare with the books: per line and in total (units, grams, cost
    value), with sales and moves during the count netted, conflicts and large variances sent
    back for a recount, and what the books expected but nobody scanned listed."""
    row = await session_for(principal, cmd.session_id)
    if principal.user_id != current_counter(row):
        raise PermissionDenied("submit this count", "only the person counting submits it")
    await refuse_if_expired(uow, row)
    require_state(row, SessionStatus.OPEN)
    rules = await queries.policy_for(row.location_id)

    async def work(uow: UnitOfWork) -> CountSubmitted:
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, SessionStatus.OPEN)
        outcome = await _evaluate(locked, await queries.scanned_lines(locked.id), rules)
        kinds = await _zone_kinds(locked, {z for _, z in outcome.evaluated})
        if locked.witness_id is None and needs_witness(kinds, outcome.any_above, rules):
            reason = (
                "a two-person zone is counted"
                if any(k in rules.two_person_zone_kinds for k in kinds)
                else "a variance is above the location's threshold"
            )
            raise CountWitnessRequired(locked.id, reason)
        await _write(uow, locked, outcome)
        status = SessionStatus.RECOUNT_REQUIRED if outcome.recount else SessionStatus.SUBMITTED
        await uow.conn.execute(
            "UPDATE count_session SET status = $2, submitted_at = now(), submitted_by = $3,"
            " variance_units = $4, variance_grams = $5, variance_value = $6,"
            " unscanned_packages = $7, updated_at = now() WHERE id = $1",
            locked.id,
            str(status),
            principal.user_id,
            outcome.units,
            outcome.grams,
            outcome.value,
            outcome.unscanned,
        )
        uow.record(
            CountUpdated(location_id=locked.location_id, session_id=locked.id, status=str(status))
        )
        return CountSubmitted(locked.id, str(status))

    return await service.run(uow, principal, "submitCount", cmd, work, CountSubmitted)


async def _write(uow: UnitOfWork, row: CountSessionRow, outcome: _Outcome) -> None:
    ids, starts, netted, expected, variances, values, conflicts, recounts = ([] for _ in range(8))
    superseded: list[int] = []
    for key, result in outcome.evaluated.items():
        ids.append(result.line_id)
        starts.append(result.expected_at_start)
        netted.append(result.netted)
        expected.append(result.expected)
        variances.append(result.variance)
        values.append(outcome.values[key])
        conflicts.append(result.conflict)
        recounts.append(key in outcome.recount)
        superseded.extend(result.superseded)
    await uow.conn.execute(
        """
        UPDATE count_line l SET expected_at_start = x.s, netted_quantity = x.n,
               expected_quantity = x.e, variance = x.v, variance_value = x.val,
               conflict = x.c, requires_recount = x.r, superseded = false
        FROM unnest($2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
                    $7::numeric[], $8::bool[], $9::bool[]) AS x(id, s, n, e, v, val, c, r)
        WHERE l.id = x.id AND l.session = $1
        """,
        row.id,
        ids,
        starts,
        netted,
        expected,
        variances,
        values,
        conflicts,
        recounts,
    )
    # Earlier scans of the same package and zone.
    if superseded:
        await uow.conn.execute(
            "UPDATE count_line SET superseded = true, requires_recount = false"
            " WHERE session = $1 AND id = ANY($2::bigint[])",
            row.id,
            superseded,
        )
    if row.round > 1:
        # Earlier rounds of what this round recounted.
        await uow.conn.execute(
            """
            UPDATE count_line l SET superseded = true, requires_recount = false
            FROM count_line n
            WHERE l.session = $1 AND n.session = $1 AND n.id = ANY($2::bigint[])
              AND n.package = l.package AND n.zone = l.zone AND n.round > l.round
              AND l.finding IS NULL
            """,
            row.id,
            ids,
        )


@dataclass(frozen=True)
class Recount:
    session_id: int
    idempotency_key: str | None = None


async def recount(uow: UnitOfWork, principal: Principal, cmd: Recount) -> service.Outcome:
    """Open the next round for the lines sent back: a conflict may be recounted by anyone
    allowed to count, a variance above the threshold only by a different counter."""
    row = await session_for(principal, cmd.session_id)
    await refuse_if_expired(uow, row)
    require_state(row, SessionStatus.RECOUNT_REQUIRED)
    kinds = await _zone_kinds(row, set())
    if row.kind == "spot":
        kinds = await spot_zone_kinds(row.location_id, list(row.packages), list(row.products))
    require_counter(principal, row.location_id, kinds)
    lines = await queries.lines(row.id)
    flagged = [ln for ln in lines if ln.requires_recount and not ln.superseded]
    over = [ln for ln in flagged if not ln.conflict]
    if over and principal.user_id in {ln.counter_id for ln in over}:
        raise DifferentCounterRequired(row.id)
    if principal.user_id == row.witness_id:
        raise DifferentCounterRequired(row.id)

    async def work(uow: UnitOfWork) -> CountSubmitted:
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, SessionStatus.RECOUNT_REQUIRED)
        # The witness stays: they vouch for the recount too (or another joins).
        await uow.conn.execute(
            "UPDATE count_session SET status = 'open', round = round + 1, recounter = $2,"
            " updated_at = now() WHERE id = $1",
            locked.id,
            principal.user_id,
        )
        uow.record(
            CountUpdated(location_id=locked.location_id, session_id=locked.id, status="open")
        )
        return CountSubmitted(locked.id, str(SessionStatus.OPEN))

    return await service.run(uow, principal, "recount", cmd, work, CountSubmitted)
