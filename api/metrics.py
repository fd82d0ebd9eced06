"""``/metrics`` for Prometheus, and the counters the API and the worker keep.

Process metrics (request latency, mutation outcomes, jobs, expiries, webhook deliveries) are
prometheus-client counters and histograms. With several uvicorn workers or worker processes on a
host, set ``PROMETHEUS_MULTIPROC_DIR`` to a directory they share (emptied at deploy): each
process writes its samples there and any API process's ``/metrics`` sums them
(prometheus-client's multiprocess mode). Facts that live in PostgreSQL (the state-report
backlog per licence and system) are read when scraped, so every process reports the same truth.

Who may scrape: with ``LEAFLEDGER_METRICS_TOKEN`` set, a request bearing it; otherwise only a
request from this host (loopback), so an API on a public address does not publish its volumes.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import OperationType, get_operation_ast
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from api.request_guard import root_fields
from domain.compliance.backlog import Backlog, backlogs

REQUEST_SECONDS = Histogram(
    "leafledger_graphql_request_seconds",
    "GraphQL operations over HTTP, by their root fields.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MUTATION_OUTCOMES = Counter(
    "leafledger_mutation_outcomes_total",
    "Mutations by field and by the member of the result union they answered.",
    ["mutation", "result"],
)
JOB_RUNS = Counter(
    "leafledger_job_runs_total", "Worker jobs run, by job and outcome.", ["job", "outcome"]
)
JOB_SECONDS = Histogram(
    "leafledger_job_seconds",
    "Worker job duration.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800),
)
RESERVATION_EXPIRIES = Counter(
    "leafledger_reservation_expiries_total", "Reservations released because their hold ran out."
)
WEBHOOK_DELIVERIES = Counter(
    "leafledger_webhook_deliveries_total", "Outbound webhook delivery attempts.", ["outcome"]
)


class LiveCollector(Collector):
    """Read at scrape time: subscriptions open in this process, and the state-report backlog
    (from PostgreSQL, filled in by the handler before it renders)."""

    def __init__(self, subscriptions: Callable[[], int], backlog: list[Backlog]) -> None:
        self.subscriptions = subscriptions
        self.backlog = backlog

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily(
            "leafledger_subscriptions",
            "GraphQL subscriptions open in this API process.",
            value=self.subscriptions(),
        )
        pending = GaugeMetricFamily(
            "leafledger_state_reports_pending",
            "Reports the state has not received yet.",
            labels=["location", "system"],
        )
        failed = GaugeMetricFamily(
            "leafledger_state_reports_failed",
            "Reports the state refused for good (need a person).",
            labels=["location", "system"],
        )
        oldest = GaugeMetricFamily(
            "leafledger_state_report_oldest_pending_seconds",
            "Age of the oldest report not yet at the state.",
            labels=["location", "system"],
        )
        for b in self.backlog:
            labels = [str(b.location_id), b.system]
            pending.add_metric(labels, b.pending)
            failed.add_metric(labels, b.failed)
            oldest.add_metric(labels, b.oldest_pending_seconds)
        yield from (pending, failed, oldest)


def allowed(request: Request, token: str | None) -> bool:
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    host = request.client.host if request.client else ""
    return host in ("127.0.0.1", "::1", "localhost")


def endpoint(
    token: str | None, subscriptions: Callable[[], int]
) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        if not allowed(request, token):
            return Response("forbidden", status_code=403, media_type="text/plain")
        registry: CollectorRegistry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = CollectorRegistry()
            registry.register(_ProcessMetrics())
        registry.register(LiveCollector(subscriptions, await backlogs()))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


class _ProcessMetrics(Collector):
    """This process's own counters (single-process mode), without re-registering them."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def timed_job(name: str, coroutine: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Wrap an arq job so each run is counted (ok / failed) and timed."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            result = await coroutine(ctx, *args, **kwargs)
        except BaseException:
            JOB_RUNS.labels(name, "failed").inc()
            raise
        finally:
            JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
        JOB_RUNS.labels(name, "ok").inc()
        return result

    run.__name__ = getattr(coroutine, "__name__", name)
    run.__qualname__ = getattr(coroutine, "__qualname__", name)
    return run


class OperationMetrics(SchemaExtension):
    """Times each query and mutation, labelled by its root fields (bounded by the schema, unlike
    the client-chosen operation name). Subscriptions are counted as open, not timed."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return
        operation = get_operation_ast(document, context.operation_name)
        if operation is None or operation.operation == OperationType.SUBSCRIPTION:
            return
        fields = ",".join(sorted(root_fields(document, operation)))[:120]
        label = f"{operation.operation.value} {fields}"
        REQUEST_SECONDS.labels(label).observe(time.perf_counter() - started)
