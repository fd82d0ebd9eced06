"""POS and delivery-platform integrations: per-location connections and inbound webhooks.

A connection (``services``) says which adapter a location accepts, with which secret and as which
LeafLedger user. ``ingest`` checks a signed request, refuses replays and applies each event
through the sales and reservation services; ``outbound`` lets a delivery adapter shape the
reservation-status webhooks its platform receives.
"""
