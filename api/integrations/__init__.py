"""POS and delivery-platform integrations: inbound webhook routes and connection management."""
