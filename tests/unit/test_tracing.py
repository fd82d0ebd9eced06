"""Tracing is opt-in: off, OpenTelemetry is never imported; on, a request leaves a trace."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from api import tracing
from domain import settings
from domain.roles import Role

ROOT = Path(__file__).resolve().parents[2]
OTEL_MISSING = importlib.util.find_spec("opentelemetry.sdk") is None

BUILD_THE_ENTRY_POINT_WITH_TRACING_OFF = """
import os, sys
os.environ.pop("LEAFLEDGER_OTEL", None)
from api.app import LeafLedgerApp, app_factory
app = app_factory()
assert type(app) is LeafLedgerApp, type(app)
loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
assert not loaded, loaded
print("untraced")
"""


def test_with_tracing_off_the_entry_point_neither_imports_opentelemetry_nor_wraps_the_app(
    tmp_path,
):
    result = subprocess.run(
        [sys.executable, "-c", BUILD_THE_ENTRY_POINT_WITH_TRACING_OFF],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),
            "LEAFLEDGER_DATA_DIR": str(tmp_path / "data"),
            "LEAFLEDGER_SECRET_KEY": "k",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "untraced"


def test_the_setting_is_off_unless_asked_for(tmp_path):
    base = {"LEAFLEDGER_DATA_DIR": str(tmp_path), "LEAFLEDGER_SECRET_KEY": "k"}
    assert settings.load(base).otel is False
    assert settings.load({**base, "LEAFLEDGER_OTEL": "1"}).otel is True
    app = object()
    assert tracing.instrument(app, settings.load(base)) is app


@pytest.mark.skipif(OTEL_MISSING, reason="OpenTelemetry is not installed: pip install .[otel]")
async def test_with_tracing_on_a_graphql_request_leaves_a_server_span_with_its_queries_beneath(
    world,
):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from api.app import create_app

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = replace(settings.load(), otel=True)
    app = tracing.instrument(create_app(config), config, provider=provider)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.post(
                "/graphql",
                json={"query": "{ me { email } }"},
                headers={"Authorization": f"Bearer {world.ca.token(Role.MANAGER)}"},
            )
    finally:
        tracing.uninstrument()
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"]["email"]

    spans = exporter.get_finished_spans()
    [request] = [s for s in spans if s.name == "POST /graphql"]
    assert request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200
    queries = [s for s in spans if s.name.startswith("postgresql ")]
    assert queries, [s.name for s in spans]
    # The queries the request caused belong to its trace, beneath its span.
    assert all(q.context.trace_id == request.context.trace_id for q in queries)
    assert all(q.parent is not None for q in queries)
