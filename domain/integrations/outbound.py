"""Outbound reservation webhooks in a delivery platform's own format.

Why it exists: a platform's endpoint may expect its own document rather than LeafLedger's
standard one. A delivery connection may name the webhook endpoint its platform receives on
(``integration_connection.webhook_endpoint``); for deliveries to that endpoint the sender
(``domain.webhooks.delivery._send``) asks ``shaped_body`` for the body, and signs and sends
whatever it returns exactly as it would the standard body. Every other endpoint gets the standard
body (``shaped_body`` returns None). The outbox row is unchanged: shaping happens at send time, so
a redelivery after an adapter fix is shaped by the fixed adapter.
"""

from __future__ import annotations

import json
from typing import Any

from domain import db
from domain.unit_of_work import PluginRegistry
from plugins.integrations import StatusEvent

# The adapter linked to the delivery's endpoint, and the reservation the event is about (its
# order_ref and partner are what a platform knows the order by).
_LINK = """
SELECT c.adapter, r.order_ref, r.partner
FROM webhook_delivery d
JOIN integration_connection c ON c.webhook_endpoint = d.endpoint AND c.kind = 'delivery'
LEFT JOIN reservation r ON r.id = CASE
    WHEN d.payload->>'reservation_id' ~ '^[0-9]{1,18}$'
    THEN (d.payload->>'reservation_id')::bigint END
WHERE d.id = $1
ORDER BY c.id
LIMIT 1
"""


async def shaped_body(plugins: PluginRegistry, row: Any) -> bytes | None:
    """The body ``row`` (a claimed ``webhook_delivery``) should carry, or None for the standard
    one. Raises LookupError when the linked adapter is no longer installed (the sender retries
    and eventually gives up, as for any failed send), and whatever the adapter raises."""
    if not str(row["event"]).startswith("reservation."):
        return None  # adapters shape reservation statuses; other events go out as they are
    async with db.connection() as conn:
        link = await conn.fetchrow(_LINK, row["id"])
    if link is None:
        return None
    adapter = plugins.delivery_adapters.get(link["adapter"])
    if adapter is None:
        raise LookupError(f"delivery adapter {link['adapter']!r} is not installed")
    data = dict(row["payload"])
    data.setdefault("order_ref", link["order_ref"])
    data.setdefault("partner", link["partner"])
    event = StatusEvent(row["event_id"], row["event"], row["created_at"])
    document = adapter.status_payload(event, data)
    return json.dumps(document, separators=(",", ":"), default=str).encode()
