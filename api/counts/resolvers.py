"""Cycle counts over GraphQL: sessions, lines from handhelds, the witness, decisions, live feed."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.counts.types import CountSession
from api.errors import (
    CannotApproveOwnCount,
    CommonError,
    CountError,
    CountWitnessRequired,
    DifferentCounterRequired,
    InvalidQuantity,
    ReasonDetailRequired,
    StockError,
    UnitMismatch,
    WitnessError,
    ZoneAlreadyBeingCounted,
)
from api.live.feeds import Feed
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.counts import approval, queries, sessions, submission
from domain.events import CountUpdated
from domain.identity.witness import SetWitnessPin, set_witness_pin
from domain.service import Outcome

COUNTS = Feed(CountUpdated)


@strawberry.input(description="Count zones, or a spot list of tags and/or products.")
class StartCountInput:
    location_id: strawberry.ID
    zone_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list)
    product_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    idempotency_key: str | None = None


@strawberry.input(description="The witness types their own e-mail and PIN (or password).")
class JoinCountAsWitnessInput:
    session_id: strawberry.ID
    email: str
    secret: str = strawberry.field(description="The witness's PIN, or password if no PIN is set.")
    idempotency_key: str | None = None


@strawberry.input
class CountLineInput:
    line_key: str = strawberry.field(
        description="The handheld's own id for this scan: resending it records nothing twice."
    )
    tag: str
    quantity: Decimal = strawberry.field(description="In the package's unit, 0 or more, 3 places.")
    unit: str | None = strawberry.field(default=None, description="grams, milligrams or each")
    zone_id: strawberry.ID | None = None
    counted_at: datetime | None = strawberry.field(
        default=None, description="When it was counted (an offline device); default now."
    )


@strawberry.input
class RecordCountLinesInput:
    session_id: strawberry.ID
    lines: list[CountLineInput]
    idempotency_key: str | None = None


@strawberry.input
class CountSessionInput:
    session_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class DecideCountInput:
    session_id: strawberry.ID
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Set (or, with pin null, remove) your own witness PIN.")
class SetWitnessPinInput:
    password: str
    pin: str | None = strawberry.field(description="4 to 8 digits.")
    idempotency_key: str | None = None


@strawberry.type
class CountSessionPayload:
    replayed: bool
    session_id: strawberry.Private[int]

    @strawberry.field
    async def session(self, info: Info) -> CountSession:
        row = await queries.session(self.session_id)
        if row is None:
            raise GraphQLError("count session not found", extensions={"code": "NOT_FOUND"})
        return CountSession.from_domain(row, await info.context.principal())


@strawberry.type
class CountLinesPayload:
    replayed: bool
    recorded: int = strawberry.field(description="New lines stored by this batch.")
    already_recorded: int = strawberry.field(description="Line keys sent before: skipped.")
    findings: int = strawberry.field(description="Tags the counted scope should not hold.")


@strawberry.type
class CountDecisionPayload:
    replayed: bool
    status: str
    movement_ids: list[strawberry.ID] = strawberry.field(
        description="The COUNT_CORRECTION movements an approval posted."
    )
    session_id: strawberry.Private[int]

    @strawberry.field
    async def session(self, info: Info) -> CountSession:
        row = await queries.session(self.session_id)
        if row is None:
            raise GraphQLError("count session not found", extensions={"code": "NOT_FOUND"})
        return CountSession.from_domain(row, await info.context.principal())


@strawberry.type
class WitnessPinPayload:
    replayed: bool
    has_pin: bool


@strawberry.type(description="A count session changed: lines arrived, submitted, decided...")
class CountUpdate:
    session_id: strawberry.ID
    status: str
    lines: int | None = strawberry.field(description="Lines just recorded, if that was it.")


StartCountResult = Annotated[
    CountSessionPayload | ZoneAlreadyBeingCounted | CommonError,
    strawberry.union("StartCountResult"),
]
JoinCountResult = Annotated[
    CountSessionPayload | WitnessError | CountError | CommonError,
    strawberry.union("JoinCountAsWitnessResult"),
]
RecordCountLinesResult = Annotated[
    CountLinesPayload | InvalidQuantity | UnitMismatch | CountError | CommonError,
    strawberry.union("RecordCountLinesResult"),
]
SubmitCountResult = Annotated[
    CountSessionPayload | CountWitnessRequired | CountError | CommonError,
    strawberry.union("SubmitCountResult"),
]
RecountResult = Annotated[
    CountSessionPayload | DifferentCounterRequired | CountError | CommonError,
    strawberry.union("RecountResult"),
]
DecideCountResult = Annotated[
    CountDecisionPayload | CannotApproveOwnCount | ReasonDetailRequired | CountError | StockError,
    strawberry.union("DecideCountResult"),
]
SetWitnessPinResult = Annotated[
    WitnessPinPayload | WitnessError | CommonError, strawberry.union("SetWitnessPinResult")
]


def _session(outcome: Outcome) -> CountSessionPayload:
    return CountSessionPayload(replayed=outcome.replayed, session_id=outcome.value.session_id)


def _decision(outcome: Outcome) -> CountDecisionPayload:
    return CountDecisionPayload(
        replayed=outcome.replayed,
        status=outcome.value.status,
        movement_ids=[strawberry.ID(str(i)) for i in outcome.value.movement_ids],
        session_id=outcome.value.session_id,
    )


@strawberry.type(description="Count session pages (newest first).")
class CountSessionPage:
    nodes: list[CountSession]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class CountQueries:
    @strawberry.field(description="Count sessions at a location, newest first.")
    async def count_sessions(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: str | None = None,
        first: int = 20,
        after: strawberry.ID | None = None,
    ) -> CountSessionPage:
        loc = query_id(location_id, "location")
        viewer = await info.context.reader(loc)
        rows, more = await queries.sessions(
            loc, status, first, query_id(after, "count session") if after else None
        )
        return CountSessionPage(
            nodes=[CountSession.from_domain(r, viewer) for r in rows],
            end_cursor=str(rows[-1].id) if rows else None,
            has_next_page=more,
        )

    @strawberry.field(description="One count session, with its lines.")
    async def count_session(self, info: Info, id: strawberry.ID) -> CountSession | None:
        row = await queries.session(query_id(id, "count session"))
        if row is None:
            return None
        viewer = await info.context.reader(row.location_id)
        return CountSession.from_domain(row, viewer)


@strawberry.type
class CountMutations:
    @strawberry.mutation(description="Open a count of zones, or a spot count of tags/products.")
    async def start_count(self, info: Info, input: StartCountInput) -> StartCountResult:
        return await mutate(
            info,
            sessions.start_count,
            lambda: sessions.StartCount(
                parse_id(input.location_id, "location"),
                [parse_id(z, "zone") for z in input.zone_ids],
                list(input.tags),
                [parse_id(p, "product") for p in input.product_ids],
                input.idempotency_key,
            ),
            _session,
        )

    @strawberry.mutation(description="A witness joins the count with their own credentials.")
    async def join_count_as_witness(
        self, info: Info, input: JoinCountAsWitnessInput
    ) -> JoinCountResult:
        return await mutate(
            info,
            sessions.join_count_as_witness,
            lambda: sessions.JoinCountAsWitness(
                parse_id(input.session_id, "count session"),
                input.email,
                input.secret,
                input.idempotency_key,
            ),
            _session,
        )

    @strawberry.mutation(description="A batch of scans from a handheld (idempotent per line).")
    async def record_count_lines(
        self, info: Info, input: RecordCountLinesInput
    ) -> RecordCountLinesResult:
        return await mutate(
            info,
            sessions.record_count_lines,
            lambda: sessions.RecordCountLines(
                parse_id(input.session_id, "count session"),
                [
                    sessions.LineInput(
                        line.line_key,
                        line.tag,
                        line.quantity,
                        line.unit,
                        parse_id(line.zone_id, "zone") if line.zone_id is not None else None,
                        line.counted_at,
                    )
                    for line in input.lines
                ],
                input.idempotency_key,
            ),
            lambda outcome: CountLinesPayload(
                replayed=outcome.replayed,
                recorded=outcome.value.recorded,
                already_recorded=outcome.value.already_recorded,
                findings=outcome.value.findings,
            ),
        )

    @strawberry.mutation(description="Finish scanning: variances are computed and shown.")
    async def submit_count(self, info: Info, input: CountSessionInput) -> SubmitCountResult:
        return await mutate(
            info,
            submission.submit_count,
            lambda: submission.SubmitCount(
                parse_id(input.session_id, "count session"), input.idempotency_key
            ),
            _session,
        )

    @strawberry.mutation(description="Take over the lines sent back for a recount.")
    async def recount(self, info: Info, input: CountSessionInput) -> RecountResult:
        return await mutate(
            info,
            submission.recount,
            lambda: submission.Recount(
                parse_id(input.session_id, "count session"), input.idempotency_key
            ),
            _session,
        )

    @strawberry.mutation(description="Approve a submitted count: the books take its numbers.")
    async def approve_count(self, info: Info, input: DecideCountInput) -> DecideCountResult:
        return await mutate(info, approval.approve_count, lambda: _decide(input), _decision)

    @strawberry.mutation(description="Reject a count: the books stay as they are.")
    async def reject_count(self, info: Info, input: DecideCountInput) -> DecideCountResult:
        return await mutate(info, approval.reject_count, lambda: _decide(input), _decision)

    @strawberry.mutation(description="Set your own PIN for witnessing on a handheld.")
    async def set_witness_pin(self, info: Info, input: SetWitnessPinInput) -> SetWitnessPinResult:
        return await mutate(
            info,
            set_witness_pin,
            lambda: SetWitnessPin(input.password, input.pin, input.idempotency_key),
            lambda outcome: WitnessPinPayload(
                replayed=outcome.replayed, has_pin=outcome.value.has_pin
            ),
        )


def _decide(input: DecideCountInput) -> approval.DecideCount:
    return approval.DecideCount(
        parse_id(input.session_id, "count session"), input.note, input.idempotency_key
    )


@strawberry.type
class CountSubscriptions:
    @strawberry.subscription(description="Lines arriving, submission and decision of one count.")
    async def count_updated(
        self, info: Info, session_id: strawberry.ID
    ) -> AsyncGenerator[CountUpdate, None]:
        row = await queries.session(query_id(session_id, "count session"))
        if row is None:
            raise GraphQLError("count session not found", extensions={"code": "NOT_FOUND"})
        await info.context.reader(row.location_id)
        async with info.context.broadcaster.listen(row.location_id) as queue:
            while True:
                _, event = await COUNTS.next(queue)
                if event.session_id == row.id:
                    yield CountUpdate(
                        session_id=strawberry.ID(str(event.session_id)),
                        status=event.status,
                        lines=event.lines,
                    )
