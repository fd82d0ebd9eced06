"""Starting a count, a witness joining it, and the scanned lines arriving from handhelds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import db, service
from domain.counts import queries
from domain.counts.expiry import expire
from domain.counts.model import COUNTING, Finding, SessionStatus, counted_quantity
from domain.counts.queries import CountSessionRow
from domain.counts.scans import classify
from domain.errors import (
    CountExpired,
    CountWrongState,
    InvalidQuantity,
    NotFound,
    PermissionDenied,
    ValidationError,
    WitnessIsActor,
    ZoneAlreadyBeingCounted,
)
from domain.events import CountUpdated
from domain.identity.principal import Principal
from domain.identity.witness import WitnessCredentials, verify_witness
from domain.inventory import lookup
from domain.organisation.model import ZoneKind
from domain.roles import Capability
from domain.rows import returned
from domain.text import has_nul
from domain.unit_of_work import UnitOfWork

MAX_LINES_PER_BATCH = 500
# A handheld's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class StartCount:
    location_id: int
    # A zone count, or a spot count of packages (by tag) and/or products.
    zone_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CountSaved:
    session_id: int


def require_counter(principal: Principal, location_id: int, zone_kinds: list[str]) -> None:
    """Budtenders count non-vault zones; inventory leads and above count any zone."""
    principal.require(Capability.READ, location_id)
    if any(kind == ZoneKind.VAULT for kind in zone_kinds):
        principal.require(Capability.COUNT_ANY_ZONE, location_id)
    else:
        principal.require(Capability.COUNT_FLOOR, location_id)


async def start_count(uow: UnitOfWork, principal: Principal, cmd: StartCount) -> service.Outcome:
    """Open a count of some zones, or a spot count of a few packages or products: the counter's
    scans are compared with the books only at submission."""
    spot = bool(cmd.tags or cmd.product_ids)
    if bool(cmd.zone_ids) == spot:
        raise ValidationError("zoneIds", "count either zones, or a spot list of tags/products")
    principal.require(Capability.READ, cmd.location_id)
    zones = await lookup.zones(cmd.location_id, cmd.zone_ids) if cmd.zone_ids else {}
    package_ids = [(await lookup.package_by_tag(cmd.location_id, t)).id for t in cmd.tags]
    products = await _products(principal, cmd.product_ids)
    kinds = await spot_zone_kinds(cmd.location_id, package_ids, products) if spot else []
    require_counter(principal, cmd.location_id, kinds or [z.kind for z in zones.values()])
    policy = await queries.policy_for(cmd.location_id)

    async def work(uow: UnitOfWork) -> CountSaved:
        conn = uow.conn
        # One start at a time per location, so two counts of one zone cannot both open.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('count'), $1)", cmd.location_id)
        if zones:
            clash = await conn.fetchrow(
                "SELECT id, (SELECT z FROM unnest(zones) z WHERE z = ANY($2::int[]) LIMIT 1) AS z"
                " FROM count_session WHERE location = $1 AND status = ANY($3::text[])"
                " AND zones && $2::int[] LIMIT 1",
                cmd.location_id,
                sorted(zones),
                [SessionStatus.OPEN, SessionStatus.RECOUNT_REQUIRED],
            )
            if clash is not None:
                raise ZoneAlreadyBeingCounted(clash["z"], clash["id"])
        now = datetime.now(UTC)
        session_id: int = returned(
            await conn.fetchval(
                "INSERT INTO count_session (location, kind, zones, packages, products, blind,"
                " status, counter, round, started_at, expires_at, unscanned_packages, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, 1, $8, $9, '{}', $8) RETURNING id",
                cmd.location_id,
                "spot" if spot else "zones",
                sorted(zones),
                sorted(set(package_ids)),
                sorted(products),
                policy.blind,
                principal.user_id,
                now,
                now + timedelta(hours=policy.session_limit_hours),
            )
        )
        uow.record(CountUpdated(location_id=cmd.location_id, session_id=session_id, status="open"))
        return CountSaved(session_id)

    return await service.run(uow, principal, "startCount", cmd, work, CountSaved)


async def spot_zone_kinds(
    location_id: int, package_ids: list[int], products: list[int]
) -> list[str]:
    """The kinds of zone a spot count's packages sit in (a vault among them needs a lead)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT DISTINCT z.kind FROM stock_balance sb JOIN zone z ON z.id = sb.zone"
            " JOIN package p ON p.id = sb.package WHERE p.location = $1 AND sb.quantity > 0"
            " AND (p.id = ANY($2::int[]) OR p.product = ANY($3::int[]))",
            location_id,
            package_ids,
            products,
        )
    return [r["kind"] for r in rows] or [str(ZoneKind.SALES_FLOOR)]


async def _products(principal: Principal, product_ids: list[int]) -> list[int]:
    if not product_ids:
        return []
    async with db.connection() as conn:
        found = await conn.fetch(
            "SELECT id FROM product WHERE id = ANY($1::int[]) AND operator = $2",
            sorted(set(product_ids)),
            principal.operator_id,
        )
    known = {r["id"] for r in found}
    for product_id in product_ids:
        if product_id not in known:
            raise NotFound("product", str(product_id))
    return sorted(known)


async def session_for(principal: Principal, session_id: int) -> CountSessionRow:
    """The session, if the caller may read its location (else NotFound, as if it did not exist)."""
    row = await queries.session(session_id)
    if row is None or not principal.can(Capability.READ, row.location_id):
        raise NotFound("count session", str(session_id))
    return row


async def refuse_if_expired(uow: UnitOfWork, row: CountSessionRow) -> None:
    """An open session past its limit expires now (committed on its own) and says so."""
    if row.status in (SessionStatus.OPEN, SessionStatus.RECOUNT_REQUIRED) and (
        row.expires_at <= datetime.now(UTC)
    ):
        await expire(uow, [row.id])
        policy = await queries.policy_for(row.location_id)
        raise CountExpired(row.id, policy.session_limit_hours)
    if row.status == SessionStatus.EXPIRED:
        policy = await queries.policy_for(row.location_id)
        raise CountExpired(row.id, policy.session_limit_hours)


def require_state(row: CountSessionRow, *allowed: SessionStatus) -> None:
    if row.status not in allowed:
        raise CountWrongState(row.id, row.status, [str(s) for s in allowed])


def current_counter(row: CountSessionRow) -> int:
    """Who scans now: the counter, or in a recount round the recounter."""
    return row.recounter_id if row.round > 1 and row.recounter_id else row.counter_id


@dataclass(frozen=True)
class JoinCountAsWitness:
    session_id: int
    email: str
    secret: str
    idempotency_key: str | None = None


async def join_count_as_witness(
    uow: UnitOfWork, principal: Principal, cmd: JoinCountAsWitness
) -> service.Outcome:
    """A second person vouches for the count by typing their own credentials on the counter's
    handheld; the server checks them (see ``domain.identity.witness``)."""
    row = await session_for(principal, cmd.session_id)
    if principal.user_id != current_counter(row):
        raise PermissionDenied("add a witness", "only the person counting adds their witness")
    await refuse_if_expired(uow, row)
    require_state(row, SessionStatus.OPEN)
    witness_id = await verify_witness(
        principal.user_id, row.location_id, WitnessCredentials(cmd.email, cmd.secret)
    )
    if witness_id in (row.counter_id, row.recounter_id):
        raise WitnessIsActor()

    async def work(uow: UnitOfWork) -> CountSaved:
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, SessionStatus.OPEN)
        await uow.conn.execute(
            "UPDATE count_session SET witness = $2, witness_joined_at = now(), updated_at = now()"
            " WHERE id = $1",
            cmd.session_id,
            witness_id,
        )
        uow.record(
            CountUpdated(location_id=row.location_id, session_id=row.id, status=locked.status)
        )
        return CountSaved(cmd.session_id)

    # The secret is not part of what a retry repeats, and is never stored.
    request = JoinCountAsWitness(cmd.session_id, cmd.email.strip().lower(), "", cmd.idempotency_key)
    return await service.run(uow, principal, "joinCountAsWitness", request, work, CountSaved)


def _key(text: str) -> str:
    return text.strip()


@dataclass(frozen=True)
class LineInput:
    line_key: str
    tag: str
    quantity: Decimal
    unit: str | None = None
    zone_id: int | None = None
    counted_at: datetime | None = None


@dataclass(frozen=True)
class RecordCountLines:
    session_id: int
    lines: list[LineInput]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LinesRecorded:
    session_id: int
    recorded: int
    already_recorded: int
    findings: int


async def record_count_lines(
    uow: UnitOfWork, principal: Principal, cmd: RecordCountLines
) -> service.Outcome:
    """Take a batch of scans from a handheld (possibly offline for a while: each line carries
    when it was counted). A line key already recorded is skipped, so a resent batch changes
    nothing twice; a tag the scope should not hold becomes a finding, not a refusal."""
    if not cmd.lines:
        raise ValidationError("lines", "send at least one line")
    if len(cmd.lines) > MAX_LINES_PER_BATCH:
        raise ValidationError("lines", f"at most {MAX_LINES_PER_BATCH} lines per batch")
    row = await session_for(principal, cmd.session_id)
    if principal.user_id != current_counter(row):
        raise PermissionDenied("record count lines", "only the person counting records lines")
    await refuse_if_expired(uow, row)
    require_state(row, *COUNTING)
    now = datetime.now(UTC)
    keys: set[str] = set()
    for i, line in enumerate(cmd.lines):
        key = _key(line.line_key)
        if not key or len(key) > 100:
            raise ValidationError(f"lines[{i}].lineKey", "1 to 100 characters")
        if key in keys:
            raise ValidationError(f"lines[{i}].lineKey", "used twice in this batch")
        keys.add(key)
        if has_nul(line.line_key, line.tag):
            raise ValidationError(f"lines[{i}]", "text may not hold a NUL character")
        if not line.tag.strip() or len(line.tag.strip()) > 64:
            raise ValidationError(f"lines[{i}].tag", "1 to 64 characters")
        if line.zone_id is not None and row.kind == "zones" and line.zone_id not in row.zones:
            raise ValidationError(f"lines[{i}].zoneId", "not one of this count's zones")
        counted_at = line.counted_at or now
        if counted_at.tzinfo is None:
            raise ValidationError(f"lines[{i}].countedAt", "give a time zone")
        if counted_at < row.started_at - CLOCK_SKEW or counted_at > now + CLOCK_SKEW:
            raise ValidationError(f"lines[{i}].countedAt", "outside this count's session")
    if row.kind == "spot" and any(line.zone_id is not None for line in cmd.lines):
        await lookup.zones(row.location_id, {ln.zone_id for ln in cmd.lines if ln.zone_id})
    classified = await classify(row, cmd.lines)
    values = []
    for i, (line, found) in enumerate(zip(cmd.lines, classified, strict=True)):
        try:
            if found.unit is not None:
                quantity = counted_quantity(line.quantity, line.unit, found.unit)
            else:
                quantity = counted_quantity(line.quantity, None, str(line.unit or "grams"))
        except InvalidQuantity as refused:
            raise InvalidQuantity(f"lines[{i}].quantity", refused.reason) from None
        values.append((line, found, quantity))

    async def work(uow: UnitOfWork) -> LinesRecorded:
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, *COUNTING)
        received = datetime.now(UTC)
        inserted: int = returned(
            await uow.conn.fetchval(
                """
            WITH ins AS (
                INSERT INTO count_line (session, line_key, round, package, tag, zone,
                    counted_quantity, unit, counted_at, received_at, counter, witness, finding,
                    conflict, requires_recount, superseded, location)
                SELECT $1, k, $2, p, t, z, q, u, c, $3, $4, $5, f, false, false, false, $14
                FROM unnest($6::text[], $7::int[], $8::text[], $9::int[],
                            $10::numeric[], $11::text[], $12::timestamptz[], $13::text[])
                     AS x(k, p, t, z, q, u, c, f)
                ON CONFLICT (session, line_key) DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM ins
            """,
                cmd.session_id,
                locked.round,
                received,
                principal.user_id,
                locked.witness_id,
                [_key(line.line_key) for line, _, _ in values],
                [found.package_id for _, found, _ in values],
                [line.tag.strip() for line, _, _ in values],
                [found.zone_id for _, found, _ in values],
                [quantity for _, _, quantity in values],
                [
                    found.unit or (str(line.unit) if line.unit else "unknown")
                    for line, found, _ in values
                ],
                [line.counted_at or received for line, _, _ in values],
                [found.finding for _, found, _ in values],
                locked.location_id,
            )
        )
        if inserted:
            uow.record(
                CountUpdated(
                    location_id=row.location_id,
                    session_id=row.id,
                    status=locked.status,
                    lines=inserted,
                )
            )
        return LinesRecorded(
            cmd.session_id,
            inserted,
            len(values) - inserted,
            sum(1 for _, found, _ in values if found.finding is not None),
        )

    return await service.run(uow, principal, "recordCountLines", cmd, work, LinesRecorded)


__all__ = ["Finding"]
