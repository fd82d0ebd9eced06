"""Outbound webhooks: reservation changes told to delivery platforms and POS vendors.

Events are written to an outbox (``webhook_delivery``) in the same transaction as the change
they describe (``outbox.record``), then sent by an arq job (``delivery.deliver_due``), signed
with each endpoint's secret (``signing``), retried with backoff and kept as a delivery log.
"""

from domain.webhooks.outbox import EVENTS, record, record_many

__all__ = ["EVENTS", "record", "record_many"]
