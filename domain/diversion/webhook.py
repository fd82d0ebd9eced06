"""Door and badge systems' signed webhook: ``POST /hooks/access/door?location=<id>``.

The same plumbing as the POS webhooks (``domain.integrations.ingest``): an ``access``
connection holds the secret and the acting user (who must be allowed to post access events); the
signature is checked before the body is read. The body is LeafLedger's own document::

    {"source": "lobby-controller", "events": [{"event_id": "e-1", "occurred_at": "<ISO 8601>",
      "direction": "entry", "zone": "Vault", "badge": "B-0042"}]}

Each event id is kept once per source (``access.record_access_events``), so a re-sent batch
records nothing twice; unknown zones and badges are recorded and flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from domain.diversion import access
from domain.errors import DomainError
from domain.integrations import ingest
from domain.integrations.tables import IntegrationKind
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork
from plugins.integrations import ACCESS_ADAPTERS, MalformedRequest, json_body


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        raise MalformedRequest(f"{name} must be a string")
    return value


def parse(body: bytes) -> tuple[str, list[access.AccessEventInput]]:
    document = json_body(body)
    if not isinstance(document, dict):
        raise MalformedRequest("the body must be an object")
    events = document.get("events")
    if not isinstance(events, list) or not events:
        raise MalformedRequest("events must be a non-empty list")
    parsed = []
    for item in events:
        if not isinstance(item, dict):
            raise MalformedRequest("each event must be an object")
        try:
            moment = datetime.fromisoformat(_text(item, "occurred_at"))
        except ValueError:
            raise MalformedRequest("occurred_at must be an ISO 8601 time") from None
        parsed.append(
            access.AccessEventInput(
                _text(item, "event_id"),
                moment,
                _text(item, "direction"),
                _text(item, "zone"),
                _text(item, "badge"),
            )
        )
    source = document.get("source", "door")
    if not isinstance(source, str):
        raise MalformedRequest("source must be a string")
    return source, parsed


async def ingest_access(
    units: Callable[[], UnitOfWork],
    adapter: str,
    location_id: int,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> dict[str, Any]:
    """Authenticate, parse and record; a refusal of the events (bad input) is the sender's 400."""
    scheme = ACCESS_ADAPTERS[adapter]
    who = await ingest.authenticate(
        IntegrationKind.ACCESS,
        adapter,
        scheme,
        location_id,
        headers,
        body,
        now,
        Capability.POST_ACCESS_EVENTS,
    )
    try:
        source, events = parse(body)
    except MalformedRequest as exc:
        raise ingest.WebhookRefused(ingest.Refusal.MALFORMED, str(exc)) from None
    try:
        outcome = await access.record_access_events(
            units(),
            who.principal,
            access.RecordAccessEvents(location_id, source, events),
        )
    except DomainError as exc:
        raise ingest.WebhookRefused(ingest.Refusal.MALFORMED, exc.message) from None
    saved = outcome.value
    return {
        "recorded": saved.recorded,
        "duplicates": saved.duplicates,
        "unknown": saved.unknown,
        "access_event_ids": saved.access_event_ids,
    }
